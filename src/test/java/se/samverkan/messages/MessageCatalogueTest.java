package se.samverkan.messages;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import se.samverkan.profiles.SwedishPersonIdentifiers;

/** The one message catalogue: complete in both languages, and in step with the profiles. */
class MessageCatalogueTest {

  private static final Map<String, String> EN = Messages.catalogue(Messages.ENGLISH);
  private static final Map<String, String> SV = Messages.catalogue(Messages.SWEDISH);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\d}");

  @Test
  void everyMessageHasItsEnglishAndSwedishTextAndNoOther() {
    assertThat(SV.keySet()).isEqualTo(EN.keySet());
    assertThat(EN.values()).allSatisfy(text -> assertThat(text).isNotBlank());
    assertThat(SV.values()).allSatisfy(text -> assertThat(text).isNotBlank());
  }

  @Test
  void everyMessageTheCodeNamesIsInTheCatalogue() {
    for (Message message : Message.values()) {
      assertThat(EN).as(message.name()).containsKey(message.id());
      assertThat(SV).as(message.name()).containsKey(message.id());
    }
  }

  @Test
  void aSwedishTextTakesTheSameArgumentsAsTheEnglish() {
    EN.forEach((id, english) -> assertThat(placeholders(SV.get(id))).as(id).isEqualTo(placeholders(english)));
  }

  @Test
  void swedishTextIsWrittenInSwedish() {
    // A copy of the English would pass every other test here; these texts must differ.
    EN.forEach((id, english) -> assertThat(SV.get(id)).as(id).isNotEqualTo(english));
  }

  /**
   * Each message, said with arguments, is recognised as itself: no other message's English swallows
   * it, so the answer is translated to the right words.
   */
  @Test
  void everyMessageIsRecognisedAsItselfFromItsEnglish() {
    EN.forEach((id, english) -> {
      if (id.equals(Message.CONSTRAINT_FAILED.id())) {
        return; // needs a constraint of ours as argument: tested below
      }
      Object[] arguments = IntStream.range(0, 10).mapToObj(i -> "Argument" + i).toArray();
      String said = fill(english, arguments);
      assertThat(Messages.recognise(said)).as(id).hasValueSatisfying(s -> assertThat(s.id()).isEqualTo(id));
    });
  }

  @Test
  void everyConstraintOfOurProfilesHasItsHumanTextInEnglishAndATextInSwedish() throws IOException {
    Map<String, String> constraints = samverkanConstraints();
    assertThat(constraints).as("the profiles have constraints of ours").containsKey("samverkan-pat-1");
    constraints.forEach((key, human) -> {
      assertThat(EN.get(Messages.CONSTRAINT_PREFIX + key)).as(key).isEqualTo(human);
      assertThat(SV.get(Messages.CONSTRAINT_PREFIX + key)).as(key).isNotBlank().isNotEqualTo(human);
    });
    assertThat(EN.keySet().stream().filter(id -> id.startsWith(Messages.CONSTRAINT_PREFIX)))
        .as("no text for a constraint the profiles no longer have")
        .containsExactlyInAnyOrderElementsOf(constraints.keySet().stream().map(k -> Messages.CONSTRAINT_PREFIX + k).toList());
  }

  @Test
  void aFailedConstraintOfOursIsTranslatedWholeButOneOfHl7sNot() {
    String ours = "Constraint failed: samverkan-org-2: 'A kommun has its kommunkod' (defined in"
        + " https://samverkan.se/fhir/StructureDefinition/SamverkanOrganization)";
    String hl7s = "Constraint failed: dom-6: 'A resource should have narrative for robust management' (defined in"
        + " http://hl7.org/fhir/StructureDefinition/DomainResource)";

    assertThat(Messages.recognise(ours).map(s -> Messages.render(s, Messages.SWEDISH))).hasValue(
        "Villkoret samverkan-org-2 är inte uppfyllt: 'En kommun har sin kommunkod' (definierat i"
            + " https://samverkan.se/fhir/StructureDefinition/SamverkanOrganization)");
    assertThat(Messages.recognise(hl7s)).isEmpty();
  }

  @Test
  void everyReservnummerFormIsInTheCatalogue() {
    // Loading the class reads each form from the catalogue; a missing one would fail here.
    assertThat(SwedishPersonIdentifiers.RESERVE_SYSTEMS.stream().filter(r -> r.form() != null))
        .allSatisfy(r -> assertThat(EN).containsValue(r.formInWords()));
  }

  @ParameterizedTest(name = "Accept-Language: \"{0}\" → {1}")
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "null|en", "''|en", "sv|sv", "sv-SE|sv", "SV-se|sv", "sv-FI|sv", "en|en", "de|en", "*|en",
      "sv;q=0, en|en", "en;q=0.3, sv;q=0.8|sv", "de, sv-SE;q=0.5|sv", "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7|sv",
      "en-US,en;q=0.9,sv;q=0.8|en", ";;;q=bad|en"})
  void theLanguageIsSwedishOnlyWhenAcceptLanguageAsksForItBeforeEnglish(String acceptLanguage, String language) {
    assertThat(MessageLanguage.of(acceptLanguage)).isEqualTo(Locale.forLanguageTag(language));
  }

  private static List<String> placeholders(String text) {
    Matcher m = PLACEHOLDER.matcher(text);
    TreeSet<String> found = new TreeSet<>();
    while (m.find()) {
      found.add(m.group());
    }
    return List.copyOf(found);
  }

  private static String fill(String template, Object[] arguments) {
    String text = template;
    for (int i = 0; i < arguments.length; i++) {
      text = text.replace("{" + i + "}", arguments[i].toString());
    }
    return text;
  }

  /** Every samverkan-* constraint in the profiles' StructureDefinition-*.json files, by key, with its human text. */
  private static Map<String, String> samverkanConstraints() throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, String> constraints = new HashMap<>();
    try (Stream<Path> files = Files.walk(Path.of("profiles"))) {
      for (Path file : files.filter(f -> f.getFileName().toString().matches("StructureDefinition-.*\\.json")).toList()) {
        JsonNode sd = json.readTree(file.toFile());
        for (String part : List.of("differential", "snapshot")) {
          for (JsonNode element : sd.path(part).path("element")) {
            for (JsonNode constraint : element.path("constraint")) {
              String key = constraint.path("key").asText();
              if (key.startsWith("samverkan-")) {
                String earlier = constraints.put(key, constraint.path("human").asText());
                assertThat(earlier).as(key + " has one text wherever it is").isIn(null, constraint.path("human").asText());
              }
            }
          }
        }
      }
    }
    return constraints;
  }
}
