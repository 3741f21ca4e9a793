package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.ProfileExamples;

/**
 * The measurements NEWS2 is computed from that have a profile of their own (respiratory rate,
 * ACVPU) and the MNA-SF nutrition screening in the journeys. Every resource is sent without
 * {@code meta.profile}, so the profile is the one strict mode picks by the Observation's code.
 */
class News2ParametersAndNutritionTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RESPIRATORY_RATE = "observation/examples/Observation-example-respiratory-rate.json";
  private static final String ACVPU = "observation/examples/Observation-example-acvpu.json";
  private static final String NEWS2 = "observation/examples/Observation-example-news2.json";

  @Test
  void aRespiratoryRateInBreathsPerMinuteIsStored() throws Exception {
    HttpResponse<String> response = post(example(RESPIRATORY_RATE));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  @Test
  void aRespiratoryRateWithoutItsUnitIsRefused() throws Exception {
    ObjectNode rate = example(RESPIRATORY_RATE);
    ((ObjectNode) rate.get("valueQuantity")).remove(List.of("unit", "system", "code"));

    HttpResponse<String> response = post(rate);

    assertRefused(response, "Observation.value");
  }

  @Test
  void aRespiratoryRateInAnotherUnitThanPerMinuteIsRefused() throws Exception {
    ObjectNode rate = example(RESPIRATORY_RATE);
    ((ObjectNode) rate.get("valueQuantity")).put("unit", "breaths/hour").put("code", "/h");

    HttpResponse<String> response = post(rate);

    assertRefused(response, "Observation.value");
    assertThat(response.body()).contains("/min");
  }

  @Test
  void eachOfTheFiveACVPUAnswersIsStored() throws Exception {
    // The five LOINC answers of 67775-7 (HL7 Belgium patient-monitoring IG, carepath table).
    for (String answer : List.of("LA9340-6", "LA6560-2", "LA17108-4", "LA17107-6", "LA9343-0")) {
      ObjectNode acvpu = example(ACVPU);
      ObjectNode value = (ObjectNode) acvpu.get("valueCodeableConcept");
      ((ObjectNode) value.at("/coding/0")).put("code", answer).remove("display");
      value.remove("text");

      HttpResponse<String> response = post(acvpu);

      assertThat(response.statusCode()).as(answer + ": " + response.body()).isEqualTo(201);
    }
  }

  @Test
  void anACVPUAnswerOutsideTheFiveIsRefused() throws Exception {
    ObjectNode acvpu = example(ACVPU);
    // LA6566-9 "Localizing pain" is a real LOINC answer, of the Glasgow coma scale (FHIR R4
    // questionnaireresponse-example-gcs), not of ACVPU.
    ((ObjectNode) acvpu.at("/valueCodeableConcept/coding/0")).put("code", "LA6566-9").put("display", "Localizing pain");

    HttpResponse<String> response = post(acvpu);

    assertRefused(response, "Observation.value");
    assertThat(response.body()).contains("https://samverkan.se/fhir/ValueSet/acvpu");
  }

  @Test
  void anACVPUWrittenAsFreeTextIsRefused() throws Exception {
    ObjectNode acvpu = example(ACVPU);
    acvpu.remove("valueCodeableConcept");
    acvpu.put("valueString", "A");

    HttpResponse<String> response = post(acvpu);

    assertRefused(response, "Observation");
  }

  @Test
  void aNews2DerivedFromAQuestionnaireResponseIsRefused() throws Exception {
    // Core R4 allows a QuestionnaireResponse here; our NEWS2 is derived from measurements only.
    String answers = create(new org.hl7.fhir.r4.model.QuestionnaireResponse()
        .setStatus(org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED)
        .setSubject(new Reference("Patient/example-greta"))).getValue();
    ObjectNode news2 = example(NEWS2);
    ((ObjectNode) news2.at("/derivedFrom/0")).put("reference", answers);

    HttpResponse<String> response = post(news2);

    assertRefused(response, "Observation.derivedFrom");
  }

  @Test
  void theNews2ExampleIsDerivedFromTheStoredRespiratoryRateAndACVPU() {
    Observation news2 = client.read().resource(Observation.class).withId("example-news2").execute();

    assertThat(news2.getDerivedFrom()).extracting(Reference::getReference)
        .containsExactly("Observation/example-respiratory-rate", "Observation/example-acvpu");
    assertThat(codesOf(news2.getDerivedFrom())).containsExactly("9279-1", "67775-7");
  }

  @Test
  void journeyBsNews2OfFiveIsDerivedFromARespiratoryRateThatScoresTwoAndAnAlertACVPU() {
    loadJourneys();
    Observation news2 = one("/Observation?identifier=" + Journeys.EXAMPLE_ID + "%7Cjourney-b-news2-2");

    Map<String, Observation> sources = new java.util.HashMap<>();
    for (Reference source : news2.getDerivedFrom()) {
      Observation measured = client.read().resource(Observation.class).withId(source.getReferenceElement()).execute();
      sources.put(measured.getCode().getCodingFirstRep().getCode(), measured);
    }

    assertThat(sources).containsKeys("9279-1", "67775-7");
    // RCP 2017 NEWS2 chart: 21-24 breaths/min score 2; the total's component says 2.
    assertThat(sources.get("9279-1").getValueQuantity().getValue().intValue()).isBetween(21, 24);
    assertThat(component(news2, "news2-respiration-rate")).isEqualTo(2);
    assertThat(sources.get("67775-7").getValueCodeableConcept().getCodingFirstRep().getCode()).isEqualTo("LA9340-6");
    assertThat(component(news2, "news2-consciousness")).isZero();
  }

  @Test
  void journeyAsMnaSfIsFoundByItsLoincCodeAndPatient() {
    loadJourneys();
    String astrid = idOf("Patient", Journeys.ASTRID);

    Bundle found = searchBundle("/Observation?code=http://loinc.org%7C107114-1&patient=Patient/" + astrid);

    assertThat(found.getEntry()).hasSize(1);
    Observation mnaSf = (Observation) found.getEntryFirstRep().getResource();
    assertThat(mnaSf.getIdentifierFirstRep().getValue()).isEqualTo("journey-a-mna-sf-1");
    assertThat(mnaSf.getValueIntegerType().getValue()).as("8-11: at risk of malnutrition").isBetween(8, 11);
    assertThat(client.read().resource(Observation.class).withId(mnaSf.getIdElement().getIdPart()).execute()
        .getCode().getCodingFirstRep().getCode()).isEqualTo("107114-1");
  }

  // ---------------------------------------------------------------- helpers

  private static ObjectNode example(String relative) throws Exception {
    ObjectNode resource = (ObjectNode) JSON.readTree(ProfileExamples.read(relative));
    resource.remove("id");
    resource.remove("meta"); // strict mode must find the profile by the code alone
    return resource;
  }

  private HttpResponse<String> post(ObjectNode observation) throws Exception {
    return send("POST", "/Observation", JSON.writeValueAsString(observation));
  }

  private void assertRefused(HttpResponse<String> response, String path) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(outcome(response).getIssue()).as(response.body())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith(path)));
  }

  private List<String> codesOf(List<Reference> references) {
    return references.stream()
        .map(r -> client.read().resource(Observation.class).withId(r.getReferenceElement()).execute())
        .map(o -> o.getCode().getCodingFirstRep().getCode())
        .toList();
  }

  private Observation one(String search) {
    Bundle found = searchBundle(search);
    assertThat(found.getEntry()).as(search).hasSize(1);
    return (Observation) found.getEntryFirstRep().getResource();
  }

  private static int component(Observation news2, String code) {
    return news2.getComponent().stream()
        .filter(c -> c.getCode().getCodingFirstRep().getCode().equals(code))
        .findFirst().orElseThrow().getValueIntegerType().getValue();
  }
}
