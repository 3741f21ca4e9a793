package se.samverkan.profiles;

import se.samverkan.vocabulary.Vocabulary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SwedishPersonIdentifiersTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 11, 22);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "194005219821, 194005219821",
    "19400521-9821, 194005219821",
    "400521-9821, 194005219821",
    "4005219821, 194005219821",
    "121212+1212, 191212121212",
    "121212-1212, 201212121212",
    "' 19400521 9821 ', 194005219821"
  })
  void personnummerInAnyCommonFormBecomesTwelveDigits(String written, String normalised) {
    assertThat(SwedishPersonIdentifiers.normalise(written, TODAY, false)).hasValue(normalised);
  }

  @ParameterizedTest
  @CsvSource({"Greta", "1940-05-21", "19400521-98210"})
  void somethingThatIsNoPersonnummerIsLeftAlone(String written) {
    assertThat(SwedishPersonIdentifiers.normalise(written, TODAY, false)).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "194005219821|false|",
    "191212121212|false|",
    "193611639885|true|",
    "194005219822|false|check digit is wrong",
    "194013219821|false|possible date of birth",
    "194002309821|false|possible date of birth",
    "193611039883|true|day of birth plus 60",
    "19400521982|false|12 digits"
  })
  void checkDigitAndDateAreChecked(String number, boolean samordningsnummer, String problem) {
    if (problem == null) {
      assertThat(SwedishPersonIdentifiers.problem(number, samordningsnummer)).isEmpty();
    } else {
      assertThat(SwedishPersonIdentifiers.problem(number, samordningsnummer)).hasValueSatisfying(
          message -> assertThat(message).contains(problem));
    }
  }

  @ParameterizedTest
  @CsvSource({"22950606-FH20, true", "98240301AA06, true", "20210325K069, true", "22950606-IO20, false",
      "2295060-FH20, false", "20210325A069, false"})
  void nationalReservnummerFormat(String value, boolean valid) {
    assertThat(SwedishPersonIdentifiers.reserveSystem(Vocabulary.NATIONELLT_RESERVNUMMER).orElseThrow()
        .accepts(value)).isEqualTo(valid);
  }

  @Test
  void theProfileNamesExactlyTheSystemsTheRulesKnow() throws Exception {
    JsonNode patient = new ObjectMapper().readTree(
        Files.readString(Path.of("profiles/patient/StructureDefinition-SamverkanPatient.json")));
    String pat1 = null;
    for (JsonNode constraint : patient.at("/differential/element/0/constraint")) {
      if (constraint.get("key").asText().equals("samverkan-pat-1")) {
        pat1 = constraint.get("expression").asText();
      }
    }
    assertThat(pat1).isNotNull();
    Matcher quoted = Pattern.compile("system='([^']*)'").matcher(pat1);
    List<String> named = new ArrayList<>();
    while (quoted.find()) {
      named.add(quoted.group(1));
    }
    assertThat(named).containsExactlyInAnyOrderElementsOf(SwedishPersonIdentifiers.patientSystems());
  }

  @ParameterizedTest
  @CsvSource({
    "urn:oid:1.2.752.129.2.1.3.1, http://electronichealth.se/identifier/personnummer",
    "urn:oid:1.2.752.129.2.1.3.3, http://electronichealth.se/identifier/samordningsnummer",
    "urn:oid:1.2.752.74.9.1, http://electronichealth.se/identifier/nationelltReservnummer",
    "urn:other, urn:other"
  })
  void oidFormsMapToHl7SwedenUris(String system, String uri) {
    assertThat(SwedishPersonIdentifiers.canonicalSystem(system)).isEqualTo(uri);
  }
}
