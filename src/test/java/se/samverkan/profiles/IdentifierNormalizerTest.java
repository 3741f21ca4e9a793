package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

class IdentifierNormalizerTest {

  private final IdentifierNormalizer normalizer =
      new IdentifierNormalizer(Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC));

  @Test
  void personIdentifiersAreStoredUnderTheUriAsTwelveDigits() {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem("urn:oid:1.2.752.129.2.1.3.1").setValue("400521-9821");
    patient.addIdentifier().setSystem("urn:oid:1.2.752.129.2.1.3.3").setValue("19361163-9885");
    patient.addIdentifier().setSystem("urn:other").setValue("400521-9821");

    normalizer.normalise(patient);

    assertThat(patient.getIdentifier())
        .extracting(i -> i.getSystem() + "|" + i.getValue())
        .containsExactly(
            Vocabulary.PERSONNUMMER + "|194005219821",
            Vocabulary.SAMORDNINGSNUMMER + "|193611639885",
            "urn:other|400521-9821");
  }

  @Test
  void hsaIdsUnderIneraOidMoveToTheHl7SwedenOid() {
    Organization organization = new Organization();
    organization.addIdentifier().setSystem("urn:oid:1.2.752.129.2.1.4.1").setValue("SE2321000081-EX0101");

    normalizer.normalise(organization);

    assertThat(organization.getIdentifierFirstRep().getSystem()).isEqualTo(Vocabulary.HSA_ID);
  }
}
