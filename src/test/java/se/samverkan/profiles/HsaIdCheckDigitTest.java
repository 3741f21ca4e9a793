package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * An HSA-id is SE, the ten digits of the organisationsnummer it was issued under, a hyphen and a
 * local part; the organisationsnummer's last digit is a Luhn check digit, so a wrong one there is
 * a mistyped HSA-id, refused like a mistyped organisationsnummer.
 */
class HsaIdCheckDigitTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HSA = "urn:oid:1.2.752.29.4.19";

  @ParameterizedTest(name = "{0} {1} ({2})")
  @CsvSource(delimiter = '|', value = {
    "organization/examples/Organization-example-vardcentral-ronneby.json|SE2321000131-P000000123457|VGR, HL7 Sweden's example",
    "organization/examples/Organization-example-vardcentral-ronneby.json|SE2321000081-HSACHK01|Region Blekinge, as in the examples",
    "practitioner/examples/Practitioner-example-anna.json|SE2321000131-HSACHK02|VGR",
    "practitioner/examples/Practitioner-example-anna.json|SE2120000829-HSACHK03|Karlskrona kommun, as in the examples"
  })
  void anHsaIdWhoseOrganisationsnummerHasARightCheckDigitIsStored(String example, String hsaId, String whose) throws Exception {
    HttpResponse<String> response = send("POST", "/" + typeOf(example), withHsaId(example, hsaId));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
    // 232100013 has Luhn check digit 1 (VGR's 2321000131); 212000082 has 9 (Karlskrona's 2120000829).
    "organization/examples/Organization-example-vardcentral-ronneby.json|SE2321000132-HSABAD01|1",
    "organization/examples/Organization-example-vardcentral-ronneby.json|SE2120000828-HSABAD02|9",
    "practitioner/examples/Practitioner-example-anna.json|SE2321000132-HSABAD03|1",
    "practitioner/examples/Practitioner-example-anna.json|SE2120000828-HSABAD04|9"
  })
  void anHsaIdWhoseOrganisationsnummerHasAWrongCheckDigitIsRefusedNamingTheFormNotTheValue(
      String example, String hsaId, String expectedDigit) throws Exception {
    String type = typeOf(example);
    HttpResponse<String> response = send("POST", "/" + type, withHsaId(example, hsaId));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(outcome(response).getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> {
          assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo(type + ".identifier[0].value"));
          assertThat(issue.getDiagnostics())
              .contains("SE, ten digits, a hyphen, a local part")
              .contains("Luhn rule its tenth digit would be " + expectedDigit)
              .doesNotContain(hsaId);
        });
  }

  private static String typeOf(String example) {
    return example.contains("Practitioner") ? "Practitioner" : "Organization";
  }

  /** The example with only the given HSA-id, without its id (each test stores a new resource). */
  private static String withHsaId(String example, String hsaId) throws Exception {
    ObjectNode resource = (ObjectNode) JSON.readTree(ProfileExamples.read(example));
    resource.remove("id");
    resource.remove("partOf");
    resource.putArray("identifier").addObject().put("system", HSA).put("value", hsaId);
    return JSON.writeValueAsString(resource);
  }
}
