package se.samverkan.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.CannotCreateTransactionException;

/** Which failures mean "the database is away" (503) and which are ordinary server errors (500). */
class DatabaseUnavailableTest {

  @Test
  void noConnectionFromThePoolIs503WithRetryAfter() {
    Throwable failure = new InternalErrorException("HAPI-0389",
        new CannotCreateTransactionException("Could not open JPA EntityManager",
            new SQLTransientConnectionException("Connection is not available, request timed out")));

    BaseServerResponseException answer = DatabaseUnavailable.translate(null, failure);

    assertThat(answer.getStatusCode()).isEqualTo(503);
    assertThat(answer.getResponseHeaders()).containsKey("Retry-After");
    OperationOutcome outcome = (OperationOutcome) answer.getOperationOutcome();
    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TRANSIENT);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("database is not reachable");
  }

  @Test
  void aConnectionLostOrAServerShuttingDownIs503() {
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(
        new RuntimeException(new SQLException("I/O error", "08006")))).isTrue();
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(
        new RuntimeException(new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
  }

  @Test
  void aSearchThatFailedBecauseTheDatabaseWentAwayIs503() {
    // HAPI rebuilds a failed search's exception from the root cause's message only.
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(new InternalErrorException(
        "HikariPool-1 - Connection is not available, request timed out after 5001ms"))).isTrue();
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(new InternalErrorException("Connection refused")))
        .isTrue();
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(new InternalErrorException("Index out of range")))
        .isFalse();
  }

  @Test
  void aCommitOnAConnectionThePoolHadClosedIs503() {
    RuntimeException rollback = new RuntimeException("Unable to rollback against JDBC Connection",
        new SQLException("Connection is closed"));
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(new InternalErrorException("HAPI-0389", rollback)))
        .isTrue();
    RuntimeException withSuppressed = new RuntimeException("commit failed");
    withSuppressed.addSuppressed(new SQLTransientConnectionException("timed out"));
    assertThat(DatabaseUnavailable.isDatabaseUnavailable(withSuppressed)).isTrue();
  }

  @Test
  void otherFailuresStayTheirOwn() {
    assertThat(DatabaseUnavailable.translate(null, new SQLException("duplicate key", "23505"))).isNull();
    assertThat(DatabaseUnavailable.translate(null, new IllegalStateException("bug"))).isNull();
  }
}
