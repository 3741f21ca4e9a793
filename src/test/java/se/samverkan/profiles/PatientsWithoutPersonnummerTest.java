package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * The unidentified patients of an ED — a regional reservnummer, an LMA-nummer, a nationellt
 * reservnummer in either form HL7 Sweden shows — are patients like any other: stored, and carried
 * through a journey. A value in the wrong form for its system is refused with 422.
 */
class PatientsWithoutPersonnummerTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BLEKINGE = "urn:oid:1.2.752.74.9.5";

  static Stream<Arguments> identifiersOfPatientsWithoutPersonnummer() {
    // Values are the examples HL7 Sweden gives for each system (basprofiler-r4, branch
    // 51-restrict-the-personnummer-slice, PatientIdentifierConformancePatternSE), or made in their form.
    return Stream.of(
        Arguments.of("Region Blekinge reservnummer", BLEKINGE, "19500101AB1C"),
        Arguments.of("Region Blekinge reservnummer as HL7 Sweden's example writes it", BLEKINGE, "20200501-AA8A"),
        Arguments.of("Region Stockholm reservnummer", "https://uid.regionstockholm.se/reservnummer", "991981000010"),
        Arguments.of("Region Stockholm (SLL) reservnummer under Inera's old OID", "urn:oid:1.2.752.97.3.1.3", "991981000010"),
        Arguments.of("Västra Götalandsregionen reservnummer", "urn:oid:1.2.752.113.11.0.2.1.1.1", "19810829M071"),
        Arguments.of("Region Skåne reservnummer", "urn:oid:1.2.752.219.1.10.10.1", "810829DA1B"),
        Arguments.of("Region Värmland reservnummer", "urn:oid:1.2.752.74.9.2", "19810829SU3A"),
        Arguments.of("Region Örebro län reservnummer", "urn:oid:1.2.752.74.9.3", "19810829TB1F"),
        Arguments.of("Region Västernorrland reservnummer", "urn:oid:1.2.752.269.1.1", "20100101014R"),
        Arguments.of("Region Sörmland reservnummer (1)", "urn:oid:1.2.752.266.1.1.1", "19600606AA1G"),
        Arguments.of("Region Sörmland reservnummer (2)", "urn:oid:1.2.752.266.1.1.2", "18500101N123"),
        Arguments.of("Inera CareLink reservnummer", "urn:oid:1.2.752.129.2.1.3.2", "198108320014"),
        Arguments.of("LMA-nummer", "http://electronichealth.se/identifier/LMA-nummer", "LMA-12345678"),
        Arguments.of("nationellt reservnummer, HL7 Sweden 1.1.0's example", Vocabulary.NATIONELLT_RESERVNUMMER, "20210325K069"),
        Arguments.of("nationellt reservnummer, the national form", Vocabulary.NATIONELLT_RESERVNUMMER, "22950606-FH20"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("identifiersOfPatientsWithoutPersonnummer")
  void aPatientIdentifiedOnlyByThisIsStored(String what, String system, String value) throws Exception {
    HttpResponse<String> response = send("POST", "/Patient", patientWith(system, value));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  static Stream<Arguments> malformedIdentifiers() {
    return Stream.of(
        Arguments.of("Region Blekinge reservnummer without its letters", BLEKINGE, "195001011234", "Region Blekinge"),
        Arguments.of("Västra Götalandsregionen reservnummer with a letter VGR does not use",
            "urn:oid:1.2.752.113.11.0.2.1.1.1", "19810829A071", "Västra Götalandsregionen"),
        Arguments.of("Region Stockholm reservnummer not starting with 99", "https://uid.regionstockholm.se/reservnummer",
            "981981000010", "Region Stockholm"),
        Arguments.of("Region Stockholm (SLL) reservnummer not starting with 99", "urn:oid:1.2.752.97.3.1.3", "981981000010", "Region Stockholm"),
        Arguments.of("nationellt reservnummer of another form", Vocabulary.NATIONELLT_RESERVNUMMER, "2021-03-25", "nationellt reservnummer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedIdentifiers")
  void aValueInTheWrongFormForItsSystemIsRefusedSayingWhatTheFormIs(
      String what, String system, String value, String words) throws Exception {
    HttpResponse<String> response = send("POST", "/Patient", patientWith(system, value));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(outcome(response).getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> {
          assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("Patient.identifier[0].value"));
          assertThat(issue.getDiagnostics()).contains(words).doesNotContain(value);
        });
  }

  @Test
  void aBlekingeReservnummerPatientGoesThroughJourneyAEndToEnd() throws Exception {
    // The county's units and staff as a copy with HSA-ids of their own: other tests count what the
    // real county's units have to do exactly (WorklistQueriesTest).
    loadCountyCopy();
    String reservnummer = "19390314AC4D";
    // Journey (a) as committed, for an unidentified woman the ED gave a Blekinge reservnummer,
    // with business identifiers of her own so it does not touch Astrid's journey.
    String journey = Files.readString(Path.of("examples/10-journey-a-ed-followup.json"))
        .replace(HSA_UNIT, COPY_UNIT)
        .replace("journey-a-", "journey-a-reservnummer-")
        .replace("http://electronichealth.se/identifier/personnummer|193903149825", BLEKINGE + "|" + reservnummer);
    ObjectNode bundle = (ObjectNode) JSON.readTree(journey);
    ObjectNode patient = (ObjectNode) bundle.at("/entry/0/resource");
    assertThat(patient.get("resourceType").asText()).isEqualTo("Patient");
    ((ObjectNode) patient.at("/identifier/0")).put("system", BLEKINGE).put("value", reservnummer);
    patient.putArray("name").addObject().put("text", "Okänd kvinna");
    // Her address is not known either; and other tests count the patients living in each kommun.
    patient.remove("address");

    HttpResponse<String> response = send("POST", "", JSON.writeValueAsString(bundle));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Bundle result = parse(Bundle.class, response);
    assertThat(result.getEntry()).hasSize(bundle.get("entry").size())
        .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("20"));
    String patientId = idOf("Patient", BLEKINGE + "|" + reservnummer);
    // The follow-up call, the nurse's worklist item, is hers and found by her reservnummer.
    Bundle calls = searchBundle("/Task?patient.identifier=" + BLEKINGE + "%7C" + reservnummer
        + "&code=https://samverkan.se/fhir/CodeSystem/coordination-task%7Cuppfoljning-akutbesok");
    assertThat(calls.getEntry()).hasSize(1);
    Task call = (Task) calls.getEntryFirstRep().getResource();
    assertThat(call.getFor().getReference()).isEqualTo("Patient/" + patientId);
    assertThat(call.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    for (String type : new String[] {"Encounter", "Observation", "Condition", "CareTeam", "CarePlan", "Goal"}) {
      String param = type.equals("Goal") || type.equals("CareTeam") || type.equals("CarePlan") ? "patient" : "subject";
      assertThat(countAll("/" + type + "?" + param + "=Patient/" + patientId)).as(type).isPositive();
    }
  }

  private static final String HSA_UNIT = "-SV";
  private static final String COPY_UNIT = "-RNSV";

  private void loadCountyCopy() throws Exception {
    ObjectNode county = (ObjectNode) JSON.readTree(
        Files.readString(Path.of("examples/00-county.json")).replace(HSA_UNIT, COPY_UNIT));
    for (JsonNode entry : county.path("entry")) {
      for (JsonNode identifier : entry.path("resource").path("identifier")) {
        if ("urn:oid:2.5.4.97".equals(identifier.path("system").asText())) {
          String nine = "98" + identifier.path("value").asText().substring(2, 9);
          ((ObjectNode) identifier).put("value", nine + SwedishPersonIdentifiers.luhn(nine));
        }
      }
    }
    HttpResponse<String> response = send("POST", "", JSON.writeValueAsString(county));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static String patientWith(String system, String value) throws Exception {
    ObjectNode patient = (ObjectNode) JSON.readTree(ProfileExamples.read("patient/examples/Patient-example-greta.json"));
    patient.remove("id");
    patient.remove("birthDate");
    patient.putArray("identifier").addObject().put("system", system).put("value", value);
    patient.putArray("name").addObject().put("text", "Okänd person");
    patient.remove("address"); // not known; and other tests count the patients living in each kommun
    return JSON.writeValueAsString(patient);
  }
}
