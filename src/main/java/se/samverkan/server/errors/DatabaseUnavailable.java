package se.samverkan.server.errors;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * While the database is unreachable the server answers 503 Service Unavailable with a
 * Retry-After, not 500: the request was fine, the server is (briefly) not. The connection pool
 * reconnects by itself when the database is back; readiness reports the outage meanwhile. The
 * first of {@link ErrorTranslation}'s rules.
 */
final class DatabaseUnavailable {

  static final String RETRY_AFTER_SECONDS = "10";

  private DatabaseUnavailable() {}

  /** 503 with Retry-After for a failure of the database connection; null for any other failure. */
  static BaseServerResponseException translate(RequestDetails request, Throwable exception) {
    if (!isDatabaseUnavailable(exception)) {
      return null;
    }
    String message = Messages.english(Message.DATABASE_UNAVAILABLE);
    OperationOutcome outcome = ErrorOutcomes.outcome(OperationOutcome.IssueType.TRANSIENT, message);
    BaseServerResponseException unavailable = new BaseServerResponseException(503, message, outcome) {};
    unavailable.addResponseHeader("Retry-After", RETRY_AFTER_SECONDS);
    return unavailable;
  }

  /**
   * The JDBC driver's and the pool's words for a database that is gone. Needed because HAPI's
   * search threads keep only the root cause's message of a failure, and some drivers' exceptions
   * for a closed connection carry no SQL state.
   */
  private static final Pattern CONNECTION_LOST = Pattern.compile(
      "Connection is not available|Unable to acquire JDBC Connection|Connection refused|Broken pipe|Connection is closed"
          + "|I/O error occurred while sending to the backend|This connection has been closed|terminating connection");

  /**
   * A connection that cannot be had or was lost, anywhere in the exception's causes (and what they
   * suppressed): Spring's and Hibernate's connection failures, SQL state class 08 or 57P (server
   * shutting down), or one of the messages above.
   */
  static boolean isDatabaseUnavailable(Throwable exception) {
    return isDatabaseUnavailable(exception, 0);
  }

  private static boolean isDatabaseUnavailable(Throwable t, int depth) {
    if (t == null || depth > 30) {
      return false;
    }
    if (t instanceof CannotCreateTransactionException || t instanceof DataAccessResourceFailureException
        || t instanceof SQLTransientConnectionException
        || t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
      return true;
    }
    if (t instanceof SQLException sql && sql.getSQLState() != null
        && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
      return true;
    }
    if (t.getMessage() != null && CONNECTION_LOST.matcher(t.getMessage()).find()) {
      return true;
    }
    for (Throwable suppressed : t.getSuppressed()) {
      if (isDatabaseUnavailable(suppressed, depth + 1)) {
        return true;
      }
    }
    return t.getCause() != t && isDatabaseUnavailable(t.getCause(), depth + 1);
  }
}
