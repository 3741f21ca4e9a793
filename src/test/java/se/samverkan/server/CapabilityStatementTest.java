package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.util.ExtensionConstants;
import org.springframework.boot.info.BuildProperties;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

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

  @Test
  void openApiDescribesTheFhirApiAndSwaggerUiIsServed() {
    HttpResponse<String> apiDocs = get("/api-docs");
    assertThat(apiDocs.statusCode()).isEqualTo(200);
    assertThat(apiDocs.body()).contains("openapi: 3").contains("title: Samverkan").contains("/Patient/{id}");

    HttpResponse<String> swagger = get("/swagger-ui/", "Accept", "text/html");
    assertThat(swagger.statusCode()).isEqualTo(200);
    assertThat(swagger.body()).containsIgnoringCase("swagger");
  }

  @Autowired @Qualifier("myResourceCountsCache") ResourceCountCache resourceCounts;

  /**
   * How many resources of each type the server holds is the figure {@code _total} is refused for
   * (SearchTest). No description of the server tells it — not the CapabilityStatement (HAPI's
   * resourceCount extension), not the OpenAPI description, not Swagger UI's badges — with or
   * without a token, also after HAPI's count job has run over stored data.
   */
  @Test
  void noDescriptionOfTheServerTellsHowManyResourcesItHolds() {
    create(TestPeople.patient());
    // What HAPI's scheduled job (ResourceCountCache.Job, every 10 minutes) does once its cache is stale.
    resourceCounts.clear();
    resourceCounts.update();

    String[][] descriptions = {
      {"/metadata", "application/fhir+json"}, {"/metadata", "application/fhir+xml"},
      {"/api-docs", "*/*"}, {"/swagger-ui/", "text/html"}, {"/swagger-ui/?page=Patient", "text/html"}};
    for (String authorization : new String[] {"", "Bearer " + token}) {
      for (String[] description : descriptions) {
        String what = description[0] + " as " + description[1] + (authorization.isEmpty() ? " without" : " with") + " a token";
        HttpResponse<String> response = get(description[0], "Accept", description[1], "Cache-Control", "no-cache",
            "Authorization", authorization);
        assertThat(response.statusCode()).as(what).isEqualTo(200);
        assertThat(response.body()).as(what)
            .doesNotContain(ExtensionConstants.CONF_RESOURCE_COUNT).doesNotContain("resourceCount");
      }
    }
  }
}
