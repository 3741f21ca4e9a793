package se.samverkan.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;
import org.yaml.snakeyaml.Yaml;

/**
 * Each {@code samverkan.*} default is written once, as the {@code @DefaultValue} of its
 * configuration record; Spring Boot's configuration processor copies it into
 * {@code target/classes/META-INF/spring-configuration-metadata.json} when the code compiles. README's
 * Configuration table repeats the defaults for operators, so this test holds the table to the
 * metadata, as DockerComposeTest holds docker-compose.yml to the profile it runs: every
 * {@code samverkan.*} key in the table exists with the default written there, and every key exists
 * in the table. A table key may stand for several, as {@code samverkan.coordination.<rule>.enabled}
 * does for each rule.
 */
class ConfigurationTableTest {

  private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

  /**
   * Keys whose default is written in application.yaml, not in a record, with the reason:
   * {@code h2-file} is read by {@code spring.datasource.url} there; the development clients are a
   * list of records, which {@code @DefaultValue} cannot write.
   */
  private static final Set<String> DEFAULT_IN_APPLICATION_YAML =
      Set.of("samverkan.storage.h2-file", "samverkan.security.dev-issuer.clients");

  /**
   * Keys deliberately left out of README's table. {@code dev-issuer.issuer} is the {@code iss} of
   * the development issuer's tokens, which the server both writes and expects: nothing an operator
   * sets.
   */
  private static final Set<String> UNDOCUMENTED = Set.of("samverkan.security.dev-issuer.issuer");

  private static final Pattern FIRST_CODE = Pattern.compile("`([^`]+)`");

  /** Key → metadata entry, for our own keys. */
  private static Map<String, JsonNode> metadata;
  /** Key as README writes it → its Default cell. */
  private static Map<String, String> readme;

  @BeforeAll
  static void read() throws IOException {
    assertThat(METADATA).as("written by spring-boot-configuration-processor at compile time").exists();
    metadata = new LinkedHashMap<>();
    for (JsonNode property : new ObjectMapper().readTree(METADATA.toFile()).path("properties")) {
      metadata.put(property.path("name").asText(), property);
    }
    readme = new LinkedHashMap<>();
    Markdown.read("README.md").section("Configuration").table().forEach((keyCell, rest) -> {
      Matcher key = FIRST_CODE.matcher(keyCell);
      if (key.find() && key.group(1).startsWith("samverkan.")) {
        readme.put(key.group(1), rest.split("\\|")[0].trim());
      }
    });
  }

  @Test
  void theMetadataHoldsOurKeysWithDefaultsAndDescriptions() {
    assertThat(metadata.keySet()).filteredOn(key -> key.startsWith("samverkan.")).hasSizeGreaterThan(25);
    assertThat(metadata.get("samverkan.fhir.max-page-size").path("defaultValue").asInt()).isEqualTo(200);
    assertThat(metadata.values()).allSatisfy(property ->
        assertThat(property.path("description").asText()).as(property.path("name").asText()).isNotBlank());
  }

  @Test
  void everyKeyInTheTableExistsWithTheDefaultWrittenThere() throws IOException {
    assertThat(readme).hasSizeGreaterThan(20);
    Map<String, Object> yaml = flatApplicationYaml();
    List<String> wrong = new ArrayList<>();
    readme.forEach((written, cell) -> {
      List<String> keys = keysFor(written);
      if (keys.isEmpty()) {
        wrong.add(written + ": no such key in the metadata");
      }
      for (String key : keys) {
        String expected = codeIn(cell);
        Object actual = DEFAULT_IN_APPLICATION_YAML.contains(key) ? yaml.get(key) : defaultOf(key);
        if (DEFAULT_IN_APPLICATION_YAML.contains(key) && actual instanceof List<?> list) {
          // A list's README cell describes it; that it is there at all is what can be checked.
          if (list.isEmpty()) {
            wrong.add(key + ": README describes a default, application.yaml has none");
          }
        } else if (!sameValue(key, expected, actual)) {
          wrong.add(key + ": README says " + (expected == null ? "no value (" + cell + ")" : expected)
              + ", the default is " + actual);
        }
      }
    });
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyKeyIsInTheTableOrDeliberatelyLeftOut() {
    Set<String> covered = new TreeSet<>();
    readme.keySet().forEach(written -> covered.addAll(keysFor(written)));
    assertThat(metadata.keySet()).filteredOn(key -> key.startsWith("samverkan."))
        .filteredOn(key -> !UNDOCUMENTED.contains(key))
        .allSatisfy(key -> assertThat(covered).as("README's Configuration table").contains(key));
  }

  /** Defaults stay in one place: application.yaml sets no samverkan.* key a record has a default for. */
  @Test
  void applicationYamlRepeatsNoDefaultOfARecord() throws IOException {
    assertThat(flatApplicationYaml().keySet()).filteredOn(key -> key.startsWith("samverkan."))
        .containsExactlyInAnyOrderElementsOf(DEFAULT_IN_APPLICATION_YAML);
    assertThat(DEFAULT_IN_APPLICATION_YAML).allSatisfy(key ->
        assertThat(metadata.get(key).has("defaultValue")).as(key + " has its default in application.yaml only").isFalse());
  }

  /** The metadata keys a README key stands for: itself, or each key matching its {@code <placeholder>}. */
  private static List<String> keysFor(String written) {
    if (!written.contains("<")) {
      return metadata.containsKey(written) ? List.of(written) : List.of();
    }
    Pattern pattern = Pattern.compile(Pattern.quote(written).replaceAll("<[^>]+>", "\\\\E[a-z0-9-]+\\\\Q"));
    return metadata.keySet().stream().filter(key -> pattern.matcher(key).matches()).toList();
  }

  private static Object defaultOf(String key) {
    JsonNode value = metadata.get(key).get("defaultValue");
    return value == null || value.isNull() ? null : value.isValueNode() ? value.asText() : value.toString();
  }

  /** The Default cell's value in backticks; a cell without one ("—", "none") says there is none. */
  private static String codeIn(String cell) {
    Matcher code = FIRST_CODE.matcher(cell);
    return code.find() ? code.group(1) : null;
  }

  /** Compares as the binder reads them: {@code 10MB} = {@code 10240KB}, {@code 24h} = {@code 1d}. */
  private static boolean sameValue(String key, String written, Object actual) {
    String value = actual == null ? null : actual.toString();
    if (written == null || value == null || value.isEmpty() || value.equals("[]")) {
      return written == null && (value == null || value.isEmpty() || value.equals("[]"));
    }
    String type = metadata.get(key).path("type").asText();
    if (type.equals("java.time.Duration")) {
      return DurationStyle.detectAndParse(written).equals(DurationStyle.detectAndParse(value));
    }
    if (type.equals("org.springframework.util.unit.DataSize")) {
      return DataSize.parse(written).equals(DataSize.parse(value));
    }
    return written.equalsIgnoreCase(value);
  }

  /** application.yaml's keys flattened to dotted names; a list stays one value. */
  private static Map<String, Object> flatApplicationYaml() throws IOException {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", new Yaml().load(Files.readString(Path.of("src/main/resources/application.yaml"))), flat);
    return flat;
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Object node, Map<String, Object> flat) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, flat));
    } else {
      flat.put(prefix, node);
    }
  }
}
