package se.samverkan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import se.samverkan.journey.ExampleLoader;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

@ExtendWith(OutputCaptureExtension.class)
class OperabilityTest extends FhirServerTest {

  private HttpResponse<String> actuator(String path, String authorization) {
    return get("http://localhost:" + port + "/actuator" + path, "Authorization", authorization);
  }

  /** A monitoring system's token: the operations scope, no care unit. */
  private String operations() {
    return "Bearer " + tokens.token("monitoring", null, null, "monitoring", "operations");
  }

  @Test
  void livenessAndReadinessAreUpAndReadinessChecksTheDatabase() {
    HttpResponse<String> liveness = actuator("/health/liveness", "");
    HttpResponse<String> readiness = actuator("/health/readiness", "");

    assertThat(liveness.statusCode()).isEqualTo(200);
    assertThat(liveness.body()).contains("\"status\":\"UP\"");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"db\"").contains("\"status\":\"UP\"");
  }

  @Test
  void prometheusMetricsCountFhirRequests() {
    get("/metadata");

    HttpResponse<String> metrics = actuator("/prometheus", operations());

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("http_server_requests_seconds_count").contains("jvm_memory_used_bytes");
  }

  /**
   * The orchestrator's probes need no token; metrics, build info and the endpoint list tell an
   * outsider what runs and how busy it is, so they need a token with the operations scope: 401
   * without one, 403 with a journal system's, both as an OperationOutcome like every refusal here.
   */
  @Test
  void onlyTheHealthProbesArePublicAndTheRestNeedsTheOperationsScope() {
    for (String probe : List.of("/health", "/health/liveness", "/health/readiness")) {
      assertThat(actuator(probe, "").statusCode()).as(probe + " without a token").isEqualTo(200);
    }
    assertThat(send("DELETE", "http://localhost:" + port + "/actuator/health", null, "Authorization", "").statusCode())
        .as("a method the probe does not take, without a token").isEqualTo(405);
    for (String endpoint : List.of("", "/info", "/prometheus")) {
      HttpResponse<String> anonymous = actuator(endpoint, "");
      assertThat(anonymous.statusCode()).as("/actuator" + endpoint + " without a token").isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));
      assertThat(outcome(anonymous).getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.LOGIN);

      HttpResponse<String> journalSystem = actuator(endpoint, "Bearer " + token);
      assertThat(journalSystem.statusCode()).as("/actuator" + endpoint + " with a journal system's token").isEqualTo(403);
      assertThat(outcome(journalSystem).getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.FORBIDDEN);
    }
    for (String endpoint : List.of("", "/info", "/prometheus")) {
      assertThat(actuator(endpoint, operations()).statusCode()).as("/actuator" + endpoint + " with the operations scope")
          .isEqualTo(200);
    }
    assertThat(actuator("/info", operations()).body()).contains("\"build\"");
  }

  @Test
  void theDevelopmentIssuersMonitoringClientReadsTheMetricsAndNoFhirData() {
    String monitoring = "Bearer " + ExampleLoader.clientCredentials(
        URI.create("http://localhost:" + port + "/oauth2/token"), "monitoring", "dev-only").get();

    assertThat(actuator("/prometheus", monitoring).statusCode()).isEqualTo(200);
    assertThat(get("/Patient?_count=1", "Authorization", monitoring).statusCode()).isEqualTo(403);
  }

  @Test
  void eachRequestIsLoggedOnceAsAPatternWithoutPersonalData(CapturedOutput output) {
    String pnr = TestPeople.personnummer();
    String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\""
        + TestPeople.PERSONNUMMER + "\",\"value\":\"" + pnr + "\"}],\"name\":[{\"family\":\"Loggsdottir\"}]}";
    String location = send("POST", "/Patient", body).headers().firstValue("Location").orElseThrow();
    String id = location.replaceAll(".*/Patient/([^/]+)/_history.*", "$1");
    get("/Patient/" + id);
    get("/Patient?identifier=" + pnr + "&name=Loggsdottir");
    send("POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":"
        + "{\"method\":\"GET\",\"url\":\"Patient?identifier=" + pnr + "\"}}]}");
    // Failures whose HAPI messages quote the client's input:
    get("/Patient/" + pnr);
    get("/Patient?birthdate=ge" + pnr);
    send("PUT", "/Patient?identifier=" + pnr + "&name=Loggsdottir", "{\"resourceType\":\"Observation\"}");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(output.getAll())
        .contains("POST /fhir/Patient 201 ")
        .contains("GET /fhir/Patient/{id} 200 ")
        .contains("GET /fhir/Patient 200 ")
        .contains("POST /fhir 200 ")
        .contains("GET /fhir/Patient/{id} 404 ")
        .contains("GET /fhir/Patient 400 ")
        .contains("PUT /fhir/Patient 400 "));
    assertThat(output.getAll()).doesNotContain(pnr).doesNotContain("Loggsdottir").doesNotContain(id);
  }
}
