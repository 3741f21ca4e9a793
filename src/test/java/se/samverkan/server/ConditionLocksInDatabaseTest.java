package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestDatabase;

/**
 * Two servers on one PostgreSQL database run requests with the same condition one after another:
 * a condition this server holds is busy for another, whose lock sessions are its own (issue 21).
 */
class ConditionLocksInDatabaseTest extends FhirServerTest {

  private static final String CONDITION =
      "Patient?identifier=http://electronichealth.se/identifier/personnummer|191212121212";
  private static final String ANOTHER = "Patient?identifier=http://electronichealth.se/identifier/personnummer|191010101010";

  @Autowired ObjectProvider<ConditionLocksInDatabase> thisServersLocks;
  @Autowired DataSourceProperties database;

  @Test
  void aConditionOneServerHoldsIsBusyForAnotherUntilReleasedWhileOthersAreFree() {
    if (!TestDatabase.POSTGRES) {
      assertThat(thisServersLocks.getIfAvailable()).as("the embedded database serves one server: in-process locks").isNull();
      return;
    }
    ConditionLocksInDatabase thisServer = thisServersLocks.getObject();
    try (ConditionLocksInDatabase anotherServer = new ConditionLocksInDatabase(database.determineUrl(),
        database.determineUsername(), database.determinePassword())) {
      try (ConditionLocksInDatabase.Held held = thisServer.lock(List.of(CONDITION), 60)) {
        assertThatThrownBy(() -> anotherServer.lock(List.of(ANOTHER, CONDITION), 1))
            .isInstanceOf(ResourceVersionConflictException.class).hasMessageContaining("same condition");
        try (ConditionLocksInDatabase.Held other = anotherServer.lock(List.of(ANOTHER), 1)) {
          assertThat(other).as("another condition is free, also after a refused request held it a moment").isNotNull();
        }
      }
      try (ConditionLocksInDatabase.Held after = anotherServer.lock(List.of(CONDITION), 1)) {
        assertThat(after).as("free once the first server's request is done").isNotNull();
      }
    }
  }
}
