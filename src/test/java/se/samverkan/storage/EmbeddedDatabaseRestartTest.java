package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import se.samverkan.SamverkanApplication;
import se.samverkan.journey.ExampleLoader;
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

  private static ConfigurableApplicationContext start(Path dbFile) {
    return new SpringApplicationBuilder(SamverkanApplication.class)
        .run("--server.port=0", "--samverkan.storage.h2-file=" + dbFile);
  }

  private static IGenericClient client(ConfigurableApplicationContext context) {
    int port = ((ServletWebServerApplicationContext) context).getWebServer().getPort();
    FhirContext fhir = context.getBean(FhirContext.class);
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    IGenericClient client = fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    // Each start signs with a new development key: a token from this very server.
    client.registerInterceptor(new BearerTokenAuthInterceptor(ExampleLoader.clientCredentials(
        URI.create("http://localhost:" + port + "/oauth2/token"), "region-blekinge", "dev-only").get()));
    return client;
  }
}
