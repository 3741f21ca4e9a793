package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Tags, profiles and security labels are part of each stored version: kept in its JSON, found by
 * _tag, and changed only by a new version.
 */
class TagsInVersionsTest extends FhirServerTest {

  private static final Coding REVIEWED = new Coding("urn:samverkan:test", "reviewed", null);

  @Autowired DataSource dataSource;

  @Test
  void theOwnersTagsAreKeptInTheStoredVersionAndNotInHapisTagTables() {
    IdType patient = create(TestPeople.patient());
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);

    String stored = jdbc.queryForObject("SELECT v.RES_TEXT_VC FROM HFJ_RES_VER v JOIN HFJ_RESOURCE r"
        + " ON v.RES_ID = r.RES_ID WHERE r.RES_TYPE = 'Patient' AND r.FHIR_ID = ?", String.class, patient.getIdPart());
    Integer inTagTables = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RES_TAG t JOIN HFJ_RESOURCE r"
        + " ON t.RES_ID = r.RES_ID WHERE r.RES_TYPE = 'Patient' AND r.FHIR_ID = ?", Integer.class, patient.getIdPart());

    assertThat(stored).contains(Vocabulary.OWNER_CARE_PROVIDER).contains(TestTokens.REGION);
    assertThat(inTagTables).isZero();
  }

  @Test
  void aSearchByTheOwnersTagFindsWhatItOwnsAndNothingElse() {
    IdType patient = create(TestPeople.patient());
    String byId = "/Patient?_id=" + patient.getIdPart() + "&_tag=" + Vocabulary.OWNER_CARE_PROVIDER + "%7C";

    assertThat(countAll(byId + TestTokens.REGION)).isEqualTo(1);
    assertThat(countAll(byId + "SE2120000829-SV1080")).isZero();
  }

  @Test
  void aTagAddedByAnUpdateIsANewVersionThatTheOldOneDoesNotShow() {
    IdType created = create(TestPeople.patient());
    Patient patient = client.read().resource(Patient.class).withId(created.toUnqualifiedVersionless()).execute();
    patient.getMeta().addTag(REVIEWED.copy());

    client.update().resource(patient).execute();

    Patient now = client.read().resource(Patient.class).withId(created.toUnqualifiedVersionless()).execute();
    Patient before = client.read().resource(Patient.class).withId(created.toUnqualifiedVersionless().withVersion("1")).execute();
    assertThat(now.getMeta().getVersionId()).isEqualTo("2");
    assertThat(now.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).isNotNull();
    assertThat(before.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).isNull();
    assertThat(countAll("/Patient?_id=" + created.getIdPart() + "&_tag=" + REVIEWED.getSystem() + "%7C" + REVIEWED.getCode()))
        .isEqualTo(1);
  }

  @Test
  void metaIsNotOfferedAtAnyLevelAndTheAnswerSaysHowToReadTheTags() {
    IdType patient = create(TestPeople.patient());
    for (String path : new String[] {"/Patient/" + patient.getIdPart() + "/$meta", "/Patient/$meta", "/$meta"}) {
      HttpResponse<String> answer = get(path);
      assertThat(answer.statusCode()).as(path + " " + answer.body()).isEqualTo(405);
      assertThat(outcome(answer).getIssueFirstRep().getDiagnostics()).as(path).contains("_elements=meta");
    }

    Patient read = parse(Patient.class, get("/Patient/" + patient.getIdPart() + "?_elements=meta"));
    assertThat(read.getMeta().getTag(Vocabulary.OWNER_CARE_PROVIDER, TestTokens.REGION)).isNotNull();
  }

  @Test
  void changingTagsInPlaceIsRefusedChangesNothingAndIsNotListed() {
    IdType patient = create(TestPeople.patient());
    Parameters add = new Parameters();
    add.addParameter().setName("meta").setValue(new Meta().addTag(REVIEWED.copy()));

    HttpResponse<String> answer = send("POST", "/Patient/" + patient.getIdPart() + "/$meta-add", json(add));

    assertThat(answer.statusCode()).isEqualTo(405);
    assertThat(outcome(answer).getIssueFirstRep().getDiagnostics()).contains("PUT or PATCH").contains("$meta-add");
    Patient after = client.read().resource(Patient.class).withId(patient.toUnqualifiedVersionless()).execute();
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
    assertThat(after.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).isNull();
    assertThat(get("/metadata").body()).doesNotContain("\"meta-add\"").doesNotContain("\"meta-delete\"")
        .doesNotContain("\"name\":\"meta\"");
  }

  /** HAPI 8.8 takes no instance operation as a batch entry: the batch is refused, nothing changes. */
  @Test
  void changingTagsInPlaceInsideABatchIsRefusedToo() {
    IdType patient = create(TestPeople.patient());
    Parameters add = new Parameters();
    add.addParameter().setName("meta").setValue(new Meta().addTag(REVIEWED.copy()));
    org.hl7.fhir.r4.model.Bundle batch = new org.hl7.fhir.r4.model.Bundle()
        .setType(org.hl7.fhir.r4.model.Bundle.BundleType.BATCH);
    batch.addEntry().setResource(add).getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST)
        .setUrl("Patient/" + patient.getIdPart() + "/$meta-add");

    HttpResponse<String> answer = send("POST", "", json(batch));

    assertThat(answer.statusCode()).as(answer.body()).isIn(400, 405);
    assertThat(outcome(answer).getIssueFirstRep().getDiagnostics()).contains("$meta-add");
    Patient after = client.read().resource(Patient.class).withId(patient.toUnqualifiedVersionless()).execute();
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
    assertThat(after.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).isNull();
  }
}
