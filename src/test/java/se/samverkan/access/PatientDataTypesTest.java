package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Types outside FHIR R4's Patient compartment that carry a patient's data — a Task (LUSEN
 * messages, "Ring Astrid …"), a Binary, a stored Bundle — are read under the sharing rule like
 * any other patient data (docs/security.md, "What each type is"), on every path.
 */
class PatientDataTypesTest extends FhirServerTest {

  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";

  private String vc;
  private String ronneby;
  private String karlskrona;
  private IdType ronnebyOrg;

  @BeforeEach
  void callers() {
    String scopes = "system/*.read system/*.write";
    vc = "Bearer " + tokens.token("vc-ronneby", "SE2321000081-SV2081", TestTokens.REGION, "journal-system", scopes);
    ronneby = "Bearer " + tokens.token("kommun-ronneby", KOMMUN_RONNEBY, KOMMUN_RONNEBY, "journal-system", scopes);
    karlskrona = "Bearer " + tokens.token("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA, "journal-system", scopes);
    loadJourneys();
    ronnebyOrg = new IdType("Organization", idOf("Organization", Journeys.KOMMUN_RONNEBY));
  }

  @Test
  void aTaskABinaryAndAStoredBundleAboutAPatientAreReadOnlyUnderTheSharingRule() {
    IdType patient = createAs(vc, TestPeople.patient());
    createAs(vc, TestData.careTeam(patient, ronnebyOrg));
    Task task = new Task().setStatus(Task.TaskStatus.REQUESTED).setIntent(Task.TaskIntent.ORDER);
    task.setDescription("Ring patienten om läkemedelsändringen");
    task.setFor(new Reference(patient)).setOwner(new Reference(ronnebyOrg));
    IdType taskId = createAs(vc, task);
    Binary binary = new Binary().setContentType("text/plain");
    binary.setData("Epikris".getBytes(StandardCharsets.UTF_8)).setSecurityContext(new Reference(patient));
    IdType binaryId = createAs(vc, binary);
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Vikt").getCodingFirstRep().setSystem("http://loinc.org").setCode("29463-7");
    observation.setSubject(new Reference(patient));
    Bundle document = new Bundle().setType(Bundle.BundleType.COLLECTION);
    document.addEntry().setFullUrl("urn:uuid:1").setResource(observation);
    IdType bundleId = createAs(vc, document);
    List<IdType> data = List.of(taskId, binaryId, bundleId);

    // No consent yet: neither the addressee nor an outsider reads any of it, on any path.
    for (String reader : List.of(ronneby, karlskrona)) {
      assertHidden(reader, data, patient);
    }

    createAs(vc, TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT));
    for (IdType id : data) {
      assertThat(get("/" + id.getValue(), "Authorization", ronneby).statusCode())
          .as("the kommun in the region's team, with the region's consent: " + id.getValue()).isEqualTo(200);
    }
    assertHidden(karlskrona, data, patient);
  }

  /**
   * FHIR's workflow pattern: the organization a Task is addressed to reports its progress (closes
   * the inskrivningsmeddelande it was sent) though the sender owns the Task; it changes nothing
   * else, and nobody else may.
   */
  @Test
  void theKommunATaskIsAddressedToMayCloseItAndChangeNothingElse() {
    IdType patient = createAs(vc, TestPeople.patient());
    createAs(vc, TestData.careTeam(patient, ronnebyOrg));
    createAs(vc, TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT));
    Task task = new Task().setStatus(Task.TaskStatus.REQUESTED).setIntent(Task.TaskIntent.ORDER);
    task.setDescription("Inskrivningsmeddelande");
    task.setFor(new Reference(patient)).setOwner(new Reference(ronnebyOrg));
    IdType id = createAs(vc, task);
    Task stored = parse(Task.class, get("/" + id.getValue(), "Authorization", ronneby));

    Task rewritten = stored.copy().setDescription("Något annat");
    assertThat(send("PUT", "/" + id.getValue(), json(rewritten), "Authorization", ronneby).statusCode())
        .as("the addressee changes what the sender wrote").isEqualTo(403);
    Task done = stored.copy().setStatus(Task.TaskStatus.COMPLETED);
    done.addNote().setText("Planering påbörjad");
    assertThat(send("PUT", "/" + id.getValue(), json(done), "Authorization", karlskrona).statusCode())
        .as("somebody it is not addressed to").isEqualTo(403);
    HttpResponse<String> closed = send("PUT", "/" + id.getValue(), json(done), "Authorization", ronneby);
    assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
    Task after = parse(Task.class, get("/" + id.getValue(), "Authorization", vc));
    assertThat(after.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
    assertThat(Ownership.careProvider(after)).as("still the sender's").contains(TestTokens.REGION);
  }

  private void assertHidden(String reader, List<IdType> data, IdType patient) {
    for (IdType id : data) {
      assertThat(get("/" + id.getValue(), "Authorization", reader).statusCode()).as(id.getValue()).isEqualTo(404);
      Bundle search = parse(Bundle.class, get("/" + id.getResourceType() + "?_id=" + id.getIdPart(), "Authorization", reader));
      assertThat(search.getEntry()).as("search " + id.getValue()).isEmpty();
    }
    Bundle tasks = parse(Bundle.class, get("/Task?patient=" + patient.getValue(), "Authorization", reader));
    assertThat(tasks.getEntry()).isEmpty();
    String everything = get("/" + patient.getValue() + "/$everything", "Authorization", reader).body();
    assertThat(everything).doesNotContain(data.get(0).getIdPart());
  }

  private IdType createAs(String authorization, Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return new IdType(id.getResourceType(), id.getIdPart());
  }
}
