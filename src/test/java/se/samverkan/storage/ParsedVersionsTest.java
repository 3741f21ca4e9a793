package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.search.BatchResourceLoader.ResourceLoadResult;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import se.samverkan.access.Ownership;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/**
 * A stored version read again is a copy of what an earlier load parsed, with its id, time and the
 * tags it was stored with: never another load's object.
 */
class ParsedVersionsTest extends FhirServerTest {

  private static final Coding REVIEWED = new Coding("urn:samverkan:test", "reviewed", null);

  @Autowired ResultsParsedOnce loader;
  @Autowired IResourceHistoryTableDao history;
  @Autowired DaoRegistry daos;
  @Autowired PlatformTransactionManager transactions;

  @Test
  void aVersionReadAgainIsACopyOfTheFirstParseAndEqualsTheStoredOne() {
    IdType plan = create(TestData.carePlan(create(TestPeople.patient())));
    JpaPid pid = pidOf(plan);

    Resource first = load(pid);
    long copiedBefore = loader.copiedCount();
    Resource second = load(pid);

    assertThat(loader.copiedCount() - copiedBefore).as("the second load copied, not parsed").isEqualTo(1);
    assertThat(second).as("each load its own resource").isNotSameAs(first);
    assertThat(json(second)).as("the copy equals the parse").isEqualTo(json(first));
    assertThat(json(second)).as("and the stored resource").isEqualTo(json(read(plan)));
    assertThat(second.getMeta().getVersionId()).isEqualTo("1");
    assertThat(Ownership.careProvider(second)).as("the owner's tag").isEqualTo(Ownership.careProvider(first));
  }

  @Test
  void aTagComesWithANewVersionWhichIsParsedAnewAndTheOwnersTagStays() {
    IdType plan = create(TestData.carePlan(create(TestPeople.patient())));
    JpaPid pid = pidOf(plan);
    load(pid);

    tag(plan);
    long copiedBefore = loader.copiedCount();
    Resource tagged = load(pid);
    assertThat(loader.copiedCount() - copiedBefore).as("a new version: parsed, not copied").isZero();
    assertThat(tagged.getMeta().getVersionId()).isEqualTo("2");
    assertThat(tagged.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).as("the tag of the new version").isNotNull();
    assertThat(Ownership.careProvider(tagged)).as("the owner's tag stays").isPresent();

    Resource again = load(pid);
    assertThat(loader.copiedCount() - copiedBefore).as("read again: copied").isEqualTo(1);
    assertThat(again.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).as("with its tag").isNotNull();
  }

  @Test
  void aLoadOfCopiesAndFreshParsesAtOnceGivesEachItsOwnTags() {
    IdType patient = create(TestPeople.patient());
    IdType seen = create(TestData.carePlan(patient));
    IdType unseen = create(TestData.carePlan(patient));
    load(pidOf(seen));
    tag(unseen);

    long copiedBefore = loader.copiedCount();
    List<ResourceLoadResult> both = inTransaction(() -> loader.loadResources(current(pidOf(seen), pidOf(unseen)), false));
    assertThat(loader.copiedCount() - copiedBefore).as("one copied, one parsed").isEqualTo(1);
    assertThat(both).hasSize(2);
    for (ResourceLoadResult loaded : both) {
      Resource resource = (Resource) loaded.resource();
      boolean isUnseen = resource.getIdElement().getIdPart().equals(unseen.getIdPart());
      assertThat(resource.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode()) != null)
          .as("the tag only on the plan it was added to").isEqualTo(isUnseen);
      assertThat(Ownership.careProvider(resource)).as("each with its owner's tag").isPresent();
    }
  }

  @Test
  void whatOneLoadDoesToItsResourceNoLaterLoadSees() {
    IdType plan = create(TestData.carePlan(create(TestPeople.patient())));
    JpaPid pid = pidOf(plan);
    String title = ((CarePlan) load(pid)).getTitle();

    CarePlan changed = (CarePlan) load(pid);
    changed.setTitle("Ändrad i minnet, aldrig lagrad");
    changed.getMeta().addTag(REVIEWED.copy());

    CarePlan next = (CarePlan) load(pid);
    assertThat(next.getTitle()).isEqualTo(title);
    assertThat(next.getMeta().getTag(REVIEWED.getSystem(), REVIEWED.getCode())).isNull();
  }

  @Test
  void aNewVersionIsParsedAnewAndHistoryIsNeverCopied() {
    IdType plan = create(TestData.carePlan(create(TestPeople.patient())));
    JpaPid pid = pidOf(plan);
    CarePlan first = (CarePlan) load(pid);
    first.setTitle("Vårdplan, reviderad");
    dao().update(first.copy(), new SystemRequestDetails());

    long copiedBefore = loader.copiedCount();
    CarePlan second = (CarePlan) load(pid);
    assertThat(loader.copiedCount() - copiedBefore).as("a version not parsed before").isZero();
    assertThat(second.getMeta().getVersionId()).isEqualTo("2");
    assertThat(second.getTitle()).isEqualTo("Vårdplan, reviderad");

    inTransaction(() -> loader.loadResources(current(pid), true));
    inTransaction(() -> loader.loadResources(current(pid), true));
    assertThat(loader.copiedCount() - copiedBefore).as("history loads parse, as HAPI dresses them otherwise").isZero();
  }

  private Resource load(JpaPid pid) {
    List<ResourceLoadResult> loaded = inTransaction(() -> loader.loadResources(current(pid), false));
    assertThat(loaded).hasSize(1);
    return (Resource) loaded.get(0).resource();
  }

  private List<ResourceHistoryTable> current(JpaPid... pids) {
    return history.findCurrentVersionsByResourcePidsAndFetchResourceTable(List.of(pids));
  }

  /** Tags the plan the only way tags change: an update, which makes a new version. */
  private void tag(IdType plan) {
    CarePlan stored = (CarePlan) read(plan);
    stored.getMeta().addTag(REVIEWED.copy());
    dao().update(stored, new SystemRequestDetails());
  }

  private Resource read(IdType id) {
    return (Resource) dao().read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
  }

  @SuppressWarnings("unchecked")
  private IFhirResourceDao<CarePlan> dao() {
    return (IFhirResourceDao<CarePlan>) daos.getResourceDao("CarePlan");
  }

  private <T> T inTransaction(Supplier<T> work) {
    return new TransactionTemplate(transactions).execute(status -> work.get());
  }

  private JpaPid pidOf(IdType id) {
    return (JpaPid) daos.getResourceDao(id.getResourceType())
        .readEntity(id, new SystemRequestDetails()).getPersistentId();
  }
}
