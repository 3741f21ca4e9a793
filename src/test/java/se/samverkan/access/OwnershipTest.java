package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/** Point 3 of access control: the token decides who owns a write, and only the owner changes it. */
class OwnershipTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";

  private String vcRonneby;
  private String hospital;
  private String kommun;

  @BeforeEach
  void organizations() {
    String scopes = "system/*.read system/*.write";
    vcRonneby = "Bearer " + tokens.token("vc-ronneby", VC_RONNEBY, TestTokens.REGION, "journal-system", scopes);
    hospital = "Bearer " + tokens.token("blekingesjukhuset", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", scopes);
    kommun = "Bearer " + tokens.token("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA, "journal-system", scopes);
  }

  @Test
  void aWriteIsOwnedByTheTokensCareProviderAndUnitWhateverThePayloadClaims() {
    Patient patient = TestPeople.patient();
    patient.getMeta().addTag(Vocabulary.OWNER_CARE_PROVIDER, KOMMUN_KARLSKRONA, null);
    patient.getMeta().addTag(Vocabulary.OWNER_UNIT, KOMMUN_KARLSKRONA, null);

    HttpResponse<String> created = send("POST", "/Patient", json(patient), "Authorization", vcRonneby);

    assertThat(created.statusCode()).isEqualTo(201);
    Patient stored = parse(Patient.class, created);
    assertThat(tags(stored, Vocabulary.OWNER_CARE_PROVIDER)).containsExactly(TestTokens.REGION);
    assertThat(tags(stored, Vocabulary.OWNER_UNIT)).containsExactly(VC_RONNEBY);
  }

  @Test
  void anotherCareProviderMayNeitherChangeNorDeleteIt() {
    Patient stored = create(TestPeople.patient(), vcRonneby);
    String path = "/Patient/" + stored.getIdElement().getIdPart();
    stored.getNameFirstRep().setFamily("Ändrad");

    HttpResponse<String> update = send("PUT", path, json(stored), "Authorization", kommun);
    HttpResponse<String> delete = send("DELETE", path, null, "Authorization", kommun);

    assertThat(update.statusCode()).isEqualTo(403);
    assertThat(outcome(update).getIssueFirstRep().getDiagnostics()).contains("Only the care provider that owns");
    assertThat(delete.statusCode()).isEqualTo(403);
    Patient after = parse(Patient.class, get(path, "Authorization", vcRonneby));
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
    assertThat(after.getNameFirstRep().getFamily()).isNotEqualTo("Ändrad");
  }

  @Test
  void noOneChangesTheOwnersTagsInPlaceNeitherAnotherCareProviderNorTheOwner() {
    Patient stored = create(TestPeople.patient(), vcRonneby);
    String path = "/Patient/" + stored.getIdElement().getIdPart();
    Parameters takeOver = new Parameters();
    takeOver.addParameter().setName("meta").setValue(new Meta()
        .addTag(Vocabulary.OWNER_CARE_PROVIDER, KOMMUN_KARLSKRONA, null));
    Parameters disown = new Parameters();
    disown.addParameter().setName("meta").setValue(new Meta()
        .addTag(Vocabulary.OWNER_CARE_PROVIDER, TestTokens.REGION, null));

    for (String[] attempt : new String[][] {
        {"$meta-add", json(takeOver), kommun}, {"$meta-delete", json(disown), kommun},
        {"$meta-add", json(takeOver), vcRonneby}, {"$meta-delete", json(disown), vcRonneby}}) {
      HttpResponse<String> answer = send("POST", path + "/" + attempt[0], attempt[1], "Authorization", attempt[2]);
      // Not offered at all: tags change with a new version only (storage.TagsInVersions), where
      // OwnershipInterceptor keeps the owner's.
      assertThat(answer.statusCode()).as(attempt[0]).isEqualTo(405);
      assertThat(outcome(answer).getIssueFirstRep().getDiagnostics()).contains("updating the resource");
    }
    Patient after = parse(Patient.class, get(path, "Authorization", vcRonneby));
    assertThat(tags(after, Vocabulary.OWNER_CARE_PROVIDER)).containsExactly(TestTokens.REGION);
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
  }

  @Test
  void anotherUnitOfTheSameCareProviderMayChangeItAndTheOwnerStays() {
    Patient stored = create(TestPeople.patient(), vcRonneby);
    String path = "/Patient/" + stored.getIdElement().getIdPart();
    stored.getNameFirstRep().setFamily("Uppdaterad");

    HttpResponse<String> update = send("PUT", path, json(stored), "Authorization", hospital);

    assertThat(update.statusCode()).isEqualTo(200);
    Patient after = parse(Patient.class, get(path, "Authorization", hospital));
    assertThat(tags(after, Vocabulary.OWNER_CARE_PROVIDER)).containsExactly(TestTokens.REGION);
    assertThat(after.getNameFirstRep().getFamily()).isEqualTo("Uppdaterad");
    assertThat(tags(after, Vocabulary.OWNER_UNIT)).containsExactly(VC_RONNEBY);
  }

  @Test
  void aTransactionTouchingAnotherOwnersResourceIsRefusedAsAWhole() {
    Patient theirs = create(TestPeople.patient(), vcRonneby);
    theirs.getNameFirstRep().setFamily("Ändrad");
    Patient mine = TestPeople.patient();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().setResource(mine).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    transaction.addEntry().setResource(theirs).getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/" + theirs.getIdElement().getIdPart());

    HttpResponse<String> response = send("POST", "", json(transaction), "Authorization", kommun);

    assertThat(response.statusCode()).isEqualTo(403);
    String identifier = mine.getIdentifierFirstRep().getSystem() + "|" + mine.getIdentifierFirstRep().getValue();
    assertThat(searchBundle("/Patient?identifier=" + identifier.replace("|", "%7C")).getEntry()).isEmpty();
  }

  /**
   * A condition considers only what the caller may see (docs/security.md): a hidden match has no
   * effect, so the kommun's conditional create answers exactly as when nothing matches — it
   * creates the kommun's own Patient — and the region's patient is neither shown nor changed.
   */
  @Test
  void aConditionalCreateMatchingOnlyAnotherOwnersHiddenResourceAnswersAsIfNothingMatched() {
    Patient theirs = create(TestPeople.patient(), vcRonneby);
    String identifier = theirs.getIdentifierFirstRep().getSystem() + "|" + theirs.getIdentifierFirstRep().getValue();
    Patient same = TestPeople.patient();
    same.getIdentifierFirstRep().setValue(theirs.getIdentifierFirstRep().getValue());
    Patient fresh = TestPeople.patient();
    String freshIdentifier = fresh.getIdentifierFirstRep().getSystem() + "|" + fresh.getIdentifierFirstRep().getValue();

    HttpResponse<String> hiddenMatches = send("POST", "/Patient", json(same), "Authorization", kommun,
        "If-None-Exist", "identifier=" + identifier.replace("|", "%7C"));
    HttpResponse<String> nothingMatches = send("POST", "/Patient", json(fresh), "Authorization", kommun,
        "If-None-Exist", "identifier=" + freshIdentifier.replace("|", "%7C"));

    assertThat(hiddenMatches.statusCode()).isEqualTo(nothingMatches.statusCode()).isEqualTo(201);
    assertThat(hiddenMatches.headers().map().keySet()).isEqualTo(nothingMatches.headers().map().keySet());
    Patient created = parse(Patient.class, hiddenMatches);
    assertThat(created.getIdElement().getIdPart()).isNotEqualTo(theirs.getIdElement().getIdPart());
    assertThat(tags(created, Vocabulary.OWNER_CARE_PROVIDER)).containsExactly(KOMMUN_KARLSKRONA);
    assertThat(searchBundle("/Patient?identifier=" + identifier.replace("|", "%7C")).getEntry())
        .as("the region still sees exactly its own patient with that personnummer").hasSize(1)
        .allMatch(e -> e.getResource().getIdElement().getIdPart().equals(theirs.getIdElement().getIdPart()));
  }

  private Patient create(Patient patient, String authorization) {
    HttpResponse<String> created = send("POST", "/Patient", json(patient), "Authorization", authorization);
    assertThat(created.statusCode()).isEqualTo(201);
    return parse(Patient.class, created);
  }

  private static java.util.List<String> tags(Patient patient, String system) {
    return patient.getMeta().getTag().stream().filter(t -> system.equals(t.getSystem())).map(IBaseCoding::getCode).toList();
  }
}
