package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;

/** Bad requests get a 4xx OperationOutcome that says what is wrong, never a 500 or a stack trace. */
class BadInputTest extends FhirServerTest {

  @Test
  void malformedJsonIsABadRequest() {
    HttpResponse<String> response = send("POST", "/Patient", "{\"resourceType\":\"Patient\",");

    assertClearError(response, 400);
  }

  @Test
  void aBodyOfAnotherTypeThanTheUrlIsABadRequest() {
    HttpResponse<String> response =
        send("POST", "/Patient", "{\"resourceType\":\"Observation\",\"status\":\"final\"}");

    assertClearError(response, 400);
  }

  @Test
  void anUnknownResourceTypeIsNotFound() {
    HttpResponse<String> response = get("/Vardplan/1");

    assertClearError(response, 404);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("Vardplan");
  }

  @Test
  void aMissingResourceIsNotFound() {
    assertClearError(get("/Patient/no-such-patient"), 404);
  }

  @Test
  void anUnknownVersionIsNotFound() {
    String location = send("POST", "/Task", "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\"}")
        .headers().firstValue("Location").orElseThrow();
    String versionless = location.substring(location.indexOf("/Task/"), location.indexOf("/_history"));

    assertClearError(get(versionless + "/_history/7"), 404);
  }

  @Test
  void anInvalidSearchParameterValueIsABadRequest() {
    assertClearError(get("/Observation?date=not-a-date"), 400);
  }

  @Test
  void anUnsupportedContentTypeIsRefused() {
    HttpResponse<String> response =
        send("POST", "/Patient", "resourceType=Patient", "Content-Type", "text/plain");

    assertThat(response.statusCode()).isBetween(400, 499);
    assertThat(response.body()).doesNotContain("\tat ");
  }

  private void assertClearError(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    OperationOutcome outcome = outcome(response);
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).isNotBlank();
    assertThat(response.body()).doesNotContain("\tat ").doesNotContain("Exception:");
  }
}
