package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.SingleValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import ca.uhn.fhir.context.support.IValidationSupport;
import se.samverkan.journey.PopulationGenerator;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;

/**
 * A reused verdict is the validator's own: for every Observation of a generated population, of the
 * profile examples, and of mutations that break each rule or only change values, the memo's answer
 * equals a full validation's — errors, warnings and information, with their locations.
 */
class ValidationMemoTest extends FhirServerTest {

  @Autowired ProfileCatalog catalog;
  @Autowired SamverkanValidator validator;
  @Autowired IValidationSupport validationSupport;
  @Autowired ValidationMemo serversMemo;

  @TempDir static Path population;
  private static final List<Observation> OBSERVATIONS = new ArrayList<>();
  private static final List<Observation> IN_TRANSACTION = new ArrayList<>();

  @BeforeAll
  static void generate() throws IOException {
    new PopulationGenerator(20261206L).write(3, population, Path.of("examples/00-county.json"));
  }

  @Test
  void everyObservationOfAPopulationGetsTheValidatorsOwnAnswerAndMostAreReused() {
    ValidationMemo memo = freshMemo();
    ProfileEnforcementInterceptor memoised = enforcer(memo);
    ProfileEnforcementInterceptor full = enforcer(neverKeying());
    int reused = 0;
    List<Observation> observations = new ArrayList<>(populationObservations());
    observations.addAll(inTransaction());
    for (Observation observation : observations) {
      long before = memo.size();
      assertSameAnswer(memoised, full, observation);
      reused += memo.size() == before ? 1 : 0;
    }
    assertThat(observations).hasSizeGreaterThan(600);
    // Vital signs come in few shapes: most answers are reused, which is the point of the memo.
    assertThat(reused).as("answers reused of %d", observations.size()).isGreaterThan(observations.size() * 3 / 4);
  }

  /**
   * In a journal system's transaction the references are still {@code urn:uuid}s and conditional
   * URLs when HAPI calls the write hooks (a first version of the memo keyed none of them, and ingest
   * was no faster): the server's memo must key and reuse the verdicts of a real bundle. The bundle
   * ends in a broken Observation, so that it is refused whole and leaves nothing in the database the
   * other tests share (the worklist tests count each unit's patients).
   */
  @Test
  void aJournalSystemsTransactionHasMostOfItsObservationsVerdictsReused() throws IOException {
    assertThat(send("POST", "", Files.readString(Path.of("examples/00-county.json"))).statusCode()).isEqualTo(200);
    Path file;
    try (Stream<Path> files = Files.list(population)) {
      file = files.filter(f -> f.getFileName().toString().startsWith("population-")).sorted().findFirst().orElseThrow();
    }
    Bundle bundle = fhirContext.newJsonParser().parseResource(Bundle.class, Files.readString(file));
    long observations = bundle.getEntry().stream().filter(e -> e.getResource() instanceof Observation).count();
    Observation broken = (Observation) bundle.getEntry().stream()
        .filter(e -> e.getResource() instanceof Observation).findFirst().orElseThrow().getResource().copy();
    broken.setStatus(null).getIdentifierFirstRep().setValue("memo-test-broken");
    bundle.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(broken).getRequest()
        .setMethod(Bundle.HTTPVerb.PUT).setUrl("Observation?identifier=" + broken.getIdentifierFirstRep().getSystem() + "|memo-test-broken");
    Patient patient = (Patient) bundle.getEntry().stream()
        .filter(e -> e.getResource() instanceof Patient).findFirst().orElseThrow().getResource();
    long reused = serversMemo.reused();
    long unkeyed = serversMemo.unkeyed();

    var response = send("POST", "", fhirContext.newJsonParser().encodeResourceToString(bundle));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(countAll("/Patient?identifier=" + patient.getIdentifierFirstRep().getSystem() + "%7C"
        + patient.getIdentifierFirstRep().getValue())).as("nothing of the refused bundle stored").isZero();
    assertThat(serversMemo.unkeyed() - unkeyed).as("Observations validated without a key").isLessThan(observations / 10);
    assertThat(serversMemo.reused() - reused).as("verdicts reused of %d", observations).isGreaterThan(observations / 2);
  }

  @Test
  void mutationsThatBreakARuleOrOnlyChangeValuesGetTheValidatorsOwnAnswer() {
    ValidationMemo memo = freshMemo();
    ProfileEnforcementInterceptor memoised = enforcer(memo);
    ProfileEnforcementInterceptor full = enforcer(neverKeying());
    List<Observation> originals = new ArrayList<>(populationObservations());
    originals.addAll(inTransaction());
    originals.addAll(exampleObservations());
    originals.forEach(o -> memoised.judge(o.copy(), profiles(o)));  // the memo knows every original's key

    int errors = 0;
    for (Observation original : originals) {
      for (Map.Entry<String, Consumer<Observation>> mutation : MUTATIONS.entrySet()) {
        Observation mutated = original.copy();
        mutation.getValue().accept(mutated);
        List<SingleValidationMessage> answer = assertSameAnswer(memoised, full, mutated);
        errors += answer.stream().anyMatch(m -> m.getSeverity().ordinal() >= 2) ? 1 : 0;
      }
    }
    // The breaking mutations did break something: the comparison was not of empty answers only.
    assertThat(errors).isGreaterThan(originals.size());
  }

  @Test
  void theMemoIsMadeOnlyForProfilesThatPutNoRuleOnWhatItReplaces() {
    Set<String> profiles = catalog.urlsOf("Observation");
    assertThat(profiles).hasSizeGreaterThan(10);
    List<String> replaced = List.of("Observation.id", "Observation.meta.versionId", "Observation.meta.lastUpdated",
        "Observation.identifier.value", "Observation.effective[x]", "Observation.issued",
        "Observation.value[x]", "Observation.component.value[x]", "Observation.text.div");
    for (String url : profiles) {
      StructureDefinition profile = (StructureDefinition) validationSupport.fetchStructureDefinition(url);
      for (ElementDefinition element : profile.getSnapshot().getElement()) {
        if (!replaced.contains(element.getPath())) {
          continue;
        }
        // Of a value[x] only a Quantity's number is replaced: integer scores, codes and booleans stay in the key.
        boolean quantity = element.getType().stream().anyMatch(t -> t.getCode().equals("Quantity"));
        if (element.getPath().endsWith("value[x]") && !quantity) {
          continue;
        }
        boolean judgesTheValue = element.hasMaxLength() || element.hasMinValue() || element.hasMaxValue()
            || (quantity && (element.hasPattern() || element.hasFixed()));
        assertThat(judgesTheValue).as("%s in %s", element.getId(), url).isFalse();
        // Our own invariants must not read a replaced value (the base ones, ele-1 etc., only ask for one).
        element.getConstraint().stream()
            .filter(c -> c.getKey().startsWith("samverkan"))
            .forEach(c -> assertThat(c.getExpression()).as(c.getKey()).doesNotContain("identifier", "effective", "issued", "div"));
      }
    }
  }

  @Test
  void aConformanceWriteMakesTheMemoForgetItsVerdicts() {
    ValidationMemo memo = freshMemo();
    ProfileEnforcementInterceptor memoised = enforcer(memo);
    Observation first = populationObservations().get(0);
    memoised.judge(first.copy(), profiles(first));
    assertThat(memo.size()).isEqualTo(1);

    memo.created(new org.hl7.fhir.r4.model.ValueSet());
    assertThat(memo.size()).isZero();
    memoised.judge(first.copy(), profiles(first));
    memo.created(new org.hl7.fhir.r4.model.Basic());
    assertThat(memo.size()).as("a write of patient data changes no verdict").isEqualTo(1);
  }

  /** Each either breaks a rule (the answer has errors) or changes only what the memo replaces. */
  private static final Map<String, Consumer<Observation>> MUTATIONS = new java.util.LinkedHashMap<>();

  static {
    MUTATIONS.put("other identifier value", o -> o.getIdentifierFirstRep().setValue("other-" + o.getIdentifierFirstRep().getValue()));
    MUTATIONS.put("other time", o -> o.setEffective(new DateTimeType("2025-01-02T03:04:05+01:00")));
    MUTATIONS.put("time in UTC", o -> o.setEffective(new DateTimeType("2025-01-02T03:04:05Z")));
    MUTATIONS.put("time without timezone", o -> o.setEffective(new DateTimeType("2025-01-02T03:04:05")));
    MUTATIONS.put("a day only", o -> o.setEffective(new DateTimeType("2025-01-02")));
    MUTATIONS.put("in the year 1700", o -> o.setEffective(new DateTimeType("1700-01-02T03:04:05+01:00")));
    MUTATIONS.put("no time", o -> o.setEffective(null));
    MUTATIONS.put("other subject", o -> o.setSubject(new Reference("Patient/someone-else")));
    MUTATIONS.put("subject a Group", o -> o.setSubject(new Reference("Group/some-group")));
    MUTATIONS.put("subject an Organization", o -> o.setSubject(new Reference("Organization/some-org")));
    MUTATIONS.put("no subject", o -> o.setSubject(null));
    MUTATIONS.put("subject another bundled resource", o -> o.setSubject(new Reference("urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201")));
    MUTATIONS.put("subject a malformed urn", o -> o.setSubject(new Reference("urn:uuid:not-a-uuid")));
    MUTATIONS.put("subject a conditional Group", o -> o.setSubject(new Reference("Group?identifier=x|y")));
    MUTATIONS.put("performer a malformed conditional", o -> o.getPerformer().add(new Reference("PractitionerRole?=x&&y")));
    MUTATIONS.put("performer a conditional role", o -> o.getPerformer().add(new Reference("PractitionerRole?identifier=urn:oid:1.2.752.29.4.19|SE2321000081-X1")));
    MUTATIONS.put("performer a Device", o -> o.getPerformer().add(new Reference("Device/a-device")));
    MUTATIONS.put("no performer", o -> o.getPerformer().clear());
    MUTATIONS.put("other number", o -> {
      if (o.getValue() instanceof Quantity q) q.setValue(q.getValue().add(java.math.BigDecimal.ONE));
    });
    MUTATIONS.put("number without unit code", o -> {
      if (o.getValue() instanceof Quantity q) q.setCode(null);
    });
    MUTATIONS.put("number in another unit", o -> {
      if (o.getValue() instanceof Quantity q) q.setCode("[lb_av]").setUnit("lb");
    });
    MUTATIONS.put("number as text", o -> {
      if (o.hasValueQuantity()) o.setValue(new StringType("104,6"));
    });
    MUTATIONS.put("score out of range", o -> {
      if (o.getValue() instanceof IntegerType i) i.setValue(99);
    });
    MUTATIONS.put("component score out of range", o -> o.getComponent().forEach(c -> {
      if (c.getValue() instanceof IntegerType i) i.setValue(9);
    }));
    MUTATIONS.put("component number changed", o -> o.getComponent().forEach(c -> {
      if (c.getValue() instanceof Quantity q) q.setValue(q.getValue().subtract(java.math.BigDecimal.TEN));
    }));
    MUTATIONS.put("other code", o -> o.setCode(new CodeableConcept().addCoding(
        new org.hl7.fhir.r4.model.Coding("http://loinc.org", "8310-5", "Body temperature"))));
    MUTATIONS.put("no category", o -> o.getCategory().clear());
    MUTATIONS.put("status unknown code", o -> o.getStatusElement().setValueAsString("final"));
    MUTATIONS.put("other narrative text", o -> {
      if (o.hasText()) o.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Annan text 12,5</p></div>");
    });
    MUTATIONS.put("narrative with a script", o -> {
      if (o.hasText()) o.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Text</p><script>x</script></div>");
    });
    MUTATIONS.put("narrative with an onclick", o -> {
      if (o.hasText()) o.getText().setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p onclick=\"x\">Text</p></div>");
    });
    MUTATIONS.put("data absent with a value", o -> o.setDataAbsentReason(new CodeableConcept().setText("unknown")));
  }

  private List<SingleValidationMessage> assertSameAnswer(
      ProfileEnforcementInterceptor memoised, ProfileEnforcementInterceptor full, Observation observation) {
    Set<String> profiles = profiles(observation);
    List<SingleValidationMessage> answer = memoised.judge(observation.copy(), profiles);
    List<SingleValidationMessage> truth = full.judge(observation.copy(), profiles);
    assertThat(described(answer)).as(fhirContext.newJsonParser().encodeResourceToString(observation))
        .isEqualTo(described(truth));
    return truth;
  }

  private Set<String> profiles(Observation observation) {
    return catalog.profilesAWriteApplies(observation, ProfilesProperties.Enforcement.STRICT);
  }

  private static List<String> described(List<SingleValidationMessage> messages) {
    return messages.stream()
        .map(m -> m.getSeverity() + " " + m.getLocationString() + " @" + m.getLocationLine() + ":" + m.getLocationCol()
            + " " + m.getMessageId() + " " + m.getMessage() + " " + m.getSliceMessages())
        .toList();
  }

  private ValidationMemo freshMemo() {
    return new ValidationMemo(() -> catalog.urlsOf("Observation"), fhirContext.getResourceTypes());
  }

  private ValidationMemo neverKeying() {
    return new ValidationMemo(Set::of, fhirContext.getResourceTypes());
  }

  private ProfileEnforcementInterceptor enforcer(ValidationMemo memo) {
    return new ProfileEnforcementInterceptor(
        new ProfilesProperties(ProfilesProperties.Enforcement.STRICT), catalog, fhirContext, validator, memo);
  }

  /**
   * The population's Observations as a write sees them: a transaction has replaced each
   * {@code urn:uuid} and conditional reference by the local {@code Type/id} it resolved to.
   */
  private List<Observation> populationObservations() {
    if (!OBSERVATIONS.isEmpty()) {
      return OBSERVATIONS;
    }
    try (Stream<Path> files = Files.list(population)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("population-")).sorted().toList()) {
        Bundle bundle = fhirContext.newJsonParser().parseResource(Bundle.class, Files.readString(file));
        Map<String, String> resolved = new HashMap<>();
        int n = 0;
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
          resolved.put(entry.getFullUrl(), entry.getResource().fhirType() + "/pop" + file.getFileName().toString().hashCode() + "-" + n++);
        }
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
          if (entry.getResource() instanceof Observation observation) {
            resolveReferences(observation, resolved);
            observation.setId(resolved.get(entry.getFullUrl()));
            OBSERVATIONS.add(observation);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return OBSERVATIONS;
  }

  /**
   * The population's Observations as the write hooks see them inside a transaction: HAPI calls them
   * before it resolves the bundle's {@code urn:uuid} references, which are still in place.
   */
  private List<Observation> inTransaction() {
    if (IN_TRANSACTION.isEmpty()) {
      try (Stream<Path> files = Files.list(population)) {
        for (Path file : files.filter(f -> f.getFileName().toString().startsWith("population-")).sorted().toList()) {
          Bundle bundle = fhirContext.newJsonParser().parseResource(Bundle.class, Files.readString(file));
          for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            if (entry.getResource() instanceof Observation observation) {
              observation.setId(java.util.UUID.nameUUIDFromBytes(entry.getFullUrl().getBytes()).toString());
              IN_TRANSACTION.add(observation);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return IN_TRANSACTION;
  }

  private List<Observation> exampleObservations() {
    return ProfileExamples.all().stream()
        .filter(f -> ProfileExamples.type(f).equals("Observation"))
        .map(f -> fhirContext.newJsonParser().parseResource(Observation.class, ProfileExamples.read(ProfileExamples.PROFILES.relativize(f).toString())))
        .toList();
  }

  private static void resolveReferences(Resource resource, Map<String, String> resolved) {
    for (Reference reference : ca.uhn.fhir.context.FhirContext.forR4Cached().newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
      String target = reference.getReference();
      if (target == null) {
        continue;
      }
      if (resolved.containsKey(target)) {
        reference.setReference(resolved.get(target));
      } else if (target.contains("?")) {
        reference.setReference(target.substring(0, target.indexOf('?')) + "/resolved-" + Math.abs(target.hashCode()));
      }
    }
  }
}
