package se.samverkan.coordination;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/**
 * The coordination rules produce the Tasks the LUSEN hand-offs and the follow-up model call for,
 * with the right owners and due dates, for the journey examples and for new events.
 */
class CoordinationRulesTest extends FhirServerTest {

  private static final String CODES = "https://samverkan.se/fhir/CodeSystem/coordination-task";
  private static final String OPEN = "requested,received,accepted,ready,in-progress,on-hold";

  /** The journeys go in once per run; the rules' Tasks for them are made by then. */
  private static boolean journeysLoaded;

  private IdType kommunRonneby;
  private IdType vcRonneby;

  @BeforeEach
  void loadTheCounty() {
    if (!journeysLoaded) {
      loadJourneys();
      journeysLoaded = true;
    }
    kommunRonneby = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
    vcRonneby = new IdType("Organization", idOf("Organization", Journeys.VC_RONNEBY));
  }

  @Test
  void journeyB_utskrivningsklarCallsForASipCallWithinThreeDaysAndTheDischargeForAFollowUpCall() {
    String bertil = "Patient/" + idOf("Patient", Journeys.BERTIL);
    String vcKarlskrona = "Organization/" + idOf("Organization", Journeys.VC_KARLSKRONA);
    String stay = "Encounter/" + idOf("Encounter", Journeys.EXAMPLE_ID + "|journey-b-inpatient-stay");

    Task sipCall = awaitOne(bertil, "kallelse-sip");
    assertThat(sipCall.getOwner().getReference()).isEqualTo(vcKarlskrona);
    assertThat(sipCall.getFocus().getReference()).isEqualTo(stay);
    assertThat(sipCall.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(due(sipCall)).as("utskrivningsklar 2026-10-19 09:00 + 3 days")
        .isEqualTo(Instant.parse("2026-10-19T07:00:00Z").plus(3, ChronoUnit.DAYS));

    Task followUp = awaitOne(bertil, "uppfoljning-utskrivning");
    assertThat(followUp.getOwner().getReference()).isEqualTo(vcKarlskrona);
    assertThat(due(followUp)).as("discharged 2026-10-22 11:00 + 3 days")
        .isEqualTo(Instant.parse("2026-10-22T09:00:00Z").plus(3, ChronoUnit.DAYS));

    // The hospital sent its own inskrivningsmeddelanden with the admission: none is added.
    assertThat(tasks(bertil, "inskrivningsmeddelande")).hasSize(2)
        .allMatch(t -> t.getStatus() == Task.TaskStatus.COMPLETED);
  }

  @Test
  void journeyA_theEdFollowUpTheHospitalWroteIsNotDuplicated() {
    String astrid = "Patient/" + idOf("Patient", Journeys.ASTRID);
    settle();
    assertThat(tasks(astrid, "uppfoljning-akutbesok")).hasSize(1)
        .allMatch(t -> t.getOwner().getReference().equals(vcRonneby.getValue()));
  }

  @Test
  void anAdmissionOfAPatientInACareTeamNotifiesTheKommunAndTheListedVardcentralWithin24Hours() {
    IdType patient = listedPatientWithTeam();
    Instant admitted = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    IdType stay = create(encounter(patient, "IMP", Encounter.EncounterStatus.INPROGRESS, admitted, null));

    List<Task> notices = awaitTasks(patient.getValue(), "inskrivningsmeddelande", 2);
    assertThat(notices).extracting(t -> t.getOwner().getReference())
        .containsExactlyInAnyOrder(kommunRonneby.getValue(), vcRonneby.getValue());
    assertThat(notices).allSatisfy(t -> {
      assertThat(due(t)).isEqualTo(admitted.plus(24, ChronoUnit.HOURS));
      assertThat(t.getFocus().getReference()).isEqualTo(stay.getValue());
      assertThat(t.getMeta().getProfile()).extracting(p -> p.getValue())
          .containsExactly("https://samverkan.se/fhir/StructureDefinition/SamverkanAdmissionNotice");
    });

    // Past due and still open: on the kommun's overdue worklist, which a task not yet due is not.
    IdType recent = listedPatientWithTeam();
    create(encounter(recent, "IMP", Encounter.EncounterStatus.INPROGRESS, Instant.now(), null));
    awaitTasks(recent.getValue(), "inskrivningsmeddelande", 2);
    List<String> overdue = searchBundle("/Task?owner=" + kommunRonneby.getValue() + "&status=" + OPEN
        + "&due=lt" + Instant.now() + "&_count=200").getEntry().stream()
        .map(e -> ((Task) e.getResource()).getFor().getReference()).toList();
    assertThat(overdue).contains(patient.getValue()).doesNotContain(recent.getValue());

    // Sending the same admission again adds nothing.
    send("PUT", "/" + stay.getValue(), json(encounter(patient, "IMP", Encounter.EncounterStatus.INPROGRESS, admitted, null)
        .setId(stay.getIdPart())));
    settle();
    assertThat(tasks(patient.getValue(), "inskrivningsmeddelande")).hasSize(2);
  }

  @Test
  void anEdVisitCallsForAFollowUpOnlyWhenThePatientIsIncluded() {
    IdType screenedIn = listedPatient();
    // Months before the journeys' ED visits, so the worklist tests' follow-up window never sees it.
    Instant visit = Instant.parse("2026-06-01T08:00:00Z");
    IdType edVisit = create(encounter(screenedIn, "EMER", Encounter.EncounterStatus.FINISHED, visit, visit.plus(4, ChronoUnit.HOURS)));
    create(screening(screenedIn, edVisit, true));
    Task followUp = awaitOne(screenedIn.getValue(), "uppfoljning-akutbesok");
    assertThat(followUp.getOwner().getReference()).isEqualTo(vcRonneby.getValue());
    assertThat(due(followUp)).isEqualTo(visit.plus(4, ChronoUnit.HOURS).plus(3, ChronoUnit.DAYS));

    IdType screenedOut = listedPatient();
    IdType otherVisit = create(encounter(screenedOut, "EMER", Encounter.EncounterStatus.FINISHED, visit, visit.plus(1, ChronoUnit.HOURS)));
    create(screening(screenedOut, otherVisit, false));
    settle();
    assertThat(tasks(screenedOut.getValue(), "uppfoljning-akutbesok")).isEmpty();
  }

  /**
   * The rules act for the owner of the change and look only at what that owner may read: a kommun
   * outside the patient's care, which attests a relation of its own and writes an admission, gets
   * no Task addressed from the region's care team or the vårdcentral the patient is listed at —
   * which would tell it who cares for the patient — only one to the kommun in its own team.
   */
  @Test
  void anAdmissionWrittenByAnOutsiderAddressesOnlyWhatTheOutsiderMaySee() {
    IdType patient = listedPatientWithTeam(); // the region's: listed at VC Ronneby, in a team with Ronneby kommun
    String karlskrona = "Bearer " + tokens.token("kommun-karlskrona", "SE2120000829-SV1080", "SE2120000829-SV1080",
        "journal-system", "system/*.read system/*.write");
    IdType karlskronaOrg = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_KARLSKRONA));
    Encounter admission = encounter(patient, "IMP", Encounter.EncounterStatus.INPROGRESS, Instant.now(), null);

    HttpResponse<String> unrelated = send("POST", "/Encounter", json(admission), "Authorization", karlskrona);
    assertThat(unrelated.statusCode()).as("no relation the rule recognises: " + unrelated.body()).isEqualTo(400);

    assertThat(send("POST", "/CareTeam", json(TestData.careTeam(patient, karlskronaOrg)), "Authorization", karlskrona)
        .statusCode()).isEqualTo(201);
    assertThat(send("POST", "/Encounter", json(admission), "Authorization", karlskrona).statusCode()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(20)).until(() -> !tasksAs(karlskrona, patient.getValue()).isEmpty());
    settle();
    assertThat(tasksAs(karlskrona, patient.getValue())).extracting(t -> t.getOwner().getReference())
        .containsExactly(karlskronaOrg.getValue());
  }

  private List<Task> tasksAs(String authorization, String patient) {
    return parse(org.hl7.fhir.r4.model.Bundle.class, get("/Task?patient=" + patient + "&code=" + CODES
        + "%7Cinskrivningsmeddelande&_count=50", "Authorization", authorization)).getEntry().stream()
        .map(e -> (Task) e.getResource()).toList();
  }

  private IdType listedPatient() {
    Patient patient = TestPeople.patient();
    patient.addGeneralPractitioner(new Reference(vcRonneby));
    return create(patient);
  }

  private IdType listedPatientWithTeam() {
    IdType patient = listedPatient();
    create(TestData.careTeam(patient, kommunRonneby));
    return patient;
  }

  private static Encounter encounter(IdType patient, String encounterClass, Encounter.EncounterStatus status,
      Instant start, Instant end) {
    Encounter encounter = new Encounter().setStatus(status);
    encounter.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode(encounterClass);
    encounter.setSubject(new Reference(patient));
    encounter.getPeriod().setStart(Date.from(start));
    if (end != null) {
      encounter.getPeriod().setEnd(Date.from(end));
    }
    return encounter;
  }

  private static Observation screening(IdType patient, IdType visit, boolean included) {
    Observation screening = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    screening.getMeta().addProfile("https://samverkan.se/fhir/StructureDefinition/SamverkanEDScreening");
    screening.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
        .setCode("survey");
    screening.getCode().addCoding().setSystem(Vocabulary.INSTRUMENT).setCode("ed-screening");
    screening.setSubject(new Reference(patient)).setEncounter(new Reference(visit));
    screening.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
    screening.setValue(new org.hl7.fhir.r4.model.BooleanType(included));
    return screening;
  }

  private List<Task> tasks(String patient, String code) {
    return searchBundle("/Task?patient=" + patient + "&code=" + CODES + "%7C" + code + "&_count=50").getEntry().stream()
        .map(e -> (Task) e.getResource()).toList();
  }

  private List<Task> awaitTasks(String patient, String code, int count) {
    await().atMost(Duration.ofSeconds(20)).until(() -> tasks(patient, code).size() >= count);
    List<Task> tasks = tasks(patient, code);
    assertThat(tasks).hasSize(count);
    return tasks;
  }

  private Task awaitOne(String patient, String code) {
    return awaitTasks(patient, code, 1).get(0);
  }

  /** Rules run within a second or two of a write; give them time before asserting an absence. */
  private static void settle() {
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
  }

  private static Instant due(Task task) {
    return task.getRestriction().getPeriod().getEnd().toInstant();
  }
}
