package se.samverkan.messages;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * A kommun nurse's system shows the OperationOutcome's text to its user (issue 18): our own
 * messages come in Swedish to who asks for Swedish in {@code Accept-Language}, in English to
 * everyone else, with the message's id in {@code details.coding} either way.
 */
class MessageLanguageTest extends FhirServerTest {

  /** Greta (a synthetic person) with her personnummer's last digit changed from 1 to 2. */
  private static final String WRONG_CHECK_DIGIT = "194005219822";

  @Test
  void aWrongCheckDigitIsExplainedInSwedishToWhoAsksInSwedish() {
    HttpResponse<String> response = send("POST", "/Patient", greta().replace("194005219821", WRONG_CHECK_DIGIT),
        "Accept-Language", "sv-SE,sv;q=0.9,en;q=0.5");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    OperationOutcome.OperationOutcomeIssueComponent issue = issue(response, "identifier.personnummer.check-digit");
    assertThat(issue.getDiagnostics())
        .isEqualTo("Personnumrets kontrollsiffra är fel: enligt Luhn-algoritmen skulle den vara 1");
    assertThat(issue.getDetails().getText()).isEqualTo(issue.getDiagnostics());
    assertThat(response.headers().firstValue("Content-Language")).hasValue("sv");
    assertThat(response.body()).doesNotContain(WRONG_CHECK_DIGIT);
  }

  @ParameterizedTest(name = "Accept-Language: \"{0}\"")
  @ValueSource(strings = {"", "en", "de", "en-GB, sv;q=0.2", "sv;q=0, en"})
  void aWrongCheckDigitIsExplainedInEnglishToEveryoneElse(String acceptLanguage) {
    HttpResponse<String> response = acceptLanguage.isEmpty()
        ? send("POST", "/Patient", greta().replace("194005219821", WRONG_CHECK_DIGIT))
        : send("POST", "/Patient", greta().replace("194005219821", WRONG_CHECK_DIGIT), "Accept-Language", acceptLanguage);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(issue(response, "identifier.personnummer.check-digit").getDiagnostics())
        .isEqualTo("The personnummer's check digit is wrong: by the Luhn rule it would be 1");
    assertThat(response.headers().firstValue("Content-Language")).hasValue("en");
  }

  @Test
  void aBrokenConstraintOfOurProfileIsExplainedInSwedish() {
    HttpResponse<String> response = send("POST", "/Patient",
        greta().replace("http://electronichealth.se/identifier/personnummer", "urn:example:local"), "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(issue(response, "validation.constraint-failed").getDiagnostics()).isEqualTo(
        "Villkoret samverkan-pat-1 är inte uppfyllt: 'En patient har ett personnummer, ett samordningsnummer, ett"
            + " nationellt eller regionalt reservnummer eller ett LMA-nummer' (definierat i"
            + " https://samverkan.se/fhir/StructureDefinition/SamverkanPatient)");
    assertThat(issue(response, "validation.does-not-conform").getDiagnostics())
        .isEqualTo("Patient följer inte https://samverkan.se/fhir/StructureDefinition/SamverkanPatient");
  }

  @Test
  void validateAnswersInSwedishTooAndLeavesHl7sOwnConstraintsInEnglish() {
    HttpResponse<String> response = send("POST", "/Patient/$validate",
        greta().replace("http://electronichealth.se/identifier/personnummer", "urn:example:local"), "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(issue(response, "validation.constraint-failed").getDiagnostics()).startsWith("Villkoret samverkan-pat-1");
    // dom-6 is HL7's constraint, with HL7's text: translating its frame alone would mix the languages.
    assertThat(outcome(response).getIssue()).anySatisfy(i -> assertThat(i.getDiagnostics()).startsWith("Constraint failed: dom-6"));
    assertThat(response.headers().firstValue("Content-Language")).hasValue("sv");
  }

  @Test
  void aReadOfWhatIsNotThereIsAnsweredInSwedish() {
    HttpResponse<String> response = get("/Patient/no-such-patient", "Accept-Language", "sv-SE");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(issue(response, "resource.not-known").getDiagnostics()).isEqualTo("Resursen Patient/no-such-patient är inte känd");
  }

  /** A refusal before HAPI (the token check, ErrorOutcomes) takes the language too. */
  @Test
  void aRequestWithoutTokenIsToldInSwedishWhereTokensComeFrom() {
    HttpResponse<String> response = get("/Patient/example-greta", "Authorization", "", "Accept-Language", "sv-SE");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(issue(response, "token.required.get-one-here").getDiagnostics())
        .startsWith("En åtkomsttoken (bearer token) krävs: Authorization: Bearer <åtkomsttoken>. Hämta en från http");
    assertThat(response.headers().firstValue("Content-Language")).hasValue("sv");
  }

  private static String greta() {
    return ProfileExamples.read("patient/examples/Patient-example-greta.json").replace("\"id\": \"example-greta\",", "");
  }

  /** The one issue that carries the message id. */
  private OperationOutcome.OperationOutcomeIssueComponent issue(HttpResponse<String> response, String id) {
    return outcome(response).getIssue().stream()
        .filter(i -> i.getDetails().getCoding().stream()
            .anyMatch(c -> Messages.SYSTEM.equals(c.getSystem()) && id.equals(c.getCode())))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no issue with message " + id + ": " + response.body()));
  }
}
