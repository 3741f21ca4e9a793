package se.samverkan.messages;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Subscription;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.server.spi.FhirServerProperties;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestTokens;

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

  // --- Refusals of other rules than the profiles', each from another package (issue 18: all our own rules)

  /** server/RequestSizeLimitFilter, before HAPI: the limit is measured on the inflated body. */
  @Test
  void aGzipBodyTooLargeOnceInflatedIsRefusedInSwedishNamingTheLimit() {
    long limit = properties.maxRequestSize().toBytes();
    HttpResponse<String> response = postGzip("/Task", " ".repeat((int) limit + 1), "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(limit).as("application.yaml's samverkan.fhir.max-request-size, named in the message").isEqualTo(10L << 20);
    assertThat(issue(response, "body.too-large.inflated").getDiagnostics()).isEqualTo(
        "Begärans innehåll är, uppackat (Content-Encoding: gzip), större än de 10 MB som den här servern tar emot"
            + " (samverkan.fhir.max-request-size): skicka färre resurser per transaktion eller batch");
    assertThat(response.headers().firstValue("Content-Language")).hasValue("sv");
  }

  /** notify/SubscriptionEndpointRule: the reason, a message of its own, is put into Swedish within the refusal. */
  @Test
  void aSubscriptionToAnEndpointNotAllowedIsRefusedInSwedish() {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("language test").setCriteria("Goal?lifecycle-status=active");
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:5432/hook?secret=s3cret").setPayload("application/fhir+json");

    HttpResponse<String> response = send("POST", "/Subscription", json(subscription), "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(issue(response, "subscription.endpoint.refused").getDiagnostics()).isEqualTo(
        "http://127.0.0.1:5432 är inte en tillåten ändpunkt. Den här servern skickar notifieringar bara till"
            + " ändpunkter som serverns driftansvariga tillåter (samverkan.notify.allowed-endpoints); be dem lägga"
            + " till ditt journalsystems ändpunkt");
    assertThat(response.body()).doesNotContain("s3cret");
  }

  /** server/VersionPreconditionInterceptor: 412 for a version no resource ever has. */
  @Test
  void anIfMatchNamingAVersionThatCannotExistIsRefusedInSwedish() {
    HttpResponse<String> response = send("PUT", "/Patient/example-greta", ProfileExamples.read(
        "patient/examples/Patient-example-greta.json"), "If-Match", "W/\"abc\"", "Accept-Language", "sv-SE");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(412);
    assertThat(issue(response, "if-match.never-had").getDiagnostics()).isEqualTo(
        "If-Match anger version \"abc\", som den här resursen aldrig har haft: versioner är positiva heltal");
  }

  /** server/ContainsSearchRefusal: a search too costly to run. */
  @Test
  void aSubstringSearchIsRefusedInSwedish() {
    HttpResponse<String> response = get("/Patient?name:contains=Tolv", "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(issue(response, "search.contains-unsupported").getDiagnostics())
        .startsWith("Sökning på delsträng (:contains) stöds inte på den här servern");
  }

  /** security/ScopeAuthorizationInterceptor: HAPI's "Access denied by rule" around our rule's name, both Swedish. */
  @Test
  void aRequestTheTokensScopesDoNotAllowIsRefusedInSwedishWhole() {
    String patientsOnly = tokens.token("reader", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system",
        "system/Patient.read");

    HttpResponse<String> response = get("/Observation?_count=1", "Authorization", "Bearer " + patientsOnly,
        "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
    assertThat(issue(response, "access.denied-by-rule").getDiagnostics())
        .isEqualTo("HAPI-0333: Åtkomst nekad enligt regeln: Åtkomsttokens scopes tillåter inte den här begäran");
  }

  /** server/HostileInputInterceptor: a message whose subject is itself a message (search.value-of) is Swedish whole. */
  @Test
  void aControlCharacterInASearchValueIsRefusedInSwedishWhole() {
    HttpResponse<String> response = get("/Patient?name=a%01b", "Accept-Language", "sv");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(issue(response, "value.control-character").getDiagnostics()).isEqualTo(
        "Värdet på sökparametern name innehåller styrtecknet U+0001, som FHIR-strängar inte får innehålla");
  }

  /** worklist/LastNObservationProvider, and the same refusal in English to who does not ask for Swedish. */
  @Test
  void lastnWithoutWhomIsRefusedInSwedishOrEnglish() {
    HttpResponse<String> swedish = get("/Observation/$lastn?category=vital-signs", "Accept-Language", "sv");
    HttpResponse<String> english = get("/Observation/$lastn?category=vital-signs");

    assertThat(swedish.statusCode()).as(swedish.body()).isEqualTo(400);
    assertThat(issue(swedish, "lastn.needs-whom").getDiagnostics())
        .isEqualTo("$lastn kräver patient, subject eller code: de senaste observationerna för vem, eller av vad?");
    assertThat(issue(english, "lastn.needs-whom").getDiagnostics())
        .isEqualTo("$lastn needs patient, subject or code: the newest observations of whom, or of what?");
  }

  @Autowired private FhirServerProperties properties;

  private HttpResponse<String> postGzip(String path, String body, String acceptLanguage) {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try {
      try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
        gzip.write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
          .POST(HttpRequest.BodyPublishers.ofByteArray(compressed.toByteArray()))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
          .header("Content-Encoding", "gzip").header("Accept-Language", acceptLanguage)
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String greta() {
    return ProfileExamples.read("patient/examples/Patient-example-greta.json").replace("\"id\": \"example-greta\",", "");
  }

  /** The one issue that carries the message id. */
  private OperationOutcome.OperationOutcomeIssueComponent issue(HttpResponse<String> response, String id) {
    return outcome(response).getIssue().stream()
        .filter(i -> i.getDetails().getCoding().stream()
            .anyMatch(c -> Vocabulary.MESSAGE.equals(c.getSystem()) && id.equals(c.getCode())))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no issue with message " + id + ": " + response.body()));
  }
}
