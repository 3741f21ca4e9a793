package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import se.samverkan.profiles.SwedishPersonIdentifiers;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestPeople;

/**
 * Mutated journey bundles (issue #8): each of {@link #MUTATIONS} transactions made from the
 * bundles in examples/ by one deterministic mutation — a field dropped, a value of another JSON
 * type, the JSON cut off, an entry duplicated or dropped, a reference corrupted — must get no 5xx,
 * a Bundle (2xx) or an OperationOutcome (4xx), and be stored wholly or not at all.
 *
 * <p>All or nothing is counted: before mutating, every example-id identifier gets a suffix of its
 * own (and the conditional URLs that name it) and every patient a fresh test personnummer, so the
 * resources one transaction may have written are exactly those carrying its marks. Afterwards
 * their number must be 0 (refused) or the number of marked resources in the mutated bundle.
 *
 * <p>The journeys refer to the county's units and staff, which other tests count exactly
 * (WorklistQueriesTest); the fuzz works on a copy of the county with HSA-ids of its own.
 */
class JourneyBundleFuzzTest extends FhirServerTest {

  /** Fixed, so that every run sends the same mutations; -Dsamverkan.fuzz.seed=… tries others. */
  static final long SEED = Long.getLong("samverkan.fuzz.seed", 20261201L);
  /**
   * 35 to 55 s on H2 or PostgreSQL on a 2-core machine, depending on what else it runs
   * (docs/reliability.md); -Dsamverkan.fuzz.mutations=1000 for a longer run.
   */
  static final int MUTATIONS = Integer.getInteger("samverkan.fuzz.mutations", 150);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String HSA_UNIT = "-SV";
  private static final String FUZZ_UNIT = "-FZSV";
  private static final String ORGANISATIONSNUMMER = "urn:oid:2.5.4.97";
  private static final String SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer";
  private static final List<String> CORRUPT_REFERENCES = List.of(
      "Patient/does-not-exist", "urn:uuid:00000000-0000-0000-0000-000000000000", "Vardplan/1", "",
      "not a reference", "Organization?identifier=urn:oid:1.2.752.29.4.19|SE0000000000-NOPE",
      "http://elsewhere.example/fhir/Patient/1", "#missing", "Patient?identifier=", "Patient/../Organization/1");

  enum Kind { DROP_FIELD, SWAP_TYPE, TRUNCATE, DUPLICATE_ENTRY, DROP_ENTRY, CORRUPT_REFERENCE }

  /** One mutated transaction: its body and the marks it carries (null when the JSON is cut off). */
  record Mutant(String description, String body, Set<String> marks) {}

  @Test
  void everyMutatedTransactionIsStoredWhollyOrNotAtAllAndNeverFailsTheServer() throws IOException {
    loadFuzzCounty();
    List<JsonNode> journeys = new ArrayList<>();
    for (Path bundle : Journeys.bundles()) {
      if (!bundle.getFileName().toString().startsWith("00-")) {
        journeys.add(JSON.readTree(Files.readString(bundle).replace(HSA_UNIT, FUZZ_UNIT)));
      }
    }
    Random random = new Random(SEED);
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, Integer> answers = new TreeMap<>();
    Map<String, Map<String, Integer>> kinds = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    long start = System.nanoTime();

    for (int n = 0; n < MUTATIONS; n++) {
      ObjectNode bundle = journeys.get(random.nextInt(journeys.size())).deepCopy();
      String suffix = "fuzz-" + run + "-" + n;
      Map<String, Set<String>> marksByType = mark(bundle, suffix);
      Mutant mutant = mutate(bundle, random, suffix, allMarks(marksByType));

      HttpResponse<String> response = send("POST", "", mutant.body());
      int stored = countMarked(marksByType);

      String what = "seed " + SEED + ", mutation " + n + " (" + mutant.description() + "): ";
      answers.merge(Integer.toString(response.statusCode()), 1, Integer::sum);
      kinds.computeIfAbsent(mutant.description().split(" ")[0], k -> new TreeMap<>())
          .merge(Integer.toString(response.statusCode()), 1, Integer::sum);
      int expected = mutant.marks() == null ? 0 : mutant.marks().size();
      if (response.statusCode() >= 500) {
        failures.add(what + response.statusCode() + " " + abbreviate(response.body()));
      } else if (response.statusCode() >= 200 && response.statusCode() < 300) {
        if (!"transaction-response".equals(type(response.body(), "type"))) {
          failures.add(what + "2xx without a transaction-response Bundle: " + abbreviate(response.body()));
        }
        if (stored != expected) {
          failures.add(what + "accepted, but " + stored + " of " + expected + " marked resources stored");
        }
      } else {
        if (!"OperationOutcome".equals(type(response.body(), "resourceType"))) {
          failures.add(what + response.statusCode() + " without an OperationOutcome: " + abbreviate(response.body()));
        }
        if (stored != 0) {
          failures.add(what + "refused with " + response.statusCode() + ", but " + stored + " resources stored");
        }
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    System.out.printf("JourneyBundleFuzzTest: seed %d, %d mutations in %d s, answers %s, by mutation %s%n",
        SEED, MUTATIONS, took.toSeconds(), answers, kinds);
    assertThat(failures).as("seed %d: %d of %d mutations failed", SEED, failures.size(), MUTATIONS).isEmpty();
    int accepted = answers.getOrDefault("200", 0);
    assertThat(accepted).as("seed %d: the fuzz should exercise both outcomes, got %s", SEED, answers)
        .isBetween(MUTATIONS / 10, MUTATIONS - MUTATIONS / 10);
  }

  // --- Preparing: the county's copy and the marks

  /** The county with its HSA-ids (and organisationsnummer) moved out of the real county's way. */
  private void loadFuzzCounty() throws IOException {
    JsonNode county = JSON.readTree(Files.readString(Path.of("examples/00-county.json")).replace(HSA_UNIT, FUZZ_UNIT));
    for (JsonNode entry : county.path("entry")) {
      for (JsonNode identifier : entry.path("resource").path("identifier")) {
        if (ORGANISATIONSNUMMER.equals(identifier.path("system").asText())) {
          // Another number of the same form, with its Luhn check digit (SwedishIdentifierRules checks it).
          String nine = "99" + identifier.path("value").asText().substring(2, 9);
          ((ObjectNode) identifier).put("value", nine + SwedishPersonIdentifiers.luhn(nine));
        }
      }
    }
    HttpResponse<String> response = send("POST", "", JSON.writeValueAsString(county));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /**
   * Gives the bundle's example ids the suffix and its patients fresh numbers, conditional URLs
   * included; answers the marks by resource type.
   */
  private static Map<String, Set<String>> mark(ObjectNode bundle, String suffix) {
    Map<String, Set<String>> marks = new LinkedHashMap<>();
    for (JsonNode entry : bundle.path("entry")) {
      ObjectNode resource = (ObjectNode) entry.path("resource");
      ObjectNode request = (ObjectNode) entry.path("request");
      for (JsonNode node : resource.path("identifier")) {
        ObjectNode identifier = (ObjectNode) node;
        String system = identifier.path("system").asText();
        String old = identifier.path("value").asText();
        String value;
        if (Journeys.EXAMPLE_ID.equals(system)) {
          value = old + "-" + suffix;
        } else if (TestPeople.PERSONNUMMER.equals(system) || SAMORDNINGSNUMMER.equals(system)) {
          value = freshNumber(SAMORDNINGSNUMMER.equals(system));
          resource.put("birthDate", value.substring(0, 4) + "-" + value.substring(4, 6) + "-"
              + String.format("%02d", Integer.parseInt(value.substring(6, 8)) % 60));
        } else {
          continue;
        }
        identifier.put("value", value);
        request.put("url", request.path("url").asText().replace(system + "|" + old, system + "|" + value));
        marks.computeIfAbsent(resource.path("resourceType").asText(), t -> new LinkedHashSet<>()).add(value);
      }
    }
    return marks;
  }

  /** A test personnummer (TestPeople's series), or the samordningsnummer of the same birth. */
  private static String freshNumber(boolean samordningsnummer) {
    String personnummer = TestPeople.personnummer();
    if (!samordningsnummer) {
      return personnummer;
    }
    int day = Integer.parseInt(personnummer.substring(6, 8)) + 60;
    String nine = personnummer.substring(2, 6) + day + personnummer.substring(8, 11);
    return personnummer.substring(0, 2) + nine + SwedishPersonIdentifiers.luhn(nine);
  }

  private static Set<String> allMarks(Map<String, Set<String>> byType) {
    Set<String> all = new LinkedHashSet<>();
    byType.values().forEach(all::addAll);
    return all;
  }

  // --- Mutating

  private static Mutant mutate(ObjectNode bundle, Random random, String suffix, Set<String> marks)
      throws IOException {
    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
    String where = "";
    ArrayNode entries = (ArrayNode) bundle.path("entry");
    switch (kind) {
      case TRUNCATE -> {
        String json = JSON.writeValueAsString(bundle);
        int cut = 1 + random.nextInt(json.length() - 1);
        return new Mutant(kind + " at " + cut + " of " + json.length(), json.substring(0, cut), null);
      }
      case DUPLICATE_ENTRY -> {
        int from = random.nextInt(entries.size());
        int to = random.nextInt(entries.size() + 1);
        entries.insert(to, entries.get(from).deepCopy());
        where = "entry " + from + " at " + to;
      }
      case DROP_ENTRY -> {
        int index = random.nextInt(entries.size());
        entries.remove(index);
        where = "entry " + index;
      }
      case DROP_FIELD -> {
        Slot slot = atRandomDepth(slots(bundle, "", s -> s.parent().isObject()), random);
        ((ObjectNode) slot.parent()).remove(slot.key());
        where = slot.path();
      }
      case SWAP_TYPE -> {
        Slot slot = atRandomDepth(slots(bundle, "", s -> true), random);
        slot.set(otherType(slot.get(), random));
        where = slot.path();
      }
      case CORRUPT_REFERENCE -> {
        List<Slot> references = slots(bundle, "", s -> "reference".equals(s.key()) && s.get().isTextual());
        Slot slot = references.get(random.nextInt(references.size()));
        String corrupt = CORRUPT_REFERENCES.get(random.nextInt(CORRUPT_REFERENCES.size()));
        slot.set(NODES.textNode(corrupt));
        where = slot.path() + " = \"" + corrupt + "\"";
      }
    }
    return new Mutant(kind + " " + where, JSON.writeValueAsString(bundle), marksIn(bundle, suffix, marks));
  }

  /** A place in the JSON tree: a field of an object or an element of an array. */
  record Slot(JsonNode parent, String key, int index, String path) {
    JsonNode get() {
      return parent.isObject() ? parent.get(key) : parent.get(index);
    }

    void set(JsonNode value) {
      if (parent.isObject()) {
        ((ObjectNode) parent).set(key, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }
  }

  private static List<Slot> slots(JsonNode node, String path, java.util.function.Predicate<Slot> keep) {
    List<Slot> found = new ArrayList<>();
    if (node.isObject()) {
      node.fieldNames().forEachRemaining(name -> {
        Slot slot = new Slot(node, name, -1, path + "/" + name);
        if (keep.test(slot)) {
          found.add(slot);
        }
        found.addAll(slots(node.get(name), slot.path(), keep));
      });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Slot slot = new Slot(node, null, i, path + "/" + i);
        if (keep.test(slot)) {
          found.add(slot);
        }
        found.addAll(slots(node.get(i), slot.path(), keep));
      }
    }
    return found;
  }

  /**
   * A depth first, then a slot at that depth: picked evenly from all slots, nearly every mutation
   * would hit a leaf deep inside a resource, and hardly ever an entry, its request or its resource.
   */
  private static Slot atRandomDepth(List<Slot> slots, Random random) {
    TreeMap<Integer, List<Slot>> byDepth = new TreeMap<>();
    for (Slot slot : slots) {
      byDepth.computeIfAbsent(slot.path().split("/").length, d -> new ArrayList<>()).add(slot);
    }
    List<List<Slot>> levels = new ArrayList<>(byDepth.values());
    List<Slot> level = levels.get(random.nextInt(levels.size()));
    return level.get(random.nextInt(level.size()));
  }

  private static JsonNode otherType(JsonNode value, Random random) {
    List<JsonNode> others = new ArrayList<>(List.of(
        NODES.textNode("a string"), NODES.numberNode(12345), NODES.booleanNode(true),
        NODES.objectNode().put("a", 1), NODES.arrayNode().add(1).add("x"), NODES.nullNode(), NODES.numberNode(3.5)));
    others.removeIf(other -> other.getNodeType() == value.getNodeType()
        && other.isIntegralNumber() == value.isIntegralNumber());
    return others.get(random.nextInt(others.size()));
  }

  /** The marks still on resources of the mutated bundle: what an accepted transaction stores. */
  private static Set<String> marksIn(JsonNode bundle, String suffix, Set<String> marks) {
    Set<String> found = new LinkedHashSet<>();
    JsonNode entries = bundle.path("entry");
    if (!entries.isArray()) {
      return found;
    }
    for (JsonNode entry : entries) {
      JsonNode identifiers = entry.path("resource").path("identifier");
      if (!identifiers.isArray()) {
        continue;
      }
      for (JsonNode identifier : identifiers) {
        JsonNode value = identifier.path("value");
        if (value.isTextual() && (value.asText().endsWith("-" + suffix) || marks.contains(value.asText()))) {
          found.add(value.asText());
        }
      }
    }
    return found;
  }

  // --- Counting, in one batch of searches by identifier value (any system)

  private int countMarked(Map<String, Set<String>> marksByType) {
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    marksByType.forEach((type, values) -> batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET)
        .setUrl(type + "?identifier=" + URLEncoder.encode(String.join(",", values), StandardCharsets.UTF_8)
            + "&_elements=id&_count=200"));
    HttpResponse<String> response = send("POST", "", json(batch));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    int count = 0;
    for (Bundle.BundleEntryComponent entry : parse(Bundle.class, response).getEntry()) {
      assertThat(entry.getResponse().getStatus()).as("count search").startsWith("200");
      Bundle found = (Bundle) entry.getResource();
      assertThat(found.getLink(Bundle.LINK_NEXT)).as("one page holds them all").isNull();
      count += found.getEntry().size();
    }
    return count;
  }

  private static String type(String body, String field) {
    try {
      return JSON.readTree(body).path(field).asText();
    } catch (IOException e) {
      return "(not JSON)";
    }
  }

  private static String abbreviate(String body) {
    return body.length() > 400 ? body.substring(0, 400) + "…" : body;
  }
}
