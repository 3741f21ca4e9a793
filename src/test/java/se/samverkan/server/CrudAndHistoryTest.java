package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

class CrudAndHistoryTest extends FhirServerTest {

  @Test
  void createReadUpdateAndVreadKeepEveryVersion() {
    Patient patient = TestPeople.patient();
    IdType id = (IdType) client.create().resource(patient).execute().getId();
    assertThat(id.getVersionIdPart()).isEqualTo("1");

    Patient read = client.read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute();
    read.getNameFirstRep().setFamily("Andersson");
    MethodOutcome updated = client.update().resource(read).execute();
    assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");

    Patient version1 = client.read().resource(Patient.class).withId(id.withVersion("1")).execute();
    Patient version2 = client.read().resource(Patient.class).withId(id.withVersion("2")).execute();
    assertThat(version1.getNameFirstRep().getFamily()).isEqualTo("Testsson");
    assertThat(version2.getNameFirstRep().getFamily()).isEqualTo("Andersson");
  }

  /**
   * A contained resource (the scale that weighed the patient) is part of what is written and what
   * the answer shows; it is not judged as a resource of its own (it names no patient).
   */
  @Test
  void aResourceWithAContainedResourceIsWrittenAndShownWhole() {
    IdType patient = create(TestPeople.patient());
    org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation()
        .setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
    observation.getCode().setText("Vikt");
    observation.setSubject(new org.hl7.fhir.r4.model.Reference(patient));
    org.hl7.fhir.r4.model.Device scale = new org.hl7.fhir.r4.model.Device();
    scale.setId("scale");
    scale.addDeviceName().setName("Personvåg").setType(org.hl7.fhir.r4.model.Device.DeviceNameType.USERFRIENDLYNAME);
    observation.addContained(scale);
    observation.setDevice(new org.hl7.fhir.r4.model.Reference("#scale"));

    HttpResponse<String> created = send("POST", "/Observation", json(observation));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.body()).contains("Personvåg");
    String location = created.headers().firstValue("Location").orElseThrow();
    assertThat(get("/Observation/" + new IdType(location).getIdPart()).body()).contains("Personvåg");
  }

  @Test
  void readCarriesTheVersionAsETag() {
    IdType id = (IdType) client.create().resource(TestPeople.patient()).execute().getId();

    HttpResponse<String> response = get("/Patient/" + id.getIdPart());
    assertThat(response.headers().firstValue("ETag")).hasValue("W/\"1\"");
    assertThat(response.headers().firstValue("Last-Modified")).isPresent();
  }

  @Test
  void jsonPatchAndFhirPathPatchChangeOnlyWhatTheyName() {
    IdType id = (IdType) client.create().resource(TestPeople.patient()).execute().getId();

    HttpResponse<String> jsonPatch =
        send(
            "PATCH",
            "/Patient/" + id.getIdPart(),
            "[{\"op\":\"replace\",\"path\":\"/gender\",\"value\":\"other\"}]",
            "Content-Type",
            "application/json-patch+json");
    assertThat(jsonPatch.statusCode()).as(jsonPatch.body()).isEqualTo(200);

    String fhirPathPatch =
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
            + "{\"name\":\"type\",\"valueCode\":\"add\"},"
            + "{\"name\":\"path\",\"valueString\":\"Patient\"},"
            + "{\"name\":\"name\",\"valueString\":\"active\"},"
            + "{\"name\":\"value\",\"valueBoolean\":false}]}]}";
    HttpResponse<String> fhirPatch = send("PATCH", "/Patient/" + id.getIdPart(), fhirPathPatch);
    assertThat(fhirPatch.statusCode()).as(fhirPatch.body()).isEqualTo(200);

    Patient patched = client.read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute();
    assertThat(patched.getGender().toCode()).isEqualTo("other");
    assertThat(patched.getActive()).isFalse();
    assertThat(patched.getNameFirstRep().getFamily()).isEqualTo("Testsson");
    assertThat(patched.getMeta().getVersionId()).isEqualTo("3");
  }

  @Test
  void deletedResourcesAreGoneButTheirHistoryRemains() {
    IdType id = (IdType) client.create().resource(TestPeople.patient()).execute().getId();

    client.delete().resourceById(id.toUnqualifiedVersionless()).execute();

    assertThatThrownBy(
            () -> client.read().resource(Patient.class).withId(id.toUnqualifiedVersionless()).execute())
        .isInstanceOf(ResourceGoneException.class);
    assertThat(get("/Patient/" + id.getIdPart()).statusCode()).isEqualTo(410);
    Bundle history =
        client.history().onInstance(id.toUnqualifiedVersionless()).returnBundle(Bundle.class).execute();
    assertThat(history.getEntry()).hasSize(2);
  }

  @Test
  void historyAtInstanceTypeAndSystemLevel() {
    IdType patientId = (IdType) client.create().resource(TestPeople.patient()).execute().getId();
    CarePlan plan = TestData.carePlan(patientId.toUnqualifiedVersionless());
    plan.setStatus(CarePlan.CarePlanStatus.DRAFT);
    IdType planId = (IdType) client.create().resource(plan).execute().getId();
    plan.setId(planId.toUnqualifiedVersionless());
    plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
    client.update().resource(plan).execute();

    Bundle instance =
        client.history().onInstance(planId.toUnqualifiedVersionless()).returnBundle(Bundle.class).execute();
    assertThat(instance.getType()).isEqualTo(Bundle.BundleType.HISTORY);
    assertThat(instance.getEntry()).extracting(e -> e.getResource().getMeta().getVersionId())
        .containsExactly("2", "1");

    Bundle type = client.history().onType(CarePlan.class).returnBundle(Bundle.class).count(500).execute();
    assertThat(type.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .contains(planId.getIdPart())
        .allSatisfy(idPart -> assertThat(idPart).isNotBlank());
    assertThat(type.getEntry()).allMatch(e -> e.getResource() instanceof CarePlan);

    Bundle system = client.history().onServer().returnBundle(Bundle.class).count(500).execute();
    assertThat(system.getEntry()).filteredOn(Bundle.BundleEntryComponent::hasResource) // deletions have none
        .extracting(e -> e.getResource().getIdElement().toUnqualified().getValue())
        .contains(
            "Patient/" + patientId.getIdPart() + "/_history/1",
            "CarePlan/" + planId.getIdPart() + "/_history/2");
  }
}
