package se.samverkan.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.validation.SingleValidationMessage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import se.samverkan.server.spi.StorageInterceptor;

/**
 * The validator's verdict on a self-monitoring Observation, reused for the next one that differs
 * only in values the profiles do not judge.
 *
 * <p>Why: ~90 % of what journal systems send are Observations, a patient's daily vital signs of a
 * handful of shapes, and HAPI's instance validator costs ~9 ms each (it walks every element of the
 * resource against the profile snapshot, encodes and re-parses it, evaluates every invariant):
 * more than half of ingest CPU (issue 20). Two weight readings of one patient differ in their
 * identifier value, time, number, narrative text and (between patients) the references' ids —
 * values the validator checks only for their form.
 *
 * <p>How: the key of a resource is its JSON with exactly those values replaced by the name of
 * their form ({@link #key}); the answer for a key is the validator's full list of messages for the
 * first resource of that key — errors, warnings and information with their locations. The
 * validator reads a pretty-printed encoding (ProfileEnforcementInterceptor), so a message's line
 * and column depend on the structure, which the key keeps, and not on the values' lengths. A
 * resource is keyed only when
 * <ul>
 *   <li>every profile it is judged by is one the memo was made for: our Observation profiles, whose
 *       snapshots put no rule on the replaced elements (ValidationMemoTest reads every snapshot);
 *   <li>every replaced value has its form: an identifier or display a plain short text; a time a
 *       real calendar time with timezone in a reasonable year; a decimal a plain number of at most
 *       nine digits and six decimals; a narrative's text plain text between the markup, which is
 *       kept; a reference a local {@code Type/id} (the validator learns only its type:
 *       {@link ReferenceTypeFetcher}) or, in a transaction, a {@code urn:uuid} (a conditional
 *       reference is kept as it is);
 * </ul>
 * and an answer is kept only when no message repeats a replaced value. Anything else is validated
 * in full, as before. That the reused answer equals the full validator's is tested on every
 * Observation of a generated population and on mutations of each rule's element
 * (ValidationMemoTest).
 *
 * <p>Staleness: the profiles, value sets and code systems the verdicts were made with can change
 * when the package is installed again or a conformance resource is written; {@link #forget()} is
 * called then (the storage hooks below, which see package installs too), and at most
 * {@link #MAX_ENTRIES} answers are kept.
 *
 * <p>Shared by every caller: a verdict names no patient and no caller (references, identifiers,
 * times and numbers are replaced, and the validator no longer reads a reference's target with the
 * caller's rights). What a caller could learn from a reused verdict, by its speed, is that someone
 * wrote an Observation of the same coded shape since the memo was last emptied; nothing about whom.
 */
public final class ValidationMemo implements StorageInterceptor {

  /** What a verdict was made with: a write of one of these may change the next verdict. */
  private static final Set<String> CONFORMANCE_TYPES =
      Set.of("StructureDefinition", "ValueSet", "CodeSystem", "ConceptMap", "NamingSystem");

  /** ~3 KB a key: at most ~12 MB. Vital signs come in a few dozen shapes; NEWS2's scores vary more. */
  static final int MAX_ENTRIES = 4_096;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
  private static final Pattern TEXT = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ,.:;()/_|+\\-]{0,199}");
  private static final Pattern NARRATIVE_TEXT = Pattern.compile("[\\p{L}\\p{N} ,.:;()/_+%°\\-]+");
  private static final Pattern DATE_TIME =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})");
  private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9]\\d{0,8})(\\.\\d{1,6})?");
  private static final Pattern BETWEEN_TAGS = Pattern.compile(">([^<]*)<");
  private static final Pattern BUNDLED = Pattern.compile("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern CONDITIONAL = Pattern.compile("[A-Z][A-Za-z]{1,63}\\?[^\\s]{1,500}");

  /** Read when first needed: the catalog can list the profiles only once the package is installed. */
  private final Supplier<Set<String>> profiles;
  /** ... and then kept: the catalog reads the package once (ProfileCatalog#all). */
  private volatile Set<String> memoProfiles;
  private final Set<String> resourceTypes;
  private final Cache<String, List<SingleValidationMessage>> answers =
      Caffeine.newBuilder().maximumSize(MAX_ENTRIES).build();
  /** How often a verdict was reused, and how often a resource could not be keyed. */
  private final java.util.concurrent.atomic.LongAdder reused = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder unkeyed = new java.util.concurrent.atomic.LongAdder();

  /**
   * @param profiles the profiles whose verdicts may be reused
   * @param resourceTypes the FHIR resource types (a local reference names one)
   */
  ValidationMemo(Supplier<Set<String>> profiles, Set<String> resourceTypes) {
    this.profiles = profiles;
    this.resourceTypes = Set.copyOf(resourceTypes);
  }

  Set<String> profiles() {
    Set<String> known = memoProfiles;
    if (known == null) {
      known = Set.copyOf(profiles.get());
      memoProfiles = known;
    }
    return known;
  }

  /**
   * The validator's messages for a resource judged by these profiles, from the memo when a
   * resource of the same key was judged before; otherwise from {@code validate}, kept when it may be.
   *
   * @param json the encoding the validator reads (pretty-printed)
   */
  List<SingleValidationMessage> messages(
      String json, Collection<String> judgedBy, Supplier<List<SingleValidationMessage>> validate) {
    Optional<Key> key = key(json, judgedBy);
    if (key.isEmpty()) {
      unkeyed.increment();
      return validate.get();
    }
    List<SingleValidationMessage> known = answers.getIfPresent(key.get().text());
    if (known != null) {
      reused.increment();
      return copies(known);
    }
    List<SingleValidationMessage> messages = validate.get();
    if (messages.stream().noneMatch(m -> key.get().repeatsAReplacedValue(m))) {
      answers.put(key.get().text(), copies(messages));
    }
    return messages;
  }

  /** Forget every verdict: what they were made with has changed. */
  void forget() {
    answers.invalidateAll();
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    forgetWhenConformance(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    forgetWhenConformance(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    forgetWhenConformance(resource);
  }

  private void forgetWhenConformance(IBaseResource resource) {
    if (resource != null && CONFORMANCE_TYPES.contains(resource.fhirType())) {
      forget();
    }
  }

  long reused() {
    return reused.sum();
  }

  long unkeyed() {
    return unkeyed.sum();
  }

  long size() {
    answers.cleanUp();
    return answers.estimatedSize();
  }

  /** The key: the profiles and the JSON with each replaceable value replaced by its form's name. */
  Optional<Key> key(String json, Collection<String> judgedBy) {
    if (judgedBy.isEmpty() || !profiles().containsAll(judgedBy)) {
      return Optional.empty();
    }
    ObjectNode resource;
    try {
      resource = (ObjectNode) JSON.readTree(json);
    } catch (JsonProcessingException | ClassCastException e) {
      return Optional.empty();
    }
    List<String> replaced = new ArrayList<>();
    boolean keyed = replace(resource, "id", ID, "id", replaced)
        && replaceIn(resource.get("meta"), "versionId", ID, "id", replaced)
        && replaceIn(resource.get("meta"), "lastUpdated", DATE_TIME, "instant", replaced)
        && replaceNarrative(resource, replaced)
        && replaceEach(resource.get("identifier"), "value", TEXT, "text", replaced)
        && replace(resource, "effectiveDateTime", DATE_TIME, "dateTime", replaced)
        && replace(resource, "issued", DATE_TIME, "instant", replaced)
        && replaceIn(resource.get("valueQuantity"), "value", DECIMAL, "decimal", replaced)
        && replaceComponentQuantities(resource, replaced)
        && replaceReferences(resource, replaced);
    if (!keyed) {
      return Optional.empty();
    }
    return Optional.of(new Key(String.join("|", judgedBy) + "\n" + resource, List.copyOf(replaced)));
  }

  /** A key, and the values it replaced (an answer naming one of them is not reused). */
  record Key(String text, List<String> replaced) {
    boolean repeatsAReplacedValue(SingleValidationMessage message) {
      String said = message.getMessage() == null ? "" : message.getMessage();
      return replaced.stream().anyMatch(said::contains);
    }
  }

  private boolean replaceComponentQuantities(ObjectNode resource, List<String> replaced) {
    JsonNode components = resource.get("component");
    if (components == null) {
      return true;
    }
    for (JsonNode component : components) {
      if (!replaceIn(component.get("valueQuantity"), "value", DECIMAL, "decimal", replaced)) {
        return false;
      }
    }
    return true;
  }

  /** Every {@code reference} below the root: a local one's id; its display, as text. */
  private boolean replaceReferences(JsonNode node, List<String> replaced) {
    if (node instanceof ArrayNode array) {
      for (JsonNode item : array) {
        if (!replaceReferences(item, replaced)) {
          return false;
        }
      }
      return true;
    }
    if (!(node instanceof ObjectNode object)) {
      return true;
    }
    JsonNode reference = object.get("reference");
    if (reference != null && reference.isTextual()) {
      String target = reference.asText();
      String type = ReferenceTypeFetcher.localType(target, resourceTypes);
      if (type != null) {
        replaced.add(target.substring(type.length() + 1));
        object.put("reference", type + "/‹id›");
      } else if (BUNDLED.matcher(target).matches()) {
        // Inside a transaction HAPI calls the write hooks before it resolves the bundle's urn:uuid
        // references (they are still urn:uuid here); the validator cannot resolve one either way.
        replaced.add(target.substring("urn:uuid:".length()));
        object.put("reference", "urn:uuid:‹uuid›");
      } else if (!CONDITIONAL.matcher(target).matches()) {
        return false; // a conditional reference is kept as it is: the validator judges its form
      }
      if (!replace(object, "display", TEXT, "text", replaced)) {
        return false;
      }
    }
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (!field.getKey().equals("reference") && !replaceReferences(field.getValue(), replaced)) {
        return false;
      }
    }
    return true;
  }

  /** The narrative's markup is kept; each stretch of text between tags is replaced. */
  private static boolean replaceNarrative(ObjectNode resource, List<String> replaced) {
    JsonNode text = resource.get("text");
    if (text == null) {
      return true;
    }
    JsonNode div = text.get("div");
    if (div == null) {
      return true;
    }
    if (!div.isTextual()) {
      return false;
    }
    Matcher between = BETWEEN_TAGS.matcher(div.asText());
    StringBuilder markup = new StringBuilder();
    while (between.find()) {
      String stretch = between.group(1);
      if (stretch.isBlank()) {
        between.appendReplacement(markup, Matcher.quoteReplacement(between.group()));
      } else if (NARRATIVE_TEXT.matcher(stretch).matches() && stretch.strip().equals(stretch)) {
        replaced.add(stretch);
        between.appendReplacement(markup, "><text><");
      } else {
        return false;
      }
    }
    between.appendTail(markup);
    ((ObjectNode) text).put("div", markup.toString());
    return true;
  }

  private static boolean replaceEach(JsonNode array, String field, Pattern form, String name, List<String> replaced) {
    if (array == null) {
      return true;
    }
    for (JsonNode item : array) {
      if (!replaceIn(item, field, form, name, replaced)) {
        return false;
      }
    }
    return true;
  }

  private static boolean replaceIn(JsonNode parent, String field, Pattern form, String name, List<String> replaced) {
    return parent == null || (parent instanceof ObjectNode object && replace(object, field, form, name, replaced));
  }

  /** Replaces the field's value by its form's name; false when the value does not have the form. */
  private static boolean replace(ObjectNode object, String field, Pattern form, String name, List<String> replaced) {
    JsonNode value = object.get(field);
    if (value == null) {
      return true;
    }
    String text = value.isTextual() ? value.asText() : value.isNumber() ? value.toString() : null;
    if (text == null || !form.matcher(text).matches() || (form == DATE_TIME && !reasonableTime(text))) {
      return false;
    }
    replaced.add(text);
    object.set(field, new TextNode(form == DATE_TIME ? "‹" + name + ":" + shape(text) + "›" : "‹" + name + "›"));
    return true;
  }

  /**
   * A calendar time that exists, in a year no validator warns about (InstanceValidator#yearIsValid,
   * 6.7.9: from 1800 to 80 years ahead).
   */
  private static boolean reasonableTime(String text) {
    try {
      int year = OffsetDateTime.parse(text).getYear();
      return year >= 1900 && year <= 2099;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** A time's shape: its digits as 9 (so precision and the form of its timezone stay in the key). */
  private static String shape(String time) {
    return time.replaceAll("\\d", "9");
  }

  private static List<SingleValidationMessage> copies(List<SingleValidationMessage> messages) {
    List<SingleValidationMessage> copies = new ArrayList<>(messages.size());
    for (SingleValidationMessage m : messages) {
      SingleValidationMessage copy = new SingleValidationMessage();
      copy.setLocationCol(m.getLocationCol());
      copy.setLocationLine(m.getLocationLine());
      copy.setLocationString(m.getLocationString());
      copy.setMessage(m.getMessage());
      copy.setMessageId(m.getMessageId());
      copy.setSeverity(m.getSeverity());
      copy.setSliceMessages(m.getSliceMessages() == null ? null : List.copyOf(m.getSliceMessages()));
      copies.add(copy);
    }
    return copies;
  }
}
