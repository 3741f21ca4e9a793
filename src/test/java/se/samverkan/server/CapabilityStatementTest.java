package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Extension;
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

  /** What a browser sends for a typed-in URL (Firefox 128; Chrome's differs only in image types). */
  static final String BROWSER_ACCEPT =
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

  @Test
  void swaggerUiWithoutTheTrailingSlashRedirectsToIt() {
    HttpResponse<String> response = get("/swagger-ui", "Accept", BROWSER_ACCEPT, "Authorization", "");

    assertThat(response.statusCode()).as(response.body()).isIn(301, 302, 303, 307, 308);
    assertThat(response.headers().firstValue("Location")).hasValueSatisfying(location ->
        assertThat(URI.create(baseUrl() + "/swagger-ui").resolve(location).toString())
            .isEqualTo(baseUrl() + "/swagger-ui/"));
  }

  /**
   * Swagger UI offers "Authorize" only for the security schemes the OpenAPI document declares; with
   * none, every "Try it out" ends in 401.
   */
  @Test
  void openApiDeclaresBearerTokensAndTheTokenEndpointSoSwaggerUiCanAuthorize() throws Exception {
    // The server-level page only (metadata, transaction, history): the whole document takes half a minute.
    HttpResponse<String> apiDocs = get("/api-docs?page=System%20Level%20Operations", "Authorization", "");
    assertThat(apiDocs.statusCode()).isEqualTo(200);
    org.yaml.snakeyaml.LoaderOptions large = new org.yaml.snakeyaml.LoaderOptions();
    large.setCodePointLimit(apiDocs.body().length() + 1); // a description of every R4 type: over SnakeYAML's 3 MB
    JsonNode doc = new ObjectMapper(com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder().loaderOptions(large).build())
        .readTree(apiDocs.body());

    JsonNode schemes = doc.path("components").path("securitySchemes");
    assertThat(schemes.path("bearer").path("type").asText()).isEqualTo("http");
    assertThat(schemes.path("bearer").path("scheme").asText()).isEqualTo("bearer");
    JsonNode clientCredentials = schemes.path("smart").path("flows").path("clientCredentials");
    assertThat(schemes.path("smart").path("type").asText()).isEqualTo("oauth2");
    assertThat(clientCredentials.path("tokenUrl").asText()).isEqualTo(root() + "/oauth2/token");
    assertThat(doc.path("security").toString()).contains("bearer").contains("smart");
    assertThat(doc.path("paths").path("/metadata").path("get").path("security").isArray())
        .as("the CapabilityStatement needs no token").isTrue();
  }

  /** SMART App Launch: rest.security names the service and, in the oauth-uris extension, the token endpoint. */
  @Test
  void theCapabilityStatementSaysWhereATokenComesFrom() throws Exception {
    CapabilityStatement capabilities =
        client.capabilities().ofType(CapabilityStatement.class).execute();
    CapabilityStatement.CapabilityStatementRestSecurityComponent security = capabilities.getRestFirstRep().getSecurity();

    assertThat(security.getService()).flatExtracting(s -> s.getCoding()).anySatisfy(coding -> {
      assertThat(coding.getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service");
      assertThat(coding.getCode()).isEqualTo("SMART-on-FHIR");
    });
    Extension oauthUris = security.getExtensionByUrl("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
    assertThat(oauthUris).as("the oauth-uris extension").isNotNull();
    String smartTokenEndpoint = new ObjectMapper().readTree(
        get(root() + "/.well-known/smart-configuration", "Authorization", "").body()).path("token_endpoint").asText();
    assertThat(oauthUris.getExtensionByUrl("token").getValue().primitiveValue())
        .isEqualTo(smartTokenEndpoint).isEqualTo(root() + "/oauth2/token");
  }

  /**
   * A browser asks for HTML first and XML before anything else, and got 2 MB of XML to download.
   * It gets a page a person can read; a FHIR client's Accept is answered as before.
   */
  @Test
  void metadataOpenedInABrowserIsAPageAPersonCanRead() {
    HttpResponse<String> page = get("/metadata", "Accept", BROWSER_ACCEPT, "Authorization", "");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body()).contains("CapabilityStatement").contains("Samverkan");

    HttpResponse<byte[]> compressed = getBytes("/metadata", "Accept", BROWSER_ACCEPT, "Accept-Encoding", "gzip, deflate, br");
    assertThat(compressed.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(compressed.body().length).as("bytes on the wire").isLessThan(1_000_000);

    HttpResponse<String> fhirClient = get("/metadata", "Accept", "application/fhir+xml", "Authorization", "");
    assertThat(fhirClient.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/fhir+xml"));
  }

  private HttpResponse<byte[]> getBytes(String path, String... headers) {
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(URI.create(baseUrl() + path));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String root() {
    return URI.create(baseUrl()).resolve("/").toString().replaceAll("/$", "");
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
