package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/** Search features a coordination tool relies on, over one patient's small record. */
class SearchTest extends FhirServerTest {

  /**
   * Every result passes the access rules after the database has matched it, so a count made by
   * the database could count what the caller may not see: no total, and asking for one is a 400.
   */
  @Test
  void noTotalIsGivenBecauseTheDatabaseCountsBeforeAccessIsChecked() {
    Bundle page = searchBundle("/Observation?subject=" + patient.getValue() + "&_count=2");
    assertThat(page.hasTotal()).isFalse();

    for (String query : new String[] {"&_total=accurate", "&_summary=count"}) {
      java.net.http.HttpResponse<String> refused = get("/Observation?subject=" + patient.getValue() + query);
      assertThat(refused.statusCode()).as(query).isEqualTo(400);
      assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).as(query).contains("not permitted on this server");
    }
  }

  /**
   * Substring search is off (docs/integration-guide.md says why): refused with a 400 that says so
   * and what to search with instead, directly, through a chain and in a transaction's GET entry.
   */
  @Test
  void aSubstringSearchIsRefusedSayingWhatToSearchWithInstead() {
    for (String query : List.of("/Patient?name:contains=olv", "/Patient?family:contains=x&_count=1",
        "/CarePlan?subject:Patient.name:contains=olv")) {
      java.net.http.HttpResponse<String> refused = get(query);
      assertThat(refused.statusCode()).as(query).isEqualTo(400);
      org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent issue = outcome(refused).getIssueFirstRep();
      assertThat(issue.getCode()).as(query).isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.NOTSUPPORTED);
      assertThat(issue.getDiagnostics()).as(query).contains(":contains").contains(":exact").doesNotContain("HAPI-");
    }
    // A GET entry that fails answers in its entry (HAPI's BaseTransactionProcessor#doTransactionReadOperations).
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient?name:contains=olv");
    Bundle.BundleEntryResponseComponent entry = parse(Bundle.class, send("POST", "", json(transaction)))
        .getEntryFirstRep().getResponse();
    assertThat(entry.getStatus()).startsWith("400");
    assertThat(((org.hl7.fhir.r4.model.OperationOutcome) entry.getOutcome()).getIssueFirstRep().getDiagnostics())
        .contains(":contains");
  }

  private String marker;
  private IdType patient;
  private IdType organization;
  private IdType team;
  private IdType plan;
  private final List<IdType> observations = new ArrayList<>();

  @BeforeEach
  void onePatientsRecord() {
    marker = TestPeople.uniqueId();
    Patient p = TestPeople.patient();
    p.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(marker);
    patient = created(p);
    organization = created(TestData.organization("Hemsjukvården Karlskrona"));
    team = created(TestData.careTeam(patient, organization));
    CarePlan carePlan = TestData.carePlan(patient);
    carePlan.addCareTeam(new Reference(team));
    plan = created(carePlan);

    // Body height: an Observation no Samverkan profile claims, so any valid R4 shape is stored.
    for (String day : List.of("2026-11-01", "2026-11-03", "2026-11-02")) {
      Observation height = new Observation().setStatus(Observation.ObservationStatus.FINAL);
      height.getCode().addCoding().setSystem("http://loinc.org").setCode("8302-2");
      height.setSubject(new Reference(patient));
      height.setEffective(new DateTimeType(day));
      observations.add(created(height));
    }
  }

  @Test
  void includeBringsTheReferencedCareTeamAndItsMembers() {
    Bundle result = client.search()
        .byUrl("CarePlan?subject=" + patient.getValue()
            + "&_include=CarePlan:care-team&_include:iterate=CareTeam:participant")
        .returnBundle(Bundle.class).execute();

    assertThat(ids(result)).containsExactlyInAnyOrder(
        plan.getValue(), team.getValue(), organization.getValue());
  }

  @Test
  void revincludeBringsWhatPointsAtThePatient() {
    Bundle result = client.search()
        .byUrl("Patient?identifier=" + TestPeople.TEST_ID + "|" + marker
            + "&_revinclude=Observation:subject")
        .returnBundle(Bundle.class).execute();

    assertThat(ids(result)).containsExactlyInAnyOrder(
        patient.getValue(), observations.get(0).getValue(), observations.get(1).getValue(),
        observations.get(2).getValue());
  }

  @Test
  void sortOrdersByDateDescending() {
    Bundle result = client.search()
        .byUrl("Observation?subject=" + patient.getValue() + "&_sort=-date")
        .returnBundle(Bundle.class).execute();

    assertThat(result.getEntry())
        .extracting(e -> ((Observation) e.getResource()).getEffectiveDateTimeType().getValueAsString())
        .containsExactly("2026-11-03", "2026-11-02", "2026-11-01");
  }

  @Test
  void countPagesTheResultsAndTheNextLinkWorks() {
    Bundle first = client.search()
        .byUrl("Observation?subject=" + patient.getValue() + "&_count=2&_sort=date")
        .returnBundle(Bundle.class).execute();

    assertThat(first.getEntry()).hasSize(2);
    assertThat(first.getLink(Bundle.LINK_NEXT)).isNotNull();

    Bundle second = client.loadPage().next(first).execute();
    assertThat(second.getEntry()).hasSize(1);
    assertThat(second.getLink(Bundle.LINK_NEXT)).isNull();
    List<String> all = new ArrayList<>(ids(first));
    all.addAll(ids(second));
    assertThat(all).containsExactlyInAnyOrderElementsOf(
        observations.stream().map(IdType::getValue).toList());
  }

  @Test
  void elementsReturnsOnlyTheNamedElementsAndMarksTheResultSubsetted() {
    Bundle result = client.search()
        .byUrl("Patient?_id=" + patient.getIdPart() + "&_elements=identifier")
        .returnBundle(Bundle.class).execute();

    Patient found = (Patient) result.getEntryFirstRep().getResource();
    assertThat(found.getIdentifier()).isNotEmpty();
    assertThat(found.getName()).isEmpty();
    assertThat(found.getMeta().getTag()).anyMatch(tag -> "SUBSETTED".equals(tag.getCode()));
  }

  @Test
  void everythingReturnsThePatientsWholeRecord() {
    Bundle result = client.operation().onInstance(patient).named("$everything")
        .withNoParameters(org.hl7.fhir.r4.model.Parameters.class)
        .returnResourceType(Bundle.class).execute();

    assertThat(ids(result)).contains(
        patient.getValue(), team.getValue(), plan.getValue(), organization.getValue(),
        observations.get(0).getValue(), observations.get(1).getValue(), observations.get(2).getValue());
  }

  private IdType created(Resource resource) {
    return ((IdType) client.create().resource(resource).execute().getId()).toUnqualifiedVersionless();
  }

  private static List<String> ids(Bundle bundle) {
    return bundle.getEntry().stream()
        .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
        .toList();
  }
}
