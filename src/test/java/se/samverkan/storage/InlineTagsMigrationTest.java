package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings.TagStorageModeEnum;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;
import se.samverkan.vocabulary.Vocabulary;

/**
 * A database written while HAPI kept tags in its tag tables (Samverkan up to 0.2) gets them into
 * each version's JSON at start, and its resources are found by them again.
 */
class InlineTagsMigrationTest extends FhirServerTest {

  private static final Coding LEGACY = new Coding("urn:samverkan:test", "stored-in-tag-tables", null);

  @Autowired JpaStorageSettings storageSettings;
  @Autowired InlineTagsMigration migration;
  @Autowired DataSource dataSource;

  @Test
  void everyVersionOfAnOlderDatabaseGetsItsTagsAndTheCurrentOneIsFoundByThem() {
    IdType created = writtenAsBefore();
    String id = created.getIdPart();
    String byLegacyTag = "/Patient?_id=" + id + "&_tag=" + LEGACY.getSystem() + "%7C" + LEGACY.getCode();
    String byOwner = "/Patient?_id=" + id + "&_tag=" + Vocabulary.OWNER_CARE_PROVIDER + "%7C" + TestTokens.REGION;
    assertThat(storedJson(id)).as("before: the JSON holds no tags").noneMatch(json -> json.contains(LEGACY.getCode()));
    assertThat(countAll(byOwner)).as("before: not found by the owner's tag").isZero();

    assertThat(migration.run()).as("both versions").isEqualTo(2);

    assertThat(storedJson(id)).hasSize(2).allMatch(json -> json.contains(LEGACY.getCode())
        && json.contains(Vocabulary.OWNER_CARE_PROVIDER));
    assertThat(countAll(byLegacyTag)).isEqualTo(1);
    assertThat(countAll(byOwner)).isEqualTo(1);
    Patient current = client.read().resource(Patient.class).withId(created.toUnqualifiedVersionless()).execute();
    assertThat(current.getMeta().getVersionId()).as("no new version").isEqualTo("2");
    assertThat(current.getMeta().getTag(LEGACY.getSystem(), LEGACY.getCode())).isNotNull();
    assertThat(migration.run()).as("once only").isZero();
  }

  /** A patient with a tag of its own, created and updated with HAPI's tag tables, as 0.2 stored them. */
  private IdType writtenAsBefore() {
    storageSettings.setTagStorageMode(TagStorageModeEnum.VERSIONED);
    try {
      Patient patient = TestPeople.patient();
      patient.getMeta().addTag(LEGACY.copy());
      IdType created = create(patient);
      patient.setId(created.toUnqualifiedVersionless());
      patient.setActive(true);
      client.update().resource(patient).execute();
      return created;
    } finally {
      storageSettings.setTagStorageMode(TagStorageModeEnum.INLINE);
    }
  }

  private List<String> storedJson(String id) {
    return new JdbcTemplate(dataSource).queryForList("SELECT v.RES_TEXT_VC FROM HFJ_RES_VER v JOIN HFJ_RESOURCE r"
        + " ON v.RES_ID = r.RES_ID WHERE r.RES_TYPE = 'Patient' AND r.FHIR_ID = ?", String.class, id);
  }
}
