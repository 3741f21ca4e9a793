package se.samverkan.access;

import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.model.api.IQueryParameterType;
import java.util.Set;
import java.util.Collection;
import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ICachedSearchDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/**
 * A kommun reading many patients' data gets the same answer as patient by patient, but the
 * server looks up their care relations and consents in one search each, not two per patient.
 */
class AccessLookupPrefetchTest extends FhirServerTest {

  private static final int PATIENTS = 6;

  @Autowired IInterceptorService interceptors;

  /**
   * Counts the searches the server makes for itself about these patients, by resource type. Only
   * about them: the coordination rules work through the journeys' Encounters in the background
   * meanwhile and look up their own patients' teams (on PostgreSQL one such lookup once fell within
   * the GET and was counted).
   */
  public static class SystemSearches {
    final Map<String, Integer> byType = new ConcurrentHashMap<>();
    private final Set<String> patients;

    SystemSearches(Collection<String> patients) {
      this.patients = Set.copyOf(patients);
    }

    @Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
    public void registered(RequestDetails request, SearchParameterMap map,
        ICachedSearchDetails search) {
      if (request instanceof SystemRequestDetails && aboutThesePatients(map)) {
        byType.merge(search.getResourceType(), 1, Integer::sum);
      }
    }

    private boolean aboutThesePatients(SearchParameterMap map) {
      List<List<IQueryParameterType>> values = map.get("patient");
      return values != null && values.stream().flatMap(List::stream)
          .anyMatch(v -> v instanceof ReferenceParam reference
              && patients.contains(new IdType(reference.getValue()).getIdPart()));
    }
  }

  @Test
  void aKommunsSearchOverManyPatientsLooksUpRelationsAndConsentsOnce() {
    loadJourneys();
    IdType kommunRonneby = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
    List<String> patients = new ArrayList<>();
    List<String> consenting = new ArrayList<>();
    for (int i = 0; i < PATIENTS; i++) {
      IdType patient = create(TestPeople.patient());
      create(TestData.careTeam(patient, kommunRonneby));
      if (i % 2 == 0) {
        create(TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT));
        consenting.add(patient.getIdPart());
      }
      patients.add(patient.getIdPart());
    }
    String kommun = "Bearer " + tokens.token("kommun-ronneby", "SE2120000837-SV1081", "SE2120000837-SV1081",
        "journal-system", "system/*.read");

    SystemSearches searches = new SystemSearches(patients);
    interceptors.registerInterceptor(searches);
    Bundle found;
    try {
      found = parse(Bundle.class, get("/Patient?_count=50&_id=" + String.join(",", patients), "Authorization", kommun));
    } finally {
      interceptors.unregisterInterceptor(searches);
    }

    assertThat(found.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactlyInAnyOrderElementsOf(consenting);
    assertThat(searches.byType.getOrDefault("CareTeam", 0)).as("care relation lookups").isEqualTo(1);
    assertThat(searches.byType.getOrDefault("Consent", 0)).as("consent lookups").isEqualTo(1);
  }
}
