package se.samverkan.ops;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * Logs server-side failures (5xx) without personal data, in place of HAPI's own exception logging
 * (switched off in application.yaml), which writes every failure's message — match URLs, ids,
 * search values — to the log. Client errors (4xx) are already in the access log with their status,
 * and their details are in the OperationOutcome the client received.
 *
 * <p>What is logged: the request's method and path pattern, each exception's class and HAPI
 * message codes (e.g. {@code HAPI-0550}), and the stack trace; never the messages themselves.
 */
@Component
@Interceptor
public class ServerErrorLogger implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(ServerErrorLogger.class);
  private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{4}");

  private final PathPatterns patterns;

  public ServerErrorLogger(PathPatterns patterns) {
    this.patterns = patterns;
  }

  /** Sees the exception as it will be answered, after HAPI has mapped it to a status. */
  @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
  public boolean logServerFailure(RequestDetails request, BaseServerResponseException exception) {
    if (exception.getStatusCode() == 503) {
      // The database is away (server.errors.ErrorTranslation, DatabaseUnavailable): one line each, no stack trace.
      log.warn("Service unavailable on {} {}", request.getRequestType(),
          patterns.of("/fhir/" + (request.getRequestPath() == null ? "" : request.getRequestPath())));
    } else if (exception.getStatusCode() >= 500) {
      String path = request.getRequestPath() == null ? "" : request.getRequestPath();
      log.error(
          "Internal error {} on {} {}",
          exception.getStatusCode(),
          request.getRequestType(),
          patterns.of("/fhir/" + path),
          redacted(exception));
    }
    return true;
  }

  /** A copy of the exception chain with each message replaced by its class and HAPI codes. */
  static Throwable redacted(Throwable exception) {
    Throwable cause = exception.getCause() == null || exception.getCause() == exception
        ? null
        : redacted(exception.getCause());
    RedactedException copy = new RedactedException(describe(exception), cause);
    copy.setStackTrace(exception.getStackTrace());
    return copy;
  }

  private static String describe(Throwable exception) {
    Set<String> codes = new LinkedHashSet<>();
    if (exception.getMessage() != null) {
      Matcher matcher = HAPI_CODE.matcher(exception.getMessage());
      while (matcher.find()) {
        codes.add(matcher.group());
      }
    }
    // A SQL state (e.g. 08006, connection failure) says what went wrong without any data.
    String sqlState = exception instanceof java.sql.SQLException sql && sql.getSQLState() != null
        ? " SQLState " + sql.getSQLState() : "";
    return exception.getClass().getName() + (codes.isEmpty() ? "" : " " + String.join(" ", codes)) + sqlState;
  }

  /** Carries only the original's class name and codes; the message text is left out on purpose. */
  static final class RedactedException extends RuntimeException {
    RedactedException(String description, Throwable cause) {
      super(description, cause, false, true);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }
}
