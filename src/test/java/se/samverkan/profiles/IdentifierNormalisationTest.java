package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

/** Whatever form a personnummer is sent in, it is stored in one form that searches find. */
class IdentifierNormalisationTest extends FhirServerTest {

  @Test
  void oidSystemAndWrittenFormAreStoredAsUriAndTwelveDigits() {
    String pnr = TestPeople.personnummer();
    String written = pnr.substring(2, 8) + "-" + pnr.substring(8);
    String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\","
        + "\"value\":\"" + written + "\"}]}";

    HttpResponse<String> created = send("POST", "/Patient", body);

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Patient stored = parse(Patient.class, created);
    assertThat(stored.getIdentifierFirstRep().getSystem()).isEqualTo(Vocabulary.PERSONNUMMER);
    assertThat(stored.getIdentifierFirstRep().getValue()).isEqualTo(pnr);
    Bundle found = parse(Bundle.class, get("/Patient?identifier=" + Vocabulary.PERSONNUMMER + "%7C" + pnr));
    assertThat(found.getEntry()).hasSize(1);
  }
}
