package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * While the database is unreachable the server answers 503 Service Unavailable with a
 * Retry-After, not 500: the request was fine, the server is (briefly) not. The connection pool
 * reconnects by itself when the database is back; readiness reports the outage meanwhile.
 */
@Interceptor
public class DatabaseUnavailableInterceptor implements ServerInterceptor {

  static final String RETRY_AFTER_SECONDS = "10";

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException databaseUnavailable(RequestDetails request, Throwable exception) {
    if (!isDatabaseUnavailable(exception)) {
      return null;
    }
    String message = "The database is not reachable at the moment, so the request could not be completed."
        + " Try again shortly.";
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.TRANSIENT).setDiagnostics(message);
    BaseServerResponseException unavailable = new BaseServerResponseException(503, message, outcome) {};
    unavailable.addResponseHeader("Retry-After", RETRY_AFTER_SECONDS);
    return unavailable;
  }

  /**
   * HAPI's search threads keep only the root cause's message of a failure (no exception chain):
   * these are the JDBC driver's and the pool's words for a database that is gone.
   */
  private static final Pattern CONNECTION_LOST = Pattern.compile(
      "Connection is not available|Unable to acquire JDBC Connection|Connection refused|Broken pipe"
          + "|I/O error occurred while sending to the backend|This connection has been closed|terminating connection");

  /** A connection that cannot be had or was lost: SQL state class 08, or 57P (server shutting down). */
  static boolean isDatabaseUnavailable(Throwable exception) {
    if (exception instanceof InternalErrorException && exception.getCause() == null && exception.getMessage() != null
        && CONNECTION_LOST.matcher(exception.getMessage()).find()) {
      return true;
    }
    for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotCreateTransactionException || t instanceof DataAccessResourceFailureException
          || t instanceof SQLTransientConnectionException
          || t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }
}
