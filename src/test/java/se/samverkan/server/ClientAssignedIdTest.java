package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Organization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;

/** Journal systems keep their own ids: any valid FHIR id, numeric ones included. */
class ClientAssignedIdTest extends FhirServerTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "-kommun.1", "-A"})
  void putCreatesTheResourceUnderTheClientsId(String suffix) {
    String id = Long.toString(System.nanoTime()) + suffix;
    Organization organization = TestData.organization("Vårdcentral " + id);
    organization.setId(id);

    HttpResponse<String> created = send("PUT", "/Organization/" + id, json(organization));
    HttpResponse<String> read = get("/Organization/" + id);

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(parse(Organization.class, read).getIdElement().getIdPart()).isEqualTo(id);
  }

  @Test
  void aPurelyNumericIdIsAcceptedAndDoesNotClashWithServerIds() {
    String numeric = Long.toString(Math.abs(System.nanoTime() % 1_000_000_000L));
    Organization organization = TestData.organization("Numeric");
    organization.setId(numeric);
    HttpResponse<String> created = send("PUT", "/Organization/" + numeric, json(organization));
    HttpResponse<String> serverAssigned = send("POST", "/Organization", json(TestData.organization("Server id")));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(serverAssigned.headers().firstValue("Location").orElseThrow())
        .matches(".*/Organization/[0-9a-f-]{36}/_history/1");
  }

  @Test
  void anInvalidIdIsABadRequest() {
    String tooLong = "x".repeat(65);
    HttpResponse<String> response =
        send("PUT", "/Organization/" + tooLong, "{\"resourceType\":\"Organization\",\"id\":\"" + tooLong + "\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).isNotBlank();
    assertThat(get("/Organization/" + tooLong).statusCode()).isNotEqualTo(200);
  }
}
