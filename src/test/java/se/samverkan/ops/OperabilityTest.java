package se.samverkan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

@ExtendWith(OutputCaptureExtension.class)
class OperabilityTest extends FhirServerTest {

  private HttpResponse<String> actuator(String path) {
    return get("http://localhost:" + port + "/actuator" + path);
  }

  @Test
  void livenessAndReadinessAreUpAndReadinessChecksTheDatabase() {
    HttpResponse<String> liveness = actuator("/health/liveness");
    HttpResponse<String> readiness = actuator("/health/readiness");

    assertThat(liveness.statusCode()).isEqualTo(200);
    assertThat(liveness.body()).contains("\"status\":\"UP\"");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"db\"").contains("\"status\":\"UP\"");
  }

  @Test
  void prometheusMetricsCountFhirRequests() {
    get("/metadata");

    HttpResponse<String> metrics = actuator("/prometheus");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("http_server_requests_seconds_count").contains("jvm_memory_used_bytes");
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
