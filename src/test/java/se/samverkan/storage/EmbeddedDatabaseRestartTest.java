package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static se.samverkan.support.StandaloneServer.client;
import static se.samverkan.support.StandaloneServer.start;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import se.samverkan.support.TestPeople;

/**
 * The zero-setup default: an H2 database in a file at the configured location, created and
 * migrated on first start, and still holding its data after a restart.
 */
class EmbeddedDatabaseRestartTest {

  @TempDir Path dataDir;

  @Test
  void dataWrittenBeforeARestartIsThereAfterIt() {
    Path dbFile = dataDir.resolve("db");
    Patient patient = TestPeople.patient();
    IdType id;

    try (ConfigurableApplicationContext first = start(dbFile)) {
      id = (IdType) client(first).create().resource(patient).execute().getId();
    }
    assertThat(Files.exists(dataDir.resolve("db.mv.db"))).isTrue();

    try (ConfigurableApplicationContext second = start(dbFile)) {
      Patient read = client(second).read().resource(Patient.class)
          .withId(id.toUnqualifiedVersionless()).execute();
      assertThat(read.getIdentifierFirstRep().getValue())
          .isEqualTo(patient.getIdentifierFirstRep().getValue());
    }
  }
}
