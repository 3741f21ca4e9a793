package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.info.BuildProperties;
import se.samverkan.support.FhirServerTest;

class CapabilityStatementTest extends FhirServerTest {

  @Autowired BuildProperties build;

  @Test
  void metadataNamesSamverkanAndItsVersion() {
    CapabilityStatement capabilities =
        client.capabilities().ofType(CapabilityStatement.class).execute();

    assertThat(capabilities.getName()).isEqualTo("Samverkan");
    assertThat(capabilities.getSoftware().getName()).isEqualTo("Samverkan");
    assertThat(capabilities.getSoftware().getVersion()).isEqualTo(build.getVersion());
    assertThat(capabilities.getFhirVersion().toCode()).isEqualTo("4.0.1");
  }

  @Test
  void everyStorableR4ResourceTypeIsOffered() {
    CapabilityStatement capabilities =
        client.capabilities().ofType(CapabilityStatement.class).execute();
    Set<String> offered =
        capabilities.getRestFirstRep().getResource().stream()
            .map(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
            .collect(Collectors.toSet());

    assertThat(offered).containsAll(ResourceTypesTest.storableTypes(fhirContext));
    assertThat(offered)
        .contains(
            "CarePlan", "CareTeam", "Condition", "Observation", "Patient", "Organization",
            "Practitioner", "PractitionerRole", "Consent", "Provenance", "Task", "Encounter",
            "Subscription", "AuditEvent");
  }

  /** XML Patch is refused with 415 (HostileInputTest): not offered either. */
  @Test
  void thePatchFormatsOfferedAreJsonPatchAndFhirPathPatch() {
    CapabilityStatement capabilities =
        client.capabilities().ofType(CapabilityStatement.class).execute();

    assertThat(capabilities.getPatchFormat()).extracting(p -> p.getValue())
        .containsExactlyInAnyOrder("application/fhir+json", "application/fhir+xml", "application/json-patch+json");
  }

  @Test
  void openApiDescribesTheFhirApiAndSwaggerUiIsServed() {
    HttpResponse<String> apiDocs = get("/api-docs");
    assertThat(apiDocs.statusCode()).isEqualTo(200);
    assertThat(apiDocs.body()).contains("openapi: 3").contains("title: Samverkan").contains("/Patient/{id}");

    HttpResponse<String> swagger = get("/swagger-ui/", "Accept", "text/html");
    assertThat(swagger.statusCode()).isEqualTo(200);
    assertThat(swagger.body()).containsIgnoringCase("swagger");
  }
}
