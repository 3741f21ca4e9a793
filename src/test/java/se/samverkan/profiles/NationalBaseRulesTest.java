package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * The rules of HL7 Sweden's base profiles (hl7se.fhir.base 1.1.0: SEBasePatient, SEBaseOrganization,
 * SEBasePractitioner) that our profiles copy, so that what the server stores is valid Swedish base
 * data: each one broken is refused with 422, and a resource that keeps it is stored.
 */
class NationalBaseRulesTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PATIENT = "patient/examples/Patient-example-greta.json";
  private static final String ORGANIZATION = "organization/examples/Organization-example-vardcentral-ronneby.json";
  private static final String PRACTITIONER = "practitioner/examples/Practitioner-example-anna.json";
  private static final String ADDRESS_TYPE = "http://hl7.se/fhir/ig/base/StructureDefinition/SEBaseAddressPersonExtension";
  /** folkbokföringsadress, SNOMED CT SE (HL7 Sweden's SEBaseAddressPersonVS). */
  private static final String FOLKBOKFORINGSADRESS = "63381000052101";
  /** uppgiven adress, SNOMED CT SE (HL7 Sweden's SEBaseAddressPersonVS). */
  private static final String UPPGIVEN_ADRESS = "63411000052104";

  static Stream<Arguments> brokenNationalBaseRules() {
    return Stream.of(
        Arguments.of("a Patient with two names (SEBasePatient: name 0..1)", PATIENT,
            (Consumer<ObjectNode>) p -> ((ArrayNode) p.get("name")).addObject().put("family", "Andranamn"), "Patient.name"),
        Arguments.of("a Practitioner with two names (SEBasePractitioner: name 0..1)", PRACTITIONER,
            (Consumer<ObjectNode>) p -> ((ArrayNode) p.get("name")).addObject().put("family", "Andranamn"), "Practitioner.name"),
        Arguments.of("an Organization's HSA-id typed as an organisationsnummer (SEBaseOrganization: hsaid type PRN)",
            ORGANIZATION, (Consumer<ObjectNode>) o -> typed((ObjectNode) o.at("/identifier/0"), "XX"), "Organization.identifier"),
        Arguments.of("an organisationsnummer typed as an HSA-id (SEBaseOrganization: organizationIdentifier type XX)",
            ORGANIZATION, (Consumer<ObjectNode>) o -> typed(((ArrayNode) o.get("identifier")).addObject()
                .put("system", "urn:oid:2.5.4.97").put("value", "2321000081"), "PRN"), "Organization.identifier"),
        Arguments.of("a Practitioner's HSA-id typed as an organisationsnummer (SEBasePractitioner: hsaid type PRN)",
            PRACTITIONER, (Consumer<ObjectNode>) p -> typed((ObjectNode) p.at("/identifier/0"), "XX"), "Practitioner.identifier"),
        Arguments.of("two legitimationsnummer in one qualification (SEBasePractitioner: legitimation 0..1)", PRACTITIONER,
            (Consumer<ObjectNode>) p -> {
              ArrayNode identifiers = p.putArray("qualification").addObject().putArray("identifier");
              identifiers.addObject().put("system", "urn:oid:1.2.752.116.3.1.1").put("value", "L1");
              identifiers.addObject().put("system", "urn:oid:1.2.752.116.3.1.1").put("value", "L2");
              ((ObjectNode) p.at("/qualification/0")).putObject("code").put("text", "Sjuksköterska");
            }, "Practitioner.qualification"),
        Arguments.of("a Patient address with two official address types (SEBasePatient: officialAddressType 0..1)", PATIENT,
            (Consumer<ObjectNode>) p -> {
              addressType((ObjectNode) p.at("/address/0"), FOLKBOKFORINGSADRESS);
              addressType((ObjectNode) p.at("/address/0"), UPPGIVEN_ADRESS);
            }, "samverkan-addr-1"),
        Arguments.of("a Patient address type that is none of HL7 Sweden's four (SEBaseAddressPersonVS, required)", PATIENT,
            (Consumer<ObjectNode>) p -> addressType((ObjectNode) p.at("/address/0"), "64281000052109"), "samverkan-addr-1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenNationalBaseRules")
  void whatBreaksANationalBaseRuleIsRefused(String what, String example, Consumer<ObjectNode> change, String where)
      throws Exception {
    ObjectNode resource = example(example);
    change.accept(resource);

    HttpResponse<String> response = send("POST", "/" + resource.get("resourceType").asText(), JSON.writeValueAsString(resource));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(outcome(response).getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> assertThat(issue.getDiagnostics() + " " + issue.getExpression()).contains(where));
  }

  @Test
  void aPatientWithOneNameAndAFolkbokforingsadressIsStored() throws Exception {
    ObjectNode patient = example(PATIENT);
    // A person of her own (other tests count Greta's records, and the patients of each kommun).
    ((ObjectNode) patient.at("/identifier/0")).put("value", "193503139804");
    patient.remove("birthDate");
    ((ObjectNode) patient.at("/address/0")).remove("extension");
    addressType((ObjectNode) patient.at("/address/0"), FOLKBOKFORINGSADRESS);

    HttpResponse<String> response = send("POST", "/Patient", JSON.writeValueAsString(patient));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  @Test
  void identifiersTypedAsHl7SwedenTypesThemAreStored() throws Exception {
    ObjectNode organization = example(ORGANIZATION);
    ((ObjectNode) organization.at("/identifier/0")).put("value", "SE2321000081-NBTYPE01");
    typed((ObjectNode) organization.at("/identifier/0"), "PRN");
    typed(((ArrayNode) organization.get("identifier")).addObject().put("system", "urn:oid:2.5.4.97").put("value", "2321000081"), "XX");
    ObjectNode practitioner = example(PRACTITIONER);
    ((ObjectNode) practitioner.at("/identifier/0")).put("value", "SE2321000081-NBTYPE02");
    typed((ObjectNode) practitioner.at("/identifier/0"), "PRN");

    assertThat(send("POST", "/Organization", JSON.writeValueAsString(organization)).statusCode()).isEqualTo(201);
    assertThat(send("POST", "/Practitioner", JSON.writeValueAsString(practitioner)).statusCode()).isEqualTo(201);
  }

  /** The example as a new resource: no id, no reference to another example. */
  private static ObjectNode example(String file) throws Exception {
    ObjectNode resource = (ObjectNode) JSON.readTree(ProfileExamples.read(file));
    resource.remove("id");
    resource.remove("partOf");
    resource.remove("generalPractitioner");
    return resource;
  }

  private static ObjectNode typed(ObjectNode identifier, String v20203) {
    identifier.putObject("type").putArray("coding").addObject()
        .put("system", "http://terminology.hl7.org/CodeSystem/v2-0203").put("code", v20203);
    return identifier;
  }

  private static void addressType(ObjectNode address, String snomed) {
    ArrayNode extensions = address.has("extension") ? (ArrayNode) address.get("extension") : address.putArray("extension");
    extensions.addObject().put("url", ADDRESS_TYPE).putObject("valueCodeableConcept").putArray("coding").addObject()
        .put("system", "http://snomed.info/sct").put("code", snomed);
  }
}
