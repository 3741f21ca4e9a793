package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.search.BatchResourceLoader.ResourceLoadResult;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/**
 * A read's search results are parsed once: what the access checks loaded is what the answer shows,
 * and nothing else is ever handed on.
 */
class ResultsParsedOnceTest extends FhirServerTest {

  private static final int PLANS = 4;

  @Autowired ResultsParsedOnce loader;
  @Autowired IResourceHistoryTableDao history;
  @Autowired DaoRegistry daos;
  @Autowired PlatformTransactionManager transactions;

  @Test
  void aSearchAnswersWithTheResourcesItsAccessChecksLoadedAndTheyAreAsStored() {
    IdType patient = create(TestPeople.patient());
    for (int i = 0; i < PLANS; i++) {
      create(TestData.carePlan(patient));
    }

    long handedBefore = loader.handedOnCount();
    Bundle found = searchBundle("/CarePlan?subject=" + patient.getValue());
    long handed = loader.handedOnCount() - handedBefore;

    assertThat(found.getEntry()).hasSize(PLANS);
    assertThat(handed).as("results handed from the access checks' load to the answer's").isEqualTo(PLANS);
    for (Bundle.BundleEntryComponent entry : found.getEntry()) {
      Resource stored = (Resource) daos.getResourceDao("CarePlan")
          .read(entry.getResource().getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
      assertThat(json(entry.getResource())).as("answered as stored").isEqualTo(json(stored));
    }
  }

  @Test
  void theSecondLoadOfAReadGetsTheFirstLoadsResourceOnceAndAChangedVersionIsParsedAnew() {
    IdType plan = create(TestData.carePlan(create(TestPeople.patient())));
    JpaPid pid = pidOf(plan);

    inRequest(RequestTypeEnum.GET, () -> {
      IBaseResource checked = firstLoadOfAPage(pid);
      assertThat(load(pid)).as("the answer's load").isSameAs(checked);
      assertThat(load(pid)).as("a third load: handed on once only").isNotSameAs(checked);

      IBaseResource checkedAgain = firstLoadOfAPage(pid);
      CarePlan changed = (CarePlan) checkedAgain;
      changed.setTitle("Vårdplan, reviderad");
      daos.getResourceDao("CarePlan").update(changed.copy(), new SystemRequestDetails());
      IBaseResource answered = load(pid);
      assertThat(answered).as("a version stored after the first load").isNotSameAs(checkedAgain);
      assertThat(answered.getMeta().getVersionId()).isEqualTo("2");
      return null;
    });
  }

  @Test
  void nothingIsHandedOnInAWriteOrOutsideARequest() {
    JpaPid pid = pidOf(create(TestData.carePlan(create(TestPeople.patient()))));

    inRequest(RequestTypeEnum.PUT, () -> {
      IBaseResource checked = firstLoadOfAPage(pid);
      assertThat(load(pid)).as("in a write").isNotSameAs(checked);
      return null;
    });
    IBaseResource checked = inTransaction(() -> firstLoadOfAPage(pid));
    assertThat(inTransaction(() -> load(pid))).as("outside a request").isNotSameAs(checked);
    inRequest(RequestTypeEnum.GET, () -> {
      assertThat(load(pid)).as("kept by an earlier request").isNotSameAs(checked);
      return null;
    });
  }

  @Test
  void aKommunsSearchWithheldResultsAreNotShownThoughLoaded() {
    IdType patient = create(TestPeople.patient());
    create(TestData.carePlan(patient));
    String kommun = tokens.journalSystem("kommun-ronneby", "SE2120000837-SV1081", "SE2120000837-SV1081");

    long handedBefore = loader.handedOnCount();
    HttpResponse<String> answer = get("/CarePlan?subject=" + patient.getValue(), "Authorization", kommun);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(parse(Bundle.class, answer).getEntry()).as("no care relation, no consent: nothing shown").isEmpty();
    assertThat(loader.handedOnCount() - handedBefore).as("the withheld plan handed to nobody").isZero();
  }

  /** A page's first load, as the access checks make it: the page loads itself at the first look. */
  private IBaseResource firstLoadOfAPage(JpaPid pid) {
    AtomicReference<IBaseResource> loaded = new AtomicReference<>();
    loader.loadPage(page(() -> {
      loaded.set(load(pid));
      return loaded.get();
    }));
    return loaded.get();
  }

  private IBaseResource load(JpaPid pid) {
    List<ResourceHistoryTable> current = history.findCurrentVersionsByResourcePidsAndFetchResourceTable(List.of(pid));
    List<ResourceLoadResult> loaded = loader.loadResources(current, false);
    assertThat(loaded).hasSize(1);
    return loaded.get(0).resource();
  }

  private <T> T inRequest(RequestTypeEnum method, Supplier<T> work) {
    RequestDetails request = new SystemRequestDetails();
    request.setRequestType(method);
    loader.begin(request);
    try {
      return inTransaction(work);
    } finally {
      loader.end(request);
    }
  }

  private <T> T inTransaction(Supplier<T> work) {
    return new TransactionTemplate(transactions).execute(status -> work.get());
  }

  private JpaPid pidOf(IdType id) {
    return (JpaPid) daos.getResourceDao(id.getResourceType())
        .readEntity(id, new SystemRequestDetails()).getPersistentId();
  }

  private static IPreResourceAccessDetails page(Supplier<IBaseResource> firstLook) {
    return new IPreResourceAccessDetails() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public IBaseResource getResource(int index) {
        return firstLook.get();
      }

      @Override
      public void setDontReturnResourceAtIndex(int index) {
        throw new UnsupportedOperationException();
      }
    };
  }
}
