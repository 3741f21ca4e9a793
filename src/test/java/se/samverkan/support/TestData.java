package se.samverkan.support;

import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;

/**
 * Resources that satisfy the Samverkan profiles (which the server enforces), for tests about
 * general FHIR behaviour. They refer to the shared examples under profiles/, which
 * {@link FhirServerTest} loads once per run.
 */
public final class TestData {

  public static final String REGION = "Organization/example-region-blekinge";
  public static final String HUVUDMAN = "https://samverkan.se/fhir/CodeSystem/huvudman-type";
  public static final String ROLE = "https://samverkan.se/fhir/CodeSystem/role";

  private TestData() {}

  /** A regional unit with a fresh HSA-id. */
  public static Organization organization(String name) {
    Organization organization = new Organization().setName(name);
    organization.addIdentifier().setSystem("urn:oid:1.2.752.29.4.19")
        .setValue("SE2321000081-T" + Long.toHexString(System.nanoTime()).toUpperCase());
    organization.addType().addCoding().setSystem(HUVUDMAN).setCode("region");
    organization.setPartOf(new Reference(REGION));
    return organization;
  }

  /** An active care team for the patient with the organization as its kommun participant. */
  public static CareTeam careTeam(IdType patient, IdType organization) {
    CareTeam team = new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE);
    team.setSubject(new Reference(patient));
    team.addParticipant().setMember(new Reference(organization))
        .addRole().addCoding().setSystem(ROLE).setCode("samordningssjukskoterska-kommun");
    return team;
  }

  /** A vårdplan (Inera's plan type VP) for the patient, authored by the region. */
  public static CarePlan carePlan(IdType patient) {
    CarePlan plan = new CarePlan()
        .setStatus(CarePlan.CarePlanStatus.ACTIVE).setIntent(CarePlan.CarePlanIntent.PLAN);
    plan.setTitle("Vårdplan");
    plan.addCategory().addCoding().setSystem("https://fhir.inera.se/CodeSystem/typeofcareplan-cs").setCode("VP");
    plan.setSubject(new Reference(patient));
    plan.setAuthor(new Reference(REGION));
    return plan;
  }

  /** A Consent of the patient's under a Samverkan policy (AccessPolicy's policy URIs). */
  public static Consent consent(IdType patient, String policy, Consent.ConsentProvisionType type) {
    Consent consent = new Consent().setStatus(Consent.ConsentState.ACTIVE);
    consent.getScope().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/consentscope").setCode("patient-privacy");
    consent.addCategory().addCoding().setSystem("http://loinc.org").setCode("59284-0");
    consent.setPatient(new Reference(patient));
    consent.addPolicy().setUri(policy);
    consent.getProvision().setType(type);
    return consent;
  }
}
