package se.samverkan.vocabulary;

/**
 * The URIs and OIDs Samverkan writes and reads, each in one place with whose it is and where that
 * is written down (issue 19: the HSA OID was typed in four files). Here are every identifier
 * system, every code system that comes from outside FHIR (Swedish, national and international
 * terminologies), every canonical URL of ours, and the code systems FHIR itself defines that main
 * code names more than once. A FHIR-defined system named once stays beside the one code that uses
 * it (the AuditEvent's event type, a Condition's clinical status), and so do the regional
 * reservnummer systems, which {@code profiles/SwedishPersonIdentifiers} keeps in one table with
 * their names, forms and sources.
 *
 * <p>Each source named is public (HL7 Sweden's base profiles, Inera's and Socialstyrelsen's
 * specifications); where a value is a rule of our profiles, {@code profiles/*}{@code /RULES.md}
 * says more. VocabularyInOnePlaceTest fails when one of these values, or any URI under
 * {@link #CANONICAL}, is written as a literal in main code elsewhere.
 * This package depends on nothing, so every other package may use it.
 */
public final class Vocabulary {

  private Vocabulary() {}

  // --- Identifier systems for organisations and staff (Sweden) ---

  /**
   * HSA-id (persons, units, assignments, organisations): HL7 Sweden's system, the {@code hsaid}
   * slice of SEBaseOrganization and SEBasePractitioner (hl7se.fhir.base 1.1.0;
   * profiles/organization/RULES.md, profiles/practitioner/RULES.md).
   */
  public static final String HSA_ID = "urn:oid:1.2.752.29.4.19";
  /**
   * HSA-id under Inera's RIV-TA / NTjP OID, the same identifier space (Inera EHDS-TK
   * {@code inera-ehds-organization}); accepted on input and stored as {@link #HSA_ID}.
   */
  public static final String HSA_ID_NTJP = "urn:oid:1.2.752.129.2.1.4.1";
  /**
   * Organisationsnummer: HL7 Sweden's system, X.520 {@code organizationIdentifier}, the
   * {@code organizationIdentifier} slice of SEBaseOrganization
   * (profiles/organization/RULES.md).
   */
  public static final String ORGANISATIONSNUMMER = "urn:oid:2.5.4.97";

  // --- Identifier systems for persons (Sweden) ---

  /** Personnummer (Skatteverket): HL7 Sweden's URI, hl7se.fhir.base 1.1.0 Aliases.fsh (profiles/patient/RULES.md). */
  public static final String PERSONNUMMER = "http://electronichealth.se/identifier/personnummer";
  /** Personnummer under Inera's RIV-TA OID (EHDS-TK mapping pages, EHDS-brygga NamingSystems); mapped to {@link #PERSONNUMMER}. */
  public static final String PERSONNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.1";
  /** Samordningsnummer (Skatteverket): HL7 Sweden's URI, hl7se.fhir.base 1.1.0 Aliases.fsh (profiles/patient/RULES.md). */
  public static final String SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer";
  /** Samordningsnummer under Inera's RIV-TA OID (sources as {@link #PERSONNUMMER_OID}); mapped to {@link #SAMORDNINGSNUMMER}. */
  public static final String SAMORDNINGSNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.3";
  /** Nationellt reservnummer: HL7 Sweden's URI, hl7se.fhir.base 1.1.0 Aliases.fsh (profiles/patient/RULES.md). */
  public static final String NATIONELLT_RESERVNUMMER = "http://electronichealth.se/identifier/nationelltReservnummer";
  /**
   * Nationellt reservnummer under Inera's OID (EHDS-TK IneraEHDSLMObservations.fsh, RIV-TA text);
   * mapped to {@link #NATIONELLT_RESERVNUMMER}.
   */
  public static final String NATIONELLT_RESERVNUMMER_OID = "urn:oid:1.2.752.74.9.1";
  /** LMA-nummer (asylum seekers' card): HL7 Sweden's SEBaseLMANummer, LMA-nummer.fsh (profiles/patient/RULES.md). */
  public static final String LMA_NUMMER = "http://electronichealth.se/identifier/LMA-nummer";

  // --- Code systems: Swedish and national ---

  /**
   * Protected identity labels {@code sekretessmarkering} and {@code skyddadFolkbokforing}: HL7
   * Sweden's CodeSystem SecurityLabel, hl7se.fhir.base 1.1.0.
   */
  public static final String SECURITY_LABEL = "http://hl7.se/fhir/ig/base/CodeSystem/SecurityLabel";
  /**
   * Care plan types (SIP, SPU, …): Inera's TypeOfCarePlan CodeSystem, EHDS-TK 0.3.3 (draft)
   * TypeOfCarePlanCS.fsh (profiles/careplan/RULES.md).
   */
  public static final String TYPE_OF_CARE_PLAN = "https://fhir.inera.se/CodeSystem/typeofcareplan-cs";
  /**
   * KVÅ, Klassifikation av vårdåtgärder (Socialstyrelsen): no FHIR URI is registered, so its OID,
   * on which EHDS-TK, RIV-TA and Inera's code list agree (profiles/careplan/RULES.md).
   */
  public static final String KVA = "urn:oid:1.2.752.116.1.3.2.1.4";
  /**
   * ICD-10-SE (Socialstyrelsen): no registered FHIR URI; the one Inera's drafts use (EHDS-TK
   * aliases.fsh, EHDS-brygga NamingSystems; profiles/condition/RULES.md).
   */
  public static final String ICD_10_SE = "https://www.icd10.se/";

  // --- Code systems: international ---

  /** SNOMED CT, also its Swedish edition, which Socialstyrelsen releases. */
  public static final String SNOMED_CT = "http://snomed.info/sct";
  /** LOINC, as FHIR and Inera's EHDS-TK name it. */
  public static final String LOINC = "http://loinc.org";
  /** UCUM units, as FHIR R4's vital-signs profiles require them. */
  public static final String UCUM = "http://unitsofmeasure.org";
  /**
   * AuditEvent.entity.type: HL7's code system (FHIR R4; the system of HAPI's
   * {@code org.hl7.fhir.r4.model.codesystems.AuditEntityType}, org.hl7.fhir.r4 6.7.9).
   */
  public static final String AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
  /**
   * AuditEvent.entity.role: HL7's code system (FHIR R4; the system of HAPI's
   * {@code org.hl7.fhir.r4.model.codesystems.ObjectRole}, org.hl7.fhir.r4 6.7.9).
   */
  public static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";

  // --- Ours: canonical base and profiles ---

  /** Ours: the canonical base of every conformance resource in our FHIR package (profiles/README.md). */
  public static final String CANONICAL = "https://samverkan.se/fhir";
  /** Ours: where our profiles and extensions live; a profile's URL is this and its name. */
  public static final String STRUCTURE_DEFINITION_BASE = "https://samverkan.se/fhir/StructureDefinition/";
  /** Ours: the extension carrying SCB's kommunkod (profiles/terminology/StructureDefinition-kommunkod.json). */
  public static final String KOMMUNKOD_EXTENSION = "https://samverkan.se/fhir/StructureDefinition/kommunkod";

  // --- Ours: code systems (each defined in profiles/) ---

  /** Ours: SCB's municipality codes, which no one else gives a FHIR system (profiles/terminology/CodeSystem-kommunkod.json). */
  public static final String KOMMUNKOD = "https://samverkan.se/fhir/CodeSystem/kommunkod";
  /** Ours: assessment instruments with no SNOMED CT or LOINC code, such as NEWS2 (profiles/observation/CodeSystem-instrument.json). */
  public static final String INSTRUMENT = "https://samverkan.se/fhir/CodeSystem/instrument";
  /** Ours: inclusion criteria of the ED screening (profiles/observation/CodeSystem-inclusion-criterion.json). */
  public static final String INCLUSION_CRITERION = "https://samverkan.se/fhir/CodeSystem/inclusion-criterion";
  /** Ours: care plan types no national code covers, such as AMP (profiles/careplan/CodeSystem-careplan-type.json). */
  public static final String CAREPLAN_TYPE = "https://samverkan.se/fhir/CodeSystem/careplan-type";
  /** Ours: the kind of huvudman, region, kommun or private (profiles/terminology/CodeSystem-huvudman-type.json). */
  public static final String HUVUDMAN_TYPE = "https://samverkan.se/fhir/CodeSystem/huvudman-type";
  /** Ours: coordination Tasks (profiles/task/CodeSystem-coordination-task.json; profiles/task/RULES.md). */
  public static final String COORDINATION_TASK = "https://samverkan.se/fhir/CodeSystem/coordination-task";
  /** Ours: roles in coordinated care that no national code system names (profiles/terminology/CodeSystem-role.json, ROLES.md). */
  public static final String ROLE = "https://samverkan.se/fhir/CodeSystem/role";
  /** Ours: the id of a message of ours in an OperationOutcome's {@code issue.details.coding} (docs/integration-guide.md). */
  public static final String MESSAGE = "https://samverkan.se/fhir/CodeSystem/message";

  // --- Ours: tags and labels the server writes (docs/security.md) ---

  /** Ours: {@code meta.tag} naming the care provider that owns a resource. */
  public static final String OWNER_CARE_PROVIDER = "https://samverkan.se/fhir/CodeSystem/owner-care-provider";
  /** Ours: {@code meta.tag} naming the unit that owns a resource. */
  public static final String OWNER_UNIT = "https://samverkan.se/fhir/CodeSystem/owner-unit";
  /** Ours: {@code meta.tag} on an AuditEvent naming each care provider the access concerns. */
  public static final String AUDIT_CONCERNS = "https://samverkan.se/fhir/CodeSystem/audit-concerns";
  /**
   * Ours: {@code meta.security} on an AuditEvent saying how access was granted when it rests on the
   * reader's own word: {@code attested} marks an event in which data was shown because the reader
   * itself recorded the care relation or the patient's consent (docs/security.md). Log reviewers
   * search for it with {@code _security}.
   */
  public static final String ACCESS_BASIS = "https://samverkan.se/fhir/CodeSystem/access-basis";

  // --- Ours: consent policies (docs/security.md) ---

  /** Ours: consent to shared documentation in Samverkan (lag 2022:913). */
  public static final String SHARED_DOCUMENTATION_POLICY = "https://samverkan.se/fhir/policy/sammanhallen-dokumentation";
  /** Ours: consent to a SIP, which covers sharing between region and kommun for it (HSL 16 kap. 4 §). */
  public static final String SIP_CONSENT_POLICY = "https://samverkan.se/fhir/policy/sip-samtycke";
  /** Ours: a block (spärr) the owning care provider set at the patient's request. */
  public static final String SPARR_POLICY = "https://samverkan.se/fhir/policy/sparr";

  // --- Ours: identifier systems ---

  /** Ours: the subject of the caller's token, as an AuditEvent names its requesting agent (audit/AuditInterceptor). */
  public static final String TOKEN_SUBJECT = "https://samverkan.se/fhir/NamingSystem/token-subject";
  /** Ours: a Task a coordination rule made, {@code <code>:<focus>:<owner>} (docs/notifications.md). */
  public static final String COORDINATION_RULE = "https://samverkan.se/fhir/coordination-rule";
  /** Ours: the id of an example or generated resource, for conditional updates (examples/README.md). */
  public static final String EXAMPLE_ID = "https://samverkan.se/fhir/example-id";
}
