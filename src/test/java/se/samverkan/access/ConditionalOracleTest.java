package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * A conditional write is an oracle unless a hidden match answers exactly as no match
 * (docs/security.md, "Conditions see only what the caller sees"): e.g. "does this personnummer
 * have F32.9?" asked by a conditional update on the region's Condition identifier.
 */
class ConditionalOracleTest extends FhirServerTest {

  private static final String SYSTEM = "urn:samverkan:test:condition";
  private String region;
  private String kommun;
  private String hidden;
  private String nobodys;
  private IdType kommunsPatient;

  @BeforeEach
  void aConditionOnlyTheRegionMaySee() {
    String scopes = "system/*.read system/*.write";
    region = "Bearer " + tokens.token("vc-ronneby", "SE2321000081-SV2081", TestTokens.REGION, "journal-system", scopes);
    kommun = "Bearer " + tokens.token("kommun-karlskrona", "SE2120000829-SV1080", "SE2120000829-SV1080",
        "journal-system", scopes);
    IdType regionsPatient = created(region, "/Patient", json(TestPeople.patient()));
    hidden = TestPeople.uniqueId();
    nobodys = TestPeople.uniqueId();
    created(region, "/Condition", json(condition(regionsPatient, hidden)));
    kommunsPatient = created(kommun, "/Patient", json(TestPeople.patient()));
  }

  @Test
  void aConditionalUpdateMatchingOnlyHiddenDataAnswersAsIfNothingMatched() {
    HttpResponse<String> whenHidden = send("PUT", "/Condition?identifier=" + SYSTEM + "%7C" + hidden,
        json(condition(kommunsPatient, hidden)), "Authorization", kommun);
    HttpResponse<String> whenNothing = send("PUT", "/Condition?identifier=" + SYSTEM + "%7C" + nobodys,
        json(condition(kommunsPatient, nobodys)), "Authorization", kommun);
    assertSameAnswer(whenHidden, whenNothing);
    assertThat(whenHidden.statusCode()).isEqualTo(201);
  }

  @Test
  void aConditionalPatchMatchingOnlyHiddenDataAnswersAsIfNothingMatched() {
    String patch = "[{\"op\":\"replace\",\"path\":\"/clinicalStatus/coding/0/code\",\"value\":\"resolved\"}]";
    HttpResponse<String> whenHidden = send("PATCH", "/Condition?identifier=" + SYSTEM + "%7C" + hidden, patch,
        "Authorization", kommun, "Content-Type", "application/json-patch+json");
    HttpResponse<String> whenNothing = send("PATCH", "/Condition?identifier=" + SYSTEM + "%7C" + nobodys, patch,
        "Authorization", kommun, "Content-Type", "application/json-patch+json");
    assertSameAnswer(whenHidden, whenNothing);
    assertThat(whenHidden.statusCode()).isBetween(400, 499);
  }

  @Test
  void aConditionalDeleteMatchingOnlyHiddenDataDeletesNothingAndAnswersAsIfNothingMatched() {
    HttpResponse<String> whenHidden = send("DELETE", "/Condition?identifier=" + SYSTEM + "%7C" + hidden, null,
        "Authorization", kommun);
    HttpResponse<String> whenNothing = send("DELETE", "/Condition?identifier=" + SYSTEM + "%7C" + nobodys, null,
        "Authorization", kommun);
    assertSameAnswer(whenHidden, whenNothing);
    assertThat(get("/Condition?identifier=" + SYSTEM + "%7C" + hidden, "Authorization", region).body())
        .as("the region's condition is still there").contains(hidden);
  }

  @Test
  void aConditionalCreateMatchingOnlyHiddenDataCreatesTheCallersOwn() {
    HttpResponse<String> whenHidden = send("POST", "/Condition", json(condition(kommunsPatient, hidden)),
        "Authorization", kommun, "If-None-Exist", "identifier=" + SYSTEM + "%7C" + hidden);
    HttpResponse<String> whenNothing = send("POST", "/Condition", json(condition(kommunsPatient, nobodys)),
        "Authorization", kommun, "If-None-Exist", "identifier=" + SYSTEM + "%7C" + nobodys);
    assertSameAnswer(whenHidden, whenNothing);
    assertThat(whenHidden.statusCode()).isEqualTo(201);
  }

  private void assertSameAnswer(HttpResponse<String> whenHidden, HttpResponse<String> whenNothing) {
    assertThat(whenHidden.statusCode()).as(whenHidden.body()).isEqualTo(whenNothing.statusCode());
    assertThat(whenHidden.headers().map().keySet()).isEqualTo(whenNothing.headers().map().keySet());
    assertThat(normalised(whenHidden.body(), hidden)).isEqualTo(normalised(whenNothing.body(), nobodys));
  }

  /** The body without what differs between any two answers: ids, times, the identifier asked for. */
  private static String normalised(String body, String identifier) {
    return body.replace(identifier, "#")
        .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>")
        .replaceAll("\"lastUpdated\":\"[^\"]*\"", "")
        .replaceAll("\"source\":\"[^\"]*\"", "")
        .replaceAll("Took \\d+ms", "")
        .replaceAll("\"recordedDate\":\"[^\"]*\"", "");
  }

  private IdType created(String authorization, String path, String body) {
    HttpResponse<String> response = send("POST", path, body, "Authorization", authorization);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    IdType id = new IdType(response.headers().firstValue("Location").orElseThrow());
    return new IdType(id.getResourceType(), id.getIdPart());
  }

  private Condition condition(IdType patient, String identifier) {
    Condition condition = fhirContext.newJsonParser().parseResource(Condition.class,
        ProfileExamples.read("condition/examples/Condition-example-greta-heart-failure.json"));
    condition.setId((String) null);
    condition.setSubject(new Reference(patient));
    condition.getIdentifier().clear();
    condition.addIdentifier().setSystem(SYSTEM).setValue(identifier);
    return condition;
  }
}
