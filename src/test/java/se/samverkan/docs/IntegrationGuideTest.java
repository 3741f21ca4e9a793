package se.samverkan.docs;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestPeople;

/**
 * The Java in docs/integration-guide.md, run against a real server: if the guide's code stops
 * working, this fails. Keep the two in step (the guide quotes the blocks between the markers).
 */
class IntegrationGuideTest extends FhirServerTest {

  private static final String PERSONNUMMER = "http://electronichealth.se/identifier/personnummer";
  private static final String HSA = "urn:oid:1.2.752.29.4.19";
  /** The personnummer and samordningsnummer of the journeys' patients (support/Journeys). */
  private static final java.util.Set<String> JOURNEY_PATIENTS = java.util.stream.Stream
      .of(Journeys.ASTRID, Journeys.BERTIL, Journeys.CARL, Journeys.DAGNY)
      .map(identifier -> identifier.substring(identifier.indexOf('|') + 1))
      .collect(java.util.stream.Collectors.toSet());
  /** The sending journal system's own identifiers for its care plans. */
  private static final String OUR_PLAN_IDS = "https://journal.example.se/careplan";

  @Test
  void sendACarePlanTwiceThenFindItAsAnotherUnitWould() {
    loadJourneys(); // the county's units, which the plan refers to
    String personnummer = TestPeople.personnummer();
    String birthDate = personnummer.substring(0, 4) + "-" + personnummer.substring(4, 6) + "-" + personnummer.substring(6, 8);

    Bundle response = sendCarePlan(client, personnummer, birthDate, "4711");
    assertThat(response.getEntry()).extracting(e -> e.getResponse().getStatus())
        .allMatch(status -> status.startsWith("201") || status.startsWith("200"));
    Bundle again = sendCarePlan(client, personnummer, birthDate, "4711");
    assertThat(again.getEntry()).extracting(e -> e.getResponse().getStatus())
        .as("the second send updates, it creates nothing").allMatch(status -> status.startsWith("200"));

    String hyphenated = personnummer.substring(0, 8) + "-" + personnummer.substring(8);
    // --- guide: find
    Bundle plans = client.search()
        .forResource(CarePlan.class)
        .where(CarePlan.SUBJECT.hasChainedProperty(Patient.IDENTIFIER.exactly().code(hyphenated)))
        .and(CarePlan.STATUS.exactly().code("active"))
        .include(CarePlan.INCLUDE_CARE_TEAM)
        .returnBundle(Bundle.class)
        .execute();
    // --- end
    assertThat(plans.getEntry()).hasSize(1);
    CarePlan plan = (CarePlan) plans.getEntryFirstRep().getResource();
    assertThat(plan.getTitle()).isEqualTo("Vårdplan vid KOL");
    assertThat(plan.getIdentifierFirstRep().getValue()).isEqualTo("4711");
  }

  @Test
  void theWorklistOperationFromJava() {
    loadJourneys();
    String kommunId = idOf("Organization", Journeys.KOMMUN_KARLSKRONA);
    // --- guide: worklist
    Bundle worklist = client.operation()
        .onType(Patient.class)
        .named("$worklist")
        .withParameter(Parameters.class, "organization", new StringType("Organization/" + kommunId))
        .useHttpGet()
        .returnResourceType(Bundle.class)
        .execute();
    // --- end
    // Of the journeys' four patients, Bertil alone has an active team with the kommun. (Other test
    // classes sharing this server add patients of their own to its teams: only the journeys' count.)
    assertThat(worklist.getEntry()).filteredOn(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.MATCH)
        .extracting(e -> ((Patient) e.getResource()).getIdentifierFirstRep().getValue())
        .filteredOn(JOURNEY_PATIENTS::contains)
        .containsExactly("194207089840");
  }

  @Test
  void aPlanThatBreaksTheProfileIsRefusedWithTheReason() {
    CarePlan untitled = carePlan("Patient?identifier=" + Journeys.ASTRID, "no-title");
    untitled.setTitle(null);
    // --- guide: errors
    try {
      client.create().resource(untitled).execute();
    } catch (UnprocessableEntityException e) {
      OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
      outcome.getIssue().forEach(issue ->
          System.out.println(issue.getSeverity() + " " + issue.getExpression() + ": " + issue.getDiagnostics()));
      // --- end
      assertThat(outcome.getIssue()).anySatisfy(issue -> assertThat(issue.getExpression().toString()).contains("CarePlan"));
      return;
    }
    throw new AssertionError("a care plan without a title was accepted");
  }

  // --- guide: send
  /** One transaction: the patient by personnummer, the plan by our own id; sending again changes nothing. */
  static Bundle sendCarePlan(IGenericClient client, String personnummer, String birthDate, String ourPlanId) {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem(PERSONNUMMER).setValue(personnummer);
    patient.addName().setFamily("Testsson").addGiven("Tyra");
    patient.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
    patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(birthDate));

    CarePlan plan = carePlan("urn:uuid:0b1e4c1a-7e55-4b39-9d1c-1f2a3b4c5d6e", ourPlanId);

    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry()
        .setFullUrl("urn:uuid:0b1e4c1a-7e55-4b39-9d1c-1f2a3b4c5d6e")
        .setResource(patient)
        .getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient?identifier=" + PERSONNUMMER + "|" + personnummer);
    transaction.addEntry()
        .setResource(plan)
        .getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("CarePlan?identifier=" + OUR_PLAN_IDS + "|" + ourPlanId);
    return client.transaction().withBundle(transaction).execute();
  }

  static CarePlan carePlan(String patientReference, String ourPlanId) {
    CarePlan plan = new CarePlan()
        .setStatus(CarePlan.CarePlanStatus.ACTIVE)
        .setIntent(CarePlan.CarePlanIntent.PLAN)
        .setTitle("Vårdplan vid KOL");
    plan.addIdentifier().setSystem(OUR_PLAN_IDS).setValue(ourPlanId);
    plan.addCategory().addCoding()
        .setSystem("https://fhir.inera.se/CodeSystem/typeofcareplan-cs").setCode("VP").setDisplay("Vårdplan");
    plan.getSubject().setReference(patientReference);
    // The author by HSA-id: the server resolves it to the Organization it holds.
    plan.getAuthor().setReference("Organization?identifier=" + HSA + "|SE2321000081-SV2081");
    plan.addActivity().getDetail()
        .setStatus(CarePlan.CarePlanActivityStatus.INPROGRESS)
        .setDescription("Andningsgymnastik dagligen; kontakta vårdcentralen vid ökad andfåddhet.")
        .addPerformer().setReference("Organization?identifier=" + HSA + "|SE2120000837-SV1081");
    return plan;
  }
  // --- end
}
