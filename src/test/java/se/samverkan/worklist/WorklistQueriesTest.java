package se.samverkan.worklist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static se.samverkan.support.Journeys.ASTRID;
import static se.samverkan.support.Journeys.BERTIL;
import static se.samverkan.support.Journeys.CARL;
import static se.samverkan.support.Journeys.DAGNY;
import static se.samverkan.support.Journeys.KOMMUN_KARLSHAMN;
import static se.samverkan.support.Journeys.KOMMUN_KARLSKRONA;
import static se.samverkan.support.Journeys.KOMMUN_RONNEBY;
import static se.samverkan.support.Journeys.VC_KARLSKRONA;
import static se.samverkan.support.Journeys.VC_RONNEBY;
import static se.samverkan.support.Journeys.VC_SOLVESBORG;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The questions coordination nurses ask every day, each one request, each answered with exactly
 * what the journeys in examples/ imply (reference date 2026-11-02). Results are compared by the
 * resources' business identifiers: {@code journey-…} example ids, personnummer and HSA-ids.
 * The county's units appear in no other test's data, so the sets are exact.
 */
class WorklistQueriesTest extends FhirServerTest {

  private static final String NEWS2 = "https://samverkan.se/fhir/CodeSystem/instrument%7Cnews2-total";
  private static final String ED_SCREENING = "https://samverkan.se/fhir/CodeSystem/instrument%7Ced-screening";
  /** 72 hours before midday of the reference date 2026-11-02. */
  private static final String LAST_72_HOURS = "ge2026-10-30T12:00:00%2B01:00";

  private static final AtomicBoolean JOURNEYS_LOADED = new AtomicBoolean();

  @Autowired IInterceptorService interceptors;

  @BeforeEach
  void journeysLoaded() {
    // Once per server: loading is idempotent, but not free.
    if (!JOURNEYS_LOADED.getAndSet(true)) {
      loadJourneys();
    }
  }

  // --- Find a patient by personnummer or samordningsnummer in any common form

  @ParameterizedTest
  @ValueSource(strings = {
      "http://electronichealth.se/identifier/personnummer|193903149825",
      "http://electronichealth.se/identifier/personnummer|19390314-9825",
      "http://electronichealth.se/identifier/personnummer|390314-9825",
      "http://electronichealth.se/identifier/personnummer|3903149825",
      "urn:oid:1.2.752.129.2.1.3.1|19390314-9825",
      "19390314-9825",
      "390314-9825",
      "3903149825",
      "193903149825"})
  void aPersonnummerInAnyCommonFormFindsThePatient(String identifier) {
    assertThat(ids(searchBundle("/Patient?identifier=" + encode(identifier)), null))
        .containsExactly("193903149825");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://electronichealth.se/identifier/samordningsnummer|19370977-9882",
      "http://electronichealth.se/identifier/samordningsnummer|370977-9882",
      "urn:oid:1.2.752.129.2.1.3.3|3709779882",
      "370977-9882"})
  void aSamordningsnummerInAnyCommonFormFindsThePatient(String identifier) {
    assertThat(ids(searchBundle("/Patient?identifier=" + encode(identifier)), null))
        .containsExactly("193709779882");
  }

  @Test
  void anotherNumberFindsNobodyAndChainsNormaliseToo() {
    assertThat(searchBundle("/Patient?identifier=19390314-9826").getEntry()).isEmpty();
    assertThat(ids(searchBundle("/CarePlan?subject:Patient.identifier=" + encode("19390314-9825")), null))
        .containsExactly("journey-a-amp");
  }

  @Test
  void otherTenDigitIdentifiersAreSearchedAsGiven() {
    // Region Blekinge's organisationsnummer is ten digits too, but no personnummer.
    Bundle region = searchBundle("/Organization?identifier=2321000081");
    assertThat(region.getEntry()).isNotEmpty();
    assertThat(region.getEntry()).allSatisfy(entry -> assertThat(
        ((org.hl7.fhir.r4.model.Organization) entry.getResource()).getIdentifier())
        .anySatisfy(identifier -> assertThat(identifier.getValue()).isEqualTo("2321000081")));
  }

  // --- A patient's active care plans with their care team and the team's organisations

  @Test
  void activeCarePlansWithTheirTeamAndItsOrganisationsInOneRequest() {
    Bundle plans = searchBundle("/CarePlan?subject=Patient/" + idOf("Patient", BERTIL) + "&status=active"
        + "&_include=CarePlan:care-team&_include:iterate=CareTeam:participant-organization");

    assertThat(ids(plans, Bundle.SearchEntryMode.MATCH))
        .containsExactlyInAnyOrder("journey-b-sip", "journey-b-amp", "journey-b-discharge-plan");
    assertThat(ids(plans, Bundle.SearchEntryMode.INCLUDE))
        .containsExactlyInAnyOrder(
            "journey-b-careteam",
            "SE2321000081-SV1020", // geriatric ward
            "SE2321000081-SV2080", // Vårdcentralen Karlskrona
            "SE2120000829-SV1080"); // Karlskrona kommun
  }

  // --- The kommun's or vårdcentral's worklist with each patient's latest CFS

  @Test
  void kommunWorklistHasItsPatientsEachWithTheTeamAndTheLatestCfs() {
    Bundle worklist = worklist(KOMMUN_KARLSKRONA);

    assertThat(ids(worklist, Bundle.SearchEntryMode.MATCH)).containsExactly("194207089840");
    assertThat(ids(worklist, Bundle.SearchEntryMode.INCLUDE))
        .containsExactlyInAnyOrder("journey-b-careteam", "journey-b-cfs-2");
    Observation cfs = included(worklist, Observation.class);
    assertThat(cfs.getValueIntegerType().getValue()).as("the newer of Bertil's two CFS").isEqualTo(5);
  }

  /** As no search does (README): the number of patients is the number of matches. */
  @Test
  void theWorklistCarriesNoTotal() {
    Bundle worklist = worklist(KOMMUN_KARLSKRONA);

    assertThat(ids(worklist, Bundle.SearchEntryMode.MATCH)).isNotEmpty();
    assertThat(worklist.hasTotal()).as("Bundle.total").isFalse();
  }

  @Test
  void everyUnitSeesExactlyThePatientsWhoseActiveTeamItIsIn() {
    assertThat(ids(worklist(KOMMUN_RONNEBY), Bundle.SearchEntryMode.MATCH)).containsExactly("193903149825");
    assertThat(ids(worklist(VC_RONNEBY), null))
        .containsExactly("193903149825", "journey-a-careteam", "journey-a-cfs-1");
    assertThat(ids(worklist(VC_KARLSKRONA), Bundle.SearchEntryMode.MATCH)).containsExactly("194207089840");
    // Carl has a team but no CFS: he is on the list all the same.
    assertThat(ids(worklist(KOMMUN_KARLSHAMN), null)).containsExactly("193709779882", "journey-c-careteam");
    // Dagny declined sharing: nobody's team, nobody's worklist.
    assertThat(worklist(VC_SOLVESBORG).getEntry()).isEmpty();
  }

  @Test
  void anInactiveTeamPutsNobodyOnTheWorklist() {
    String patient = client.create().resource(TestPeople.patient()).execute().getId().getIdPart();
    CareTeam ended = TestData.careTeam(new IdType("Patient", patient),
        new IdType("Organization", idOf("Organization", VC_SOLVESBORG)));
    ended.setStatus(CareTeam.CareTeamStatus.INACTIVE);
    String team = client.create().resource(ended).execute().getId().getIdPart();

    assertThat(worklist(VC_SOLVESBORG).getEntry()).isEmpty();
    assertThat(searchBundle("/CareTeam?participant-organization=Organization/" + idOf("Organization", VC_SOLVESBORG))
            .getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()))
        .as("the team is indexed, only not active").contains(team);
  }

  @Test
  void aWorklistLongerThanOnePageIsComplete() {
    // More patients than HAPI's default page size (20): each must be on the list, once.
    String unit = client.create().resource(TestData.organization("Hemsjukvården Test")).execute().getId().getIdPart();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 25; i++) {
      String fullUrl = "urn:uuid:" + java.util.UUID.randomUUID();
      transaction.addEntry().setFullUrl(fullUrl).setResource(TestPeople.patient())
          .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
      CareTeam team = TestData.careTeam(new IdType("Patient", "x"), new IdType("Organization", unit));
      team.getSubject().setReference(fullUrl);
      transaction.addEntry().setResource(team).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
    }
    client.transaction().withBundle(transaction).execute();

    Bundle worklist = searchBundle("/Patient/$worklist?organization=Organization/" + unit);
    assertThat(worklist.getEntry().stream()
            .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.MATCH)
            .map(e -> e.getResource().getIdElement().getIdPart()).distinct())
        .hasSize(25);
  }

  @Test
  void aWorklistAskedForInPagesIsTheWholeListInTheSameOrderAndTheLastPageLinksNoFurther() {
    String unit = unitWithPatients(5, 2);
    Bundle whole = searchBundle("/Patient/$worklist?organization=Organization/" + unit);

    List<Bundle> pages = pages("/Patient/$worklist?organization=Organization/" + unit + "&_count=2");

    assertThat(entries(whole, Bundle.SearchEntryMode.MATCH)).hasSize(5);
    assertThat(entries(whole, null).stream().filter(e -> e.startsWith("Observation/"))).as("CFS on the list").hasSize(2);
    assertThat(pages).hasSize(3).allSatisfy(page ->
        assertThat(entries(page, Bundle.SearchEntryMode.MATCH)).as("patients on a page").hasSizeLessThanOrEqualTo(2));
    assertThat(pages.stream().flatMap(page -> entries(page, null).stream()))
        .as("each patient with its team and latest CFS, page by page").containsExactlyElementsOf(entries(whole, null));
  }

  @Test
  void aWorklistInPagesCountsOnlyThePatientsWhoseTeamTheCallerSees() {
    // Half of the unit's patients are a kommun's own, half the region's with no relation to the
    // kommun: the kommun's pages are pages of its own, with no gaps and no page left empty.
    String kommun = "Bearer " + tokens.token("worklist-pages-kommun", "SE2120000000-SV9001", "SE2120000000-SV9001",
        "journal-system", "system/*.read system/*.write");
    String unit = create(TestData.organization("Hemsjukvården Sidor")).getIdPart();
    List<String> kommunsOwn = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String[] as = i % 2 == 0 ? new String[] {"Authorization", kommun} : new String[0];
      IdType patient = create(TestPeople.patient(), as);
      create(TestData.careTeam(patient, new IdType("Organization", unit)), as);
      if (as.length > 0) {
        kommunsOwn.add("Patient/" + patient.getIdPart());
      }
    }
    String list = "/Patient/$worklist?organization=Organization/" + unit;
    Bundle whole = parse(Bundle.class, get(list, "Authorization", kommun));

    List<Bundle> pages = pages(list + "&_count=1", "Authorization", kommun);

    assertThat(entries(whole, Bundle.SearchEntryMode.MATCH)).containsExactlyInAnyOrderElementsOf(kommunsOwn);
    assertThat(pages).hasSize(kommunsOwn.size()).allSatisfy(page ->
        assertThat(entries(page, Bundle.SearchEntryMode.MATCH)).as("patients on a page").hasSize(1));
    assertThat(pages.stream().flatMap(page -> entries(page, null).stream())).containsExactlyElementsOf(entries(whole, null));
  }

  @Test
  void aWorklistPagesAuditEventNamesAsShownOnlyThePatientsOnThePage() {
    // The page reads one patient more than it holds, to know whether a next page is due: read, not shown.
    String caller = "worklist-audit-" + TestPeople.uniqueId();
    String unit = unitWithPatients(3, 0);
    String reviewer = "Bearer " + tokens.token("worklist-reviewer", TestTokens.REGION, TestTokens.REGION,
        Caller.LOG_REVIEWER, "system/AuditEvent.read");

    Bundle page = parse(Bundle.class, get("/Patient/$worklist?organization=Organization/" + unit + "&_count=1",
        "Authorization", "Bearer " + tokens.token(caller, TestTokens.HOSPITAL, TestTokens.REGION, "journal-system",
            "system/*.read system/*.write")));

    assertThat(page.getLink(Bundle.LINK_NEXT)).as("a next page").isNotNull();
    AuditEvent event = (AuditEvent) await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(
        () -> parse(Bundle.class, get("/AuditEvent?altid=" + caller, "Authorization", reviewer)).getEntry(),
        events -> !events.isEmpty()).get(0).getResource();
    assertThat(event.getEntity().stream()
            .filter(e -> e.getDetail().stream().anyMatch(d -> AuditLogPolicy.SHOWN.equals(d.getValue().primitiveValue())))
            .map(e -> e.getWhat().getReference()).toList())
        .as("patients named shown").containsExactlyElementsOf(entries(page, Bundle.SearchEntryMode.MATCH));
  }

  @Test
  void aWorklistsFirstPageReadsTheTeamsOfItsPatientsAndOneMoreNotTheWholeLists() {
    String unit = unitWithPatients(5, 0);
    AtomicInteger teamsRead = new AtomicInteger();
    Object counter = new Object() {
      @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
      public void count(IPreResourceAccessDetails loaded) {
        for (int i = 0; i < loaded.size(); i++) {
          if (loaded.getResource(i) instanceof CareTeam) {
            teamsRead.incrementAndGet();
          }
        }
      }
    };
    interceptors.registerInterceptor(counter);
    try {
      searchBundle("/Patient/$worklist?organization=Organization/" + unit + "&_count=1");
      int firstPage = teamsRead.getAndSet(0);
      searchBundle("/Patient/$worklist?organization=Organization/" + unit);
      int wholeList = teamsRead.get();

      assertThat(wholeList).as("teams read for the whole list").isEqualTo(5);
      assertThat(firstPage).as("teams read for a first page of one").isEqualTo(2);
    } finally {
      interceptors.unregisterInterceptor(counter);
    }
  }

  @Test
  void aWorklistPageFromPastTheEndIsEmptyAndABadPageIsRefused() {
    String unit = unitWithPatients(2, 0);
    for (String offset : List.of("2", String.valueOf(Integer.MAX_VALUE))) {
      Bundle past = searchBundle("/Patient/$worklist?organization=Organization/" + unit + "&_count=2&_offset=" + offset);
      assertThat(past.getEntry()).as(offset).isEmpty();
      assertThat(past.getLink(Bundle.LINK_NEXT)).as(offset).isNull();
    }

    for (String bad : List.of("_count=0", "_offset=-1", "_count=many")) {
      HttpResponse<String> refused = get("/Patient/$worklist?organization=Organization/" + unit + "&" + bad);
      assertThat(refused.statusCode()).as(bad).isEqualTo(400);
      assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).as(bad).isNotBlank();
    }
  }

  /**
   * The journeys as loaded belong to the region. A kommun asking with its own token sees a patient
   * on its worklist only with the patient's consent: Bertil consented to his SIP, Astrid has no
   * consent recorded (docs/security.md).
   */
  @Test
  void aKommunsOwnTokenSeesOnlyConsentingPatientsOnItsWorklist() {
    String karlskrona = "Bearer " + tokens.token("kommun-karlskrona", "SE2120000829-SV1080", "SE2120000829-SV1080",
        "journal-system", "system/*.read");
    String ronneby = "Bearer " + tokens.token("kommun-ronneby", "SE2120000837-SV1081", "SE2120000837-SV1081",
        "journal-system", "system/*.read");

    Bundle bertils = parse(Bundle.class, get("/Patient/$worklist?organization=Organization/"
        + idOf("Organization", KOMMUN_KARLSKRONA), "Authorization", karlskrona));
    Bundle astrids = parse(Bundle.class, get("/Patient/$worklist?organization=Organization/"
        + idOf("Organization", KOMMUN_RONNEBY), "Authorization", ronneby));

    assertThat(ids(bertils, Bundle.SearchEntryMode.MATCH)).containsExactly("194207089840");
    assertThat(ids(bertils, Bundle.SearchEntryMode.INCLUDE)).contains("journey-b-careteam", "journey-b-cfs-2");
    assertThat(ids(astrids, null)).as("Astrid has a team with Ronneby kommun but no consent").isEmpty();
  }

  @Test
  void worklistWithoutAnOrganisationIsABadRequest() {
    HttpResponse<String> response = get("/Patient/$worklist");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).contains("organization");
  }

  // --- The latest value of each self-monitored vital sign; the NEWS2 trend over 14 days

  @Test
  void latestValueOfEachVitalSign() {
    String bertil = idOf("Patient", BERTIL);
    // The nurse's respiratory rate for NEWS2 is a vital sign too; ACVPU (category exam) is not.
    assertThat(ids(searchBundle("/Observation/$lastn?patient=Patient/" + bertil + "&category=vital-signs"), null))
        .containsExactlyInAnyOrder("journey-b-weight-3", "journey-b-blood-pressure-3", "journey-b-oxygen-saturation-3",
            "journey-b-respiratory-rate-1");
    assertThat(ids(searchBundle("/Observation/$lastn?patient=Patient/" + bertil + "&category=vital-signs&max=2"), null))
        .containsExactlyInAnyOrder(
            "journey-b-weight-3", "journey-b-blood-pressure-3", "journey-b-oxygen-saturation-3",
            "journey-b-weight-2", "journey-b-blood-pressure-2", "journey-b-oxygen-saturation-2",
            "journey-b-respiratory-rate-1");
  }

  @Test
  void lastnKeepsToThePatientAskedAbout() {
    // HAPI's own $lastn without Elasticsearch answers every patient's observations.
    assertThat(searchBundle("/Observation/$lastn?patient=Patient/" + idOf("Patient", ASTRID)
        + "&category=vital-signs").getEntry()).isEmpty();
    assertThat(ids(searchBundle("/Observation/$lastn?patient=Patient/" + idOf("Patient", DAGNY)), null))
        .containsExactly("journey-d-cfs-1");
    HttpResponse<String> unbounded = get("/Observation/$lastn?category=vital-signs");
    assertThat(unbounded.statusCode()).isEqualTo(400);
    assertThat(outcome(unbounded).getIssueFirstRep().getDiagnostics()).contains("patient, subject or code");
  }

  @Test
  void news2TrendOverFourteenDaysOldestFirst() {
    Bundle trend = searchBundle("/Observation?patient=Patient/" + idOf("Patient", BERTIL)
        + "&code=" + NEWS2 + "&date=ge2026-10-19&_sort=date");
    assertThat(ids(trend, null)).containsExactly("journey-b-news2-1", "journey-b-news2-2");
    assertThat(trend.getEntry().stream()
            .map(e -> ((Observation) e.getResource()).getValueIntegerType().getValue()).toList())
        .containsExactly(1, 5);
  }

  @Test
  void nutritionScreeningsOfAPatientNewestFirst() {
    Bundle screenings = searchBundle("/Observation?code=http://loinc.org%7C107114-1&patient=Patient/"
        + idOf("Patient", ASTRID) + "&_sort=-date");
    assertThat(ids(screenings, null)).containsExactly("journey-a-mna-sf-1");
    assertThat(((Observation) screenings.getEntryFirstRep().getResource()).getValueIntegerType().getValue()).isEqualTo(9);
  }

  // --- Listed at a vårdcentral, visited the ED in the last 72 hours, meets the inclusion criteria

  @Test
  void followUpWorklistOfTheVardcentral() {
    Bundle followUp = followUp(VC_RONNEBY, LAST_72_HOURS);
    assertThat(ids(followUp, Bundle.SearchEntryMode.MATCH)).containsExactly("journey-a-ed-screening");
    assertThat(ids(followUp, Bundle.SearchEntryMode.INCLUDE))
        .containsExactlyInAnyOrder("193903149825", "journey-a-ed-visit");

    assertThat(followUp(VC_KARLSKRONA, LAST_72_HOURS).getEntry()).as("not listed there").isEmpty();
    assertThat(followUp(VC_RONNEBY, "ge2026-11-02T12:00:00%2B01:00").getEntry()).as("visit too old").isEmpty();
  }

  @Test
  void aRecentEdVisitScreenedNegativeIsNotOnTheFollowUpWorklist() {
    Patient listed = TestPeople.patient();
    listed.addGeneralPractitioner().setReference("Organization/" + idOf("Organization", VC_RONNEBY));
    String patient = client.create().resource(listed).execute().getId().getIdPart();
    String visit = client.create().resource(new org.hl7.fhir.r4.model.Encounter()
            .setStatus(org.hl7.fhir.r4.model.Encounter.EncounterStatus.FINISHED)
            .setClass_(new org.hl7.fhir.r4.model.Coding(
                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "EMER", "emergency"))
            .setSubject(new org.hl7.fhir.r4.model.Reference("Patient/" + patient))
            .setPeriod(new org.hl7.fhir.r4.model.Period()
                .setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-01T10:00:00+01:00"))
                .setEndElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-01T14:00:00+01:00"))))
        .execute().getId().getIdPart();
    Observation screening = edScreeningOfAstrid();
    screening.setIdentifier(List.of());
    screening.getSubject().setReference("Patient/" + patient);
    screening.getEncounter().setReference("Encounter/" + visit);
    screening.setValue(new org.hl7.fhir.r4.model.BooleanType(false));
    screening.getComponent().forEach(c -> c.setValue(new org.hl7.fhir.r4.model.BooleanType(false)));
    client.create().resource(screening).execute();

    assertThat(ids(followUp(VC_RONNEBY, LAST_72_HOURS), Bundle.SearchEntryMode.MATCH))
        .containsExactly("journey-a-ed-screening");
  }

  // --- Everything about one patient

  @Test
  void everythingAboutAstridIsHerJourneyAndTheStaffAndUnitsItNames() {
    Bundle everything = searchBundle("/Patient/" + idOf("Patient", ASTRID) + "/$everything?_count=200");

    Set<String> types = Set.of("Organization", "Practitioner", "PractitionerRole");
    assertThat(everything.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
            .filter(r -> !types.contains(r.fhirType())).map(WorklistQueriesTest::businessId).toList())
        .containsExactlyInAnyOrder(
            "193903149825", "journey-a-ed-visit", "journey-a-ed-screening", "journey-a-cfs-1",
            "journey-a-geriatric-risk-profile-1", "journey-a-mna-sf-1", "journey-a-condition-copd", "journey-a-careteam",
            "journey-a-goal-home", "journey-a-goal-no-icu", "journey-a-amp", "journey-a-followup-call");
    assertThat(ids(everything, null)).contains(
        "SE2321000081-SV2081", "SE2120000837-SV1081", "SE2321000081-SVP001", "SE2321000081-SVU003");
  }

  // --- The package's search parameters

  @Test
  void patientsByKommunOfResidence() {
    Set<String> ronneby = Set.copyOf(ids(searchBundle("/Patient?kommun=1081"), null));
    assertThat(ronneby).contains("193903149825").doesNotContain("194207089840", "193709779882", "194501259867");
    assertThat(ids(searchBundle("/Patient?kommun=https://samverkan.se/fhir/CodeSystem/kommunkod%7C1080"
        + "&general-practitioner=Organization/" + idOf("Organization", VC_KARLSKRONA)), null))
        .containsExactly("194207089840");
  }

  @Test
  void carePlansByPlanTypeAndByResponsibleHuvudman() {
    String bertil = "&subject=Patient/" + idOf("Patient", BERTIL);
    assertThat(ids(searchBundle("/CarePlan?plan-type=SIP" + bertil), null)).containsExactly("journey-b-sip");
    assertThat(ids(searchBundle("/CarePlan?plan-type=AMP" + bertil), null)).containsExactly("journey-b-amp");
    assertThat(ids(searchBundle("/CarePlan?plan-type=SPU" + bertil), null)).containsExactly("journey-b-discharge-plan");
    assertThat(ids(searchBundle("/CarePlan?responsible-huvudman=Organization/"
        + idOf("Organization", KOMMUN_KARLSKRONA)), null)).containsExactly("journey-b-sip");
  }

  @Test
  void coordinationTasksByOwnerAndDueDate() {
    String vcRonneby = "/Task?owner=Organization/" + idOf("Organization", VC_RONNEBY) + "&status=requested";
    assertThat(ids(searchBundle(vcRonneby + "&due=le2026-11-03&_sort=due"), null))
        .containsExactly("journey-a-followup-call");
    assertThat(ids(searchBundle(vcRonneby + "&due=lt2026-11-03"), null)).isEmpty();
    // The inskrivningsmeddelande was due within 24 h; utskrivningsklar has no due date.
    assertThat(ids(searchBundle("/Task?owner=Organization/" + idOf("Organization", VC_KARLSKRONA)
        + "&due=le2026-10-31"), null)).containsExactly("journey-b-admission-notice-vardcentral");
  }

  // --- helpers

  /**
   * A new unit in the active teams of new patients, the first {@code withCfs} of them with a
   * Clinical Frailty Scale (a copy of a journey's): its worklist, the unit's id.
   */
  private String unitWithPatients(int patients, int withCfs) {
    String unit = client.create().resource(TestData.organization("Hemsjukvården Sida")).execute().getId().getIdPart();
    Observation template = (Observation) searchBundle("/Observation?code=http://snomed.info/sct%7C"
        + WorklistOperationProvider.CFS_CODE + "&_count=1").getEntryFirstRep().getResource();
    for (int i = 0; i < patients; i++) {
      IdType patient = create(TestPeople.patient());
      create(TestData.careTeam(patient, new IdType("Organization", unit)));
      if (i < withCfs) {
        Observation cfs = template.copy();
        cfs.setId((String) null);
        cfs.setMeta(null);
        cfs.getIdentifierFirstRep().setValue("worklist-page-cfs-" + TestPeople.uniqueId());
        cfs.setSubject(new org.hl7.fhir.r4.model.Reference(patient));
        cfs.setEncounter(null);
        create(cfs);
      }
    }
    return unit;
  }

  /** A paged answer's pages: the first, then each its page before links to as {@code next}; each answered 200. */
  private List<Bundle> pages(String first, String... headers) {
    List<Bundle> pages = new ArrayList<>();
    String url = first;
    while (url != null) {
      HttpResponse<String> response = get(url, headers);
      assertThat(response.statusCode()).as("GET " + url).isEqualTo(200);
      Bundle page = parse(Bundle.class, response);
      pages.add(page);
      url = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
    }
    return pages;
  }

  /** The entries as Type/id, of one search mode or all. */
  private static List<String> entries(Bundle bundle, Bundle.SearchEntryMode mode) {
    return bundle.getEntry().stream()
        .filter(e -> mode == null || e.getSearch().getMode() == mode)
        .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
        .collect(Collectors.toList());
  }

  private Bundle worklist(String organizationIdentifier) {
    return searchBundle("/Patient/$worklist?organization=Organization/" + idOf("Organization", organizationIdentifier));
  }

  private Bundle followUp(String vardcentral, String since) {
    return searchBundle("/Observation?code=" + ED_SCREENING + "&value-boolean=true"
        + "&encounter.class=EMER&encounter.date=" + since
        + "&patient.general-practitioner=Organization/" + idOf("Organization", vardcentral)
        + "&_include=Observation:patient&_include=Observation:encounter");
  }

  private Observation edScreeningOfAstrid() {
    return (Observation) searchBundle("/Observation?identifier="
        + encode(se.samverkan.support.Journeys.EXAMPLE_ID + "|journey-a-ed-screening"))
        .getEntryFirstRep().getResource();
  }

  private static <T extends Resource> T included(Bundle bundle, Class<T> type) {
    return bundle.getEntry().stream()
        .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE)
        .map(Bundle.BundleEntryComponent::getResource)
        .filter(type::isInstance).map(type::cast)
        .findFirst().orElseThrow();
  }

  /** Business ids of the entries (all, or those of one search mode), in bundle order. */
  /**
   * The business ids of the journeys' resources in an answer. Other test classes share the
   * database and give the county's units teams of their own (AccessMatrixTest), so what they
   * wrote is left out: these tests are about the journeys.
   */
  private static List<String> ids(Bundle bundle, Bundle.SearchEntryMode mode) {
    return bundle.getEntry().stream()
        .filter(e -> mode == null || e.getSearch().getMode() == mode)
        .filter(e -> e.getResource() != null && isJourneys(e.getResource()))
        .map(e -> businessId(e.getResource()))
        .collect(Collectors.toList());
  }

  private static final Set<String> JOURNEY_PEOPLE = Set.of(ASTRID, BERTIL, CARL, DAGNY).stream()
      .map(person -> person.substring(person.indexOf('|') + 1)).collect(Collectors.toSet());

  private static boolean isJourneys(Resource resource) {
    List<org.hl7.fhir.r4.model.Base> identifiers = resource.getNamedProperty("identifier").getValues();
    return identifiers.stream().map(org.hl7.fhir.r4.model.Identifier.class::cast).anyMatch(identifier ->
        Journeys.EXAMPLE_ID.equals(identifier.getSystem()) || Journeys.HSA.equals(identifier.getSystem())
            || JOURNEY_PEOPLE.contains(identifier.getValue()));
  }

  /** The first identifier's value: example id, personnummer, samordningsnummer or HSA-id. */
  private static String businessId(Resource resource) {
    return ((org.hl7.fhir.r4.model.Identifier) resource.getNamedProperty("identifier").getValues().get(0))
        .getValue();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
