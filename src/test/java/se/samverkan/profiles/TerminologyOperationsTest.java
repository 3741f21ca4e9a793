package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import se.samverkan.support.FhirServerTest;

/**
 * $expand, $lookup and $validate-code answer for every ValueSet and CodeSystem we ship under
 * profiles/ (found by walking the folder, so a new one is covered without touching this test).
 */
class TerminologyOperationsTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Path> shippedValueSets() {
    return shipped("ValueSet-");
  }

  static Stream<Path> shippedCodeSystems() {
    return shipped("CodeSystem-");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shippedValueSets")
  void expandListsExactlyTheValueSetsCodes(Path file) throws Exception {
    JsonNode valueSet = JSON.readTree(Files.readString(file));
    String url = valueSet.get("url").asText();

    HttpResponse<String> response = get("/ValueSet/$expand?url=" + encode(url));

    if (!expandable(valueSet)) {
      // All of a code system this server does not hold (ICD-10-SE, KSH97-P, SNOMED CT, KVÅ).
      assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
      assertThat(response.body()).contains("not held by this server");
      return;
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    ValueSet expanded = parse(ValueSet.class, response);
    Set<String> codes = new TreeSet<>();
    expanded.getExpansion().getContains().forEach(c -> codes.add(c.getSystem() + "|" + c.getCode()));
    assertThat(codes).isEqualTo(expectedCodes(valueSet));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shippedValueSets")
  void validateCodeKnowsTheValueSetsCodesAndNoOthers(Path file) throws Exception {
    JsonNode valueSet = JSON.readTree(Files.readString(file));
    if (!expandable(valueSet)) {
      return;
    }
    String url = valueSet.get("url").asText();
    for (String code : expectedCodes(valueSet)) {
      String[] systemAndCode = code.split("\\|");
      assertThat(validateCode("/ValueSet/$validate-code?url=" + encode(url), systemAndCode[0], systemAndCode[1]))
          .as(code).isTrue();
    }
    String someSystem = expectedCodes(valueSet).iterator().next().split("\\|")[0];
    assertThat(validateCode("/ValueSet/$validate-code?url=" + encode(url), someSystem, "no-such-code")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shippedCodeSystems")
  void lookupAndValidateCodeKnowEveryConceptOfTheCodeSystem(Path file) throws Exception {
    JsonNode codeSystem = JSON.readTree(Files.readString(file));
    String url = codeSystem.get("url").asText();
    for (JsonNode concept : codeSystem.get("concept")) {
      String code = concept.get("code").asText();
      HttpResponse<String> lookup = get("/CodeSystem/$lookup?system=" + encode(url) + "&code=" + encode(code));
      assertThat(lookup.statusCode()).as(url + "|" + code + ": " + lookup.body()).isEqualTo(200);
      assertThat(parse(Parameters.class, lookup).getParameterValue("display").primitiveValue())
          .isEqualTo(concept.get("display").asText());
      assertThat(validateCode("/CodeSystem/$validate-code?url=" + encode(url), url, code)).as(url + "|" + code).isTrue();
    }
    HttpResponse<String> unknown = get("/CodeSystem/$lookup?system=" + encode(url) + "&code=no-such-code");
    assertThat(unknown.statusCode()).as(unknown.body()).isBetween(400, 499);
    assertThat(validateCode("/CodeSystem/$validate-code?url=" + encode(url), url, "no-such-code")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http://snomed.info/sct", "https://www.icd10.se/"})
  void expandingAnInlineValueSetWithAllOfACodeSystemNotHeldHereIsRefusedAsNotSupported(String system) {
    // Sent inline, such a ValueSet went to HAPI's expansion, which fails it as an internal error.
    String body = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"valueSet\",\"resource\":"
        + "{\"resourceType\":\"ValueSet\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\""
        + system + "\"}]}}}]}";

    HttpResponse<String> response = send("POST", "/ValueSet/$expand", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(parse(OperationOutcome.class, response).getIssue()).singleElement().satisfies(issue -> {
      assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);
      assertThat(issue.getDiagnostics()).contains(system).contains("not held by this server");
    });
  }

  @Test
  void expandingAnInlineValueSetOfOurOwnCodeSystemListsItsCodes() {
    String body = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"valueSet\",\"resource\":"
        + "{\"resourceType\":\"ValueSet\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":"
        + "\"https://samverkan.se/fhir/CodeSystem/huvudman-type\"}]}}}]}";

    HttpResponse<String> response = send("POST", "/ValueSet/$expand", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(parse(ValueSet.class, response).getExpansion().getContains())
        .extracting(ValueSet.ValueSetExpansionContainsComponent::getCode)
        .containsExactlyInAnyOrder("region", "kommun", "privat");
  }

  @Test
  void lookupOfAKommunkodGivesItsLan() {
    HttpResponse<String> lookup = get("/CodeSystem/$lookup?system=" + encode("https://samverkan.se/fhir/CodeSystem/kommunkod")
        + "&code=1081&property=lan");

    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
    assertThat(lookup.body()).contains("Ronneby").contains("Blekinge län");
  }

  private boolean validateCode(String operation, String system, String code) {
    HttpResponse<String> response = get(operation + "&system=" + encode(system) + "&code=" + encode(code));
    assertThat(response.statusCode()).as(operation + " " + code + ": " + response.body()).isEqualTo(200);
    return ((BooleanType) parse(Parameters.class, response).getParameterValue("result")).booleanValue();
  }

  /** A ValueSet is expandable here when every include names its concepts or is one of our code systems. */
  private static boolean expandable(JsonNode valueSet) {
    for (JsonNode include : valueSet.at("/compose/include")) {
      if (!include.has("concept") && ourCodeSystem(include.get("system").asText()) == null) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> expectedCodes(JsonNode valueSet) throws IOException {
    Set<String> codes = new TreeSet<>();
    for (JsonNode include : valueSet.at("/compose/include")) {
      String system = include.get("system").asText();
      JsonNode concepts = include.has("concept") ? include.get("concept") : ourCodeSystem(system).get("concept");
      concepts.forEach(c -> codes.add(system + "|" + c.get("code").asText()));
    }
    return codes;
  }

  private static JsonNode ourCodeSystem(String url) {
    return shippedCodeSystems().map(TerminologyOperationsTest::read)
        .filter(cs -> cs.get("url").asText().equals(url)).findFirst().orElse(null);
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<Path> shipped(String prefix) {
    try (Stream<Path> files = Files.walk(Path.of("profiles"))) {
      List<Path> found = new ArrayList<>(files
          .filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".json"))
          .filter(p -> !p.toString().contains("/examples/"))
          .sorted().toList());
      assertThat(found).as(prefix + " files under profiles/").isNotEmpty();
      return found.stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
