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
 * An organisationsnummer is ten digits, the third 2 or more (a juridisk person's; the "month"
 * 20–99 keeps it apart from a personnummer), the last a Luhn check digit over the first nine.
 */
class OrganisationsnummerTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0} ({1})")
  @CsvSource(delimiter = '|', value = {
    "2120000829|Karlskrona kommun, as in the examples",
    "2321000081|Region Blekinge, as in the examples",
    "5560360793|an aktiebolag (group 5)"
  })
  void aWellFormedOrganisationsnummerIsStored(String number, String whose) throws Exception {
    HttpResponse<String> response = send("POST", "/Organization", kommunWith(number));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "2120000828|check digit is wrong: by the Luhn rule it would be 9",
    "5560360794|check digit is wrong: by the Luhn rule it would be 3",
    "1912121212|third digit",
    "212000082|ten digits",
    "212000-0829|ten digits"
  })
  void aMalformedOrganisationsnummerIsRefusedSayingWhy(String number, String words) throws Exception {
    HttpResponse<String> response = send("POST", "/Organization", kommunWith(number));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(outcome(response).getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .anySatisfy(issue -> {
          assertThat(issue.getExpression()).anySatisfy(e -> assertThat(e.getValue()).startsWith("Organization.identifier[0]"));
          assertThat(issue.getDiagnostics()).contains(words);
        });
  }

  /** Karlskrona kommun's example with only an organisationsnummer, given. */
  private static String kommunWith(String organisationsnummer) throws Exception {
    ObjectNode kommun = (ObjectNode) JSON.readTree(
        ProfileExamples.read("organization/examples/Organization-example-kommun-karlskrona.json"));
    kommun.remove("id");
    kommun.putArray("identifier").addObject().put("system", "urn:oid:2.5.4.97").put("value", organisationsnummer);
    return JSON.writeValueAsString(kommun);
  }
}
