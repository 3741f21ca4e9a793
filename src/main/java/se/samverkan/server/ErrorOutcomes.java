package se.samverkan.server;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The one place that writes an OperationOutcome outside HAPI's own error handling: token errors,
 * the request size limit, malformed URLs ({@link MalformedRequestConfig}) and whatever reaches
 * Spring's or Tomcat's error handling. Always JSON ({@code application/fhir+json}): such requests
 * may be too broken to negotiate a format, and the project's rule is an OperationOutcome, never an
 * HTML page or Spring's error JSON.
 */
public final class ErrorOutcomes {

  public static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";

  /** Said for every URL refused before it reaches a handler; it never repeats the URL itself. */
  static final String MALFORMED_REQUEST =
      "The request is malformed and was not processed: its URL or a header holds something this server"
          + " does not accept, such as an encoded NUL, slash or backslash, an invalid %-escape, a '.' or"
          + " '..' segment, an empty segment ('//'), a ';' parameter, or a character that must be"
          + " %-encoded (space, quote, '<', '{', a control character, a non-ASCII character).";

  private ErrorOutcomes() {}

  /** An OperationOutcome of one error issue, as JSON. */
  public static String json(FhirContext fhirContext, OperationOutcome.IssueType code, String diagnostics) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(diagnostics);
    return fhirContext.newJsonParser().encodeResourceToString(outcome);
  }

  /** Answers the response with the status and an OperationOutcome of one error issue. */
  public static void write(HttpServletResponse response, FhirContext fhirContext, int status,
      OperationOutcome.IssueType code, String diagnostics) throws IOException {
    response.setStatus(status);
    response.setContentType(FHIR_JSON);
    response.getOutputStream().write(json(fhirContext, code, diagnostics).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The issue code for an error that arrives with nothing but its HTTP status (Tomcat's and
   * Spring's error handling).
   */
  static OperationOutcome.IssueType code(int status) {
    return switch (status) {
      case 400 -> OperationOutcome.IssueType.INVALID;
      case 401 -> OperationOutcome.IssueType.LOGIN;
      case 403 -> OperationOutcome.IssueType.FORBIDDEN;
      case 404 -> OperationOutcome.IssueType.NOTFOUND;
      case 405, 501, 505 -> OperationOutcome.IssueType.NOTSUPPORTED;
      case 408 -> OperationOutcome.IssueType.TIMEOUT;
      case 413, 414, 431 -> OperationOutcome.IssueType.TOOLONG;
      default -> status >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.PROCESSING;
    };
  }

  /**
   * A generic message for an error that arrives with nothing but its HTTP status. Deliberately
   * not the exception's or Tomcat's message: those may repeat the URL or a header (personal data)
   * or name Java internals.
   */
  static String diagnostics(int status) {
    return switch (status) {
      case 400 -> MALFORMED_REQUEST;
      case 401 -> "A bearer token is required: Authorization: Bearer <access token>.";
      case 403 -> "This request is not allowed.";
      case 404 -> "There is nothing at this URL. The FHIR endpoint is /fhir.";
      case 405 -> "This HTTP method is not allowed at this URL.";
      case 408 -> "The request did not arrive in time.";
      case 413, 414, 431 -> "The request, its URL or its headers are larger than this server accepts.";
      case 505 -> "This HTTP version is not supported: send HTTP/1.1.";
      default -> status >= 500
          ? HostileInputInterceptor.INTERNAL_ERROR_MESSAGE
          : "The request was refused (HTTP status " + status + ").";
    };
  }
}
