package se.samverkan.journey;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;
import org.slf4j.LoggerFactory;
import se.samverkan.journey.County.Kommun;
import se.samverkan.journey.County.Role;
import se.samverkan.journey.County.Staff;
import se.samverkan.journey.County.Unit;
import se.samverkan.profiles.SwedishPersonIdentifiers;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Writes a synthetic population of frail older people in the sample county as FHIR transaction
 * bundles that {@link ExampleLoader} loads: {@code 00-county.json} (copied from examples/), then
 * {@code population-0001.json}, … with {@value #PATIENTS_PER_BUNDLE} patients each (fewer when
 * they would reach {@value #ENTRY_LIMIT} entries). Per patient, in the shapes of the journeys:
 * Patient, 3–10 Conditions, CareTeam, CFS, geriatric risk profile, AMP with the patient's wishes,
 * for some a SIP with Consent, for some an ED visit with screening, three months of
 * self-monitoring (weight, blood pressure, SpO2), weekly NEWS2 with the respiratory rate and ACVPU
 * it was scored from, and an MNA-SF nutrition screening at inclusion and at follow-up.
 *
 * <p>Deterministic: the same seed and number of patients give byte-identical files (fixed
 * reference date, {@link Random} from the seed, name-based UUIDs). Patient i is the same person
 * whatever the population size. Every entry is a conditional update on an identifier, so loading
 * twice creates nothing new.
 *
 * <p>{@code ./mvnw -q compile exec:java@generate-population [-Dpatients=1000] [-Dseed=20261102]
 * [-Dout=target/population]}
 */
public final class PopulationGenerator {

  /** "Today" of the examples; every date is relative to it, none to the wall clock. */
  static final LocalDate REFERENCE_DATE = LocalDate.of(2026, 11, 2);
  /**
   * About 740 entries a bundle, never 800 (ENTRY_LIMIT): loading a bundle again, HAPI 8.8 prefetches the
   * matched resources in chunks of 800 and asserts each chunk is smaller than that, so with
   * assertions on (as in tests) a transaction updating 800 or more resources fails. The
   * benchmark writes one patient a bundle instead: HAPI's check that no two conditional entries
   * of a transaction match the same resource costs entries² (docs/performance.md).
   */
  static final int PATIENTS_PER_BUNDLE = 5;
  /**
   * A bundle holds fewer entries than this (the HAPI prefetch limit above). Five patients average
   * about 740; should five large ones together reach it, the bundle closes early.
   */
  static final int ENTRY_LIMIT = 800;
  /** Self-monitoring spans at least this many days up to the reference date. */
  static final int MONITORING_DAYS = 90;
  /** Every third day: two to three times a week. */
  static final int MEASUREMENT_INTERVAL_DAYS = 3;
  static final int NEWS2_INTERVAL_DAYS = 7;
  /** The MNA-SF is repeated this many days after the one at inclusion (on or before the reference date). */
  static final int MNA_SF_FOLLOW_UP_DAYS = 90;
  static final double ED_VISIT_SHARE = 0.05;
  /** Patients (besides those with an ED visit) with a spell of deterioration at home. */
  static final double DETERIORATION_SHARE = 0.10;
  static final long DEFAULT_SEED = 20261102L;

  static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
  static final String INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
  /**
   * The LOINC answers of 67775-7 for alert and for new confusion, the only two a nurse's round
   * gives (Vitals.Round#alert); the profile's ValueSet acvpu lists all five.
   */
  static final String ACVPU_ALERT = "LA9340-6";
  static final String ACVPU_CONFUSED = "LA6560-2";

  /** The people of the journeys in examples/: never given to a generated person. */
  static final Set<String> JOURNEY_NUMBERS =
      Set.of("193903149825", "194207089840", "193709779882", "194501259867");

  private static final ZoneId SWEDEN = ZoneId.of("Europe/Stockholm");
  private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
  private static final DateTimeFormatter YYMMDD = DateTimeFormatter.ofPattern("yyMMdd");

  /** An ICD-10-SE diagnosis as the journeys code it, with how common it is among the frail old. */
  record Diagnosis(String code, String display, String text, int weight) {}

  static final List<Diagnosis> DIAGNOSES = List.of(
      new Diagnosis("I10.9", "Essentiell hypertoni, ospecificerad", "Hypertoni", 55),
      new Diagnosis("I50.9", "Hjärtsvikt, ospecificerad", "Hjärtsvikt", 25),
      new Diagnosis("I48.9", "Förmaksflimmer och förmaksfladder, ospecificerat", "Förmaksflimmer", 25),
      new Diagnosis("E11.9", "Diabetes mellitus typ 2 utan komplikationer", "Typ 2-diabetes", 25),
      new Diagnosis("N18.3", "Kronisk njursjukdom, stadium 3", "Kronisk njursjukdom", 20),
      new Diagnosis("M17.9", "Gonartros, ospecificerad", "Knäledsartros", 20),
      new Diagnosis("M81.9", "Osteoporos, ospecificerad", "Benskörhet", 20),
      new Diagnosis("I25.9", "Kronisk ischemisk hjärtsjukdom, ospecificerad", "Kärlkramp", 18),
      new Diagnosis("J44.9", "Kroniskt obstruktiv lungsjukdom, ospecificerad", "KOL", 15),
      new Diagnosis("F03.9", "Ospecificerad demens", "Demens", 15),
      new Diagnosis("D64.9", "Anemi, ospecificerad", "Blodbrist", 10),
      new Diagnosis("E03.9", "Hypotyreos, ospecificerad", "Underfunktion i sköldkörteln", 8),
      new Diagnosis("F32.9", "Depressiv episod, ospecificerad", "Depression", 8),
      new Diagnosis("I69.4", "Sena effekter av slaganfall, ej specificerat som blödning eller infarkt",
          "Tidigare stroke", 6),
      new Diagnosis("G20.9", "Parkinsons sjukdom, ospecificerad", "Parkinsons sjukdom", 2));

  /** Clinical Frailty Scale 1–9: weights skewed to 4–7, the people coordinated care is for. */
  private static final int[] FRAILTY_WEIGHTS = {1, 2, 5, 18, 25, 24, 15, 7, 3};
  private static final String[] FRAILTY_TEXT = {"mycket vital", "vital", "klarar sig bra", "sårbar",
      "lätt skör", "måttligt skör", "uttalat skör", "mycket uttalat skör", "terminalt sjuk"};

  private static final List<String> FEMALE_NAMES = List.of("Anna", "Margareta", "Elisabeth", "Kerstin",
      "Birgitta", "Ingrid", "Karin", "Marianne", "Ulla", "Gunilla", "Maj", "Inga", "Gun", "Britt",
      "Elsa", "Rut", "Signe", "Greta", "Solveig", "Dagmar");
  private static final List<String> MALE_NAMES = List.of("Lars", "Karl", "Erik", "Per", "Bengt", "Sven",
      "Gunnar", "Rolf", "Ingvar", "Lennart", "Åke", "Bo", "Stig", "Göran", "Kjell", "Olof", "Arne",
      "Hans", "Tore", "Evert");
  private static final List<String> NAME_STEMS = List.of("Ek", "Björk", "Lind", "Berg", "Sjö", "Ask",
      "Hag", "Gran", "Al", "Lönn", "Vik", "Ström", "Mos", "Häll", "Rönn", "Kärr");
  private static final List<String> NAME_ENDINGS = List.of("lund", "qvist", "gren", "dal", "borg",
      "mark", "holm", "by", "ström", "sten", "vall", "näs");
  private static final List<String> STREET_ENDINGS = List.of("vägen", "gatan", "gränd", "stigen",
      "backen", "allén");

  /** The patient's wishes (viljeinriktning) in an AMP. */
  private static final List<String> WISHES = List.of(
      "Vill bo kvar hemma och klara mig själv med lite hjälp",
      "Vill vårdas hemma vid försämring så länge det går",
      "Vill inte läggas in på intensivvård; vill hellre vårdas på vårdavdelning eller hemma",
      "Vill undvika akutbesök när vården kan ges hemma",
      "Vill ha min familj nära vid allvarlig försämring");
  /** The person's own goals in a SIP. */
  private static final List<String> OWN_GOALS = List.of(
      "Vill kunna laga min egen frukost",
      "Vill orka gå ut på en promenad varje dag",
      "Vill kunna duscha själv",
      "Vill fortsätta träffa mina vänner på träffpunkten",
      "Vill känna mig trygg hemma på natten",
      "Vill kunna handla själv i affären");
  private static final List<String> ED_REASONS = List.of("Andfåddhet", "Yrsel och fall i hemmet",
      "Feber och förvirring", "Allmän försämring", "Bröstsmärta");

  /** What was made, for the summary line. */
  public record Result(int patients, int bundles, int resources, Path directory) {}

  private final long seed;
  private final IParser json = FhirContext.forR4Cached().newJsonParser();

  public PopulationGenerator(long seed) {
    this.seed = seed;
  }

  /** {@code PopulationGenerator <patients> <seed> <output dir> <00-county.json> [<patients per bundle>]} */
  public static void main(String[] args) throws IOException {
    int patients = args.length > 0 ? Integer.parseInt(args[0].trim()) : 1000;
    long seed = args.length > 1 ? Long.parseLong(args[1].trim()) : DEFAULT_SEED;
    Path out = Path.of(args.length > 2 ? args[2] : "target/population");
    Path county = Path.of(args.length > 3 ? args[3] : "examples/00-county.json");
    int perBundle = args.length > 4 ? Integer.parseInt(args[4].trim()) : PATIENTS_PER_BUNDLE;
    // HAPI announces its version and context at INFO; the summary line is all a user needs.
    if (LoggerFactory.getLogger("ca.uhn.fhir") instanceof ch.qos.logback.classic.Logger hapi) {
      hapi.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    long start = System.nanoTime();
    Result result = new PopulationGenerator(seed).write(patients, perBundle, out, county);
    System.out.printf(Locale.ROOT, "Population (seed %d): %d patients, %d bundles, %d resources in %s"
            + " (plus 00-county.json), %.1f s%n", seed, result.patients(), result.bundles(),
        result.resources(), result.directory(), (System.nanoTime() - start) / 1e9);
  }

  /**
   * Writes the county and the population into {@code out}, first removing population files of an
   * earlier run there (a smaller population must not leave stale bundles behind).
   */
  public Result write(int patients, Path out, Path county) throws IOException {
    return write(patients, PATIENTS_PER_BUNDLE, out, county);
  }

  /** As {@link #write(int, Path, Path)}, with {@code perBundle} patients in each bundle. */
  public Result write(int patients, int perBundle, Path out, Path county) throws IOException {
    if (patients < 1 || patients > 100_000) {
      throw new IllegalArgumentException("patients must be 1–100000, was " + patients);
    }
    if (perBundle < 1 || perBundle > 5) {
      throw new IllegalArgumentException("patients per bundle must be 1–5 (HAPI's 800-entry limit), was " + perBundle);
    }
    Files.createDirectories(out);
    try (Stream<Path> old = Files.list(out)) {
      for (Path file : old.filter(p -> p.getFileName().toString().matches("population-\\d+\\.json")).toList()) {
        Files.delete(file);
      }
    }
    Files.copy(county, out.resolve("00-county.json"), StandardCopyOption.REPLACE_EXISTING);

    Random people = new Random(seed);
    Set<String> taken = new HashSet<>();
    int bundles = 0;
    int resources = 0;
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    int inBundle = 0;
    for (int index = 1; index <= patients; index++) {
      List<BundleEntryComponent> person = entries(new Person(index, new Random(people.nextLong()), taken));
      if (inBundle == perBundle || bundle.getEntry().size() + person.size() >= ENTRY_LIMIT) {
        resources += writeBundle(bundle, out, ++bundles);
        bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        inBundle = 0;
      }
      person.forEach(bundle::addEntry);
      inBundle++;
    }
    resources += writeBundle(bundle, out, ++bundles);
    return new Result(patients, bundles, resources, out);
  }

  /** Writes population-NNNN.json and answers how many entries it holds. */
  private int writeBundle(Bundle bundle, Path out, int number) throws IOException {
    Path file = out.resolve(String.format(Locale.ROOT, "population-%04d.json", number));
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      json.encodeResourceToWriter(bundle, writer);
    }
    return bundle.getEntry().size();
  }

  /** Everything about one person, in a fixed order (the order the random draws are made in). */
  List<BundleEntryComponent> entries(Person p) {
    List<BundleEntryComponent> entries = new ArrayList<>();
    entries.add(patient(p));
    for (int i = 0; i < p.diagnoses.size(); i++) {
      entries.add(condition(p, i));
    }
    entries.add(careTeam(p));
    entries.add(frailty(p));
    entries.add(riskProfile(p));
    for (int i = 0; i < p.wishes.size(); i++) {
      entries.add(goal(p, "goal-wish-" + (i + 1), p.wishes.get(i), p.ampCreated, "viljeinriktning"));
    }
    entries.add(amp(p));
    if (p.sipCreated != null) {
      entries.add(consent(p));
      for (int i = 0; i < p.ownGoals.size(); i++) {
        entries.add(goal(p, "goal-sip-" + (i + 1), p.ownGoals.get(i), p.sipCreated, "mål med egna ord"));
      }
      entries.add(sip(p));
    }
    if (p.edVisitStart != null) {
      entries.add(edVisit(p));
      entries.add(edScreening(p));
    }
    entries.addAll(selfMonitoring(p));
    entries.addAll(news2(p));
    // Last, so that the draws for everything above stay as they were before MNA-SF was added.
    entries.addAll(mnaSf(p));
    return entries;
  }

  // ---------------------------------------------------------------- the person's story

  /**
   * The facts about patient {@code index}, drawn from its own random stream so that a person does
   * not change with the population size.
   */
  final class Person {
    final int index;
    final Random random;
    final boolean male;
    final String personnummer;
    final LocalDate birthDate;
    final String given;
    final String family;
    final Kommun kommun;
    final String street;
    final String postalCode;
    final List<Diagnosis> diagnoses;
    final int frailty;
    final int[] risk;
    final LocalDate teamStart;
    final LocalDate ampCreated;
    final List<String> wishes;
    final LocalDate sipCreated;
    final List<String> ownGoals;
    final ZonedDateTime edVisitStart;
    /** Every MEASUREMENT_INTERVAL_DAYS from here to the reference date. */
    final LocalDate monitoringStart;
    final Vitals vitals;

    Person(int index, Random random, Set<String> taken) {
      this.index = index;
      this.random = random;
      this.male = random.nextInt(100) < 40;
      this.personnummer = newPersonnummer(taken);
      this.birthDate = SwedishPersonIdentifiers.birthDate(personnummer, false).orElseThrow();
      this.given = pick(male ? MALE_NAMES : FEMALE_NAMES);
      this.family = pick(NAME_STEMS) + pick(NAME_ENDINGS);
      this.kommun = pickKommun();
      this.street = "Exempel" + pick(STREET_ENDINGS) + " " + (1 + random.nextInt(60));
      this.postalCode = kommun.postalPrefix() + String.format(Locale.ROOT, "%02d", 30 + random.nextInt(10));
      this.diagnoses = pickDiagnoses();
      this.frailty = 1 + weighted(FRAILTY_WEIGHTS);
      this.risk = pickRiskItems();
      this.monitoringStart = REFERENCE_DATE.minusDays(MONITORING_DAYS + random.nextInt(MEASUREMENT_INTERVAL_DAYS));
      this.teamStart = monitoringStart.minusDays(random.nextInt(180));
      this.ampCreated = teamStart.plusDays(random.nextInt(14));
      this.wishes = pickSome(WISHES, 1 + random.nextInt(2));
      boolean sip = random.nextDouble() < (frailty >= 6 ? 0.45 : 0.2);
      this.sipCreated = sip ? REFERENCE_DATE.minusDays(7 + random.nextInt(60)) : null;
      this.ownGoals = sip ? pickSome(OWN_GOALS, 1 + random.nextInt(2)) : List.of();
      boolean ed = random.nextDouble() < ED_VISIT_SHARE;
      this.edVisitStart =
          ed ? at(REFERENCE_DATE.minusDays(1 + random.nextInt(7)), 8 * 60 + random.nextInt(14 * 60)) : null;
      // Those who came to the ED were at their worst that day; a few others had a spell at home.
      LocalDate worstDay = ed ? edVisitStart.toLocalDate()
          : random.nextDouble() < DETERIORATION_SHARE
              ? monitoringStart.plusDays(random.nextInt(MONITORING_DAYS)) : null;
      this.vitals = new Vitals(random, male, frailty, has("I50.9"), has("J44.9"), has("I10.9"), has("I48.9"),
          worstDay);
    }

    /**
     * A personnummer from Skatteverket's test series (birth number 980–999, last digit odd for
     * men), born 1925–1950, not yet given to anyone in this population nor to a journey person.
     */
    private String newPersonnummer(Set<String> taken) {
      while (true) {
        int year = 1925 + Math.max(random.nextInt(26), random.nextInt(26)); // more 75–85 than 95–100
        LocalDate birth = LocalDate.ofYearDay(year, 1 + random.nextInt(Year.of(year).length()));
        int birthNumber = 980 + 2 * random.nextInt(10) + (male ? 1 : 0);
        String nine = birth.format(YYMMDD) + birthNumber;
        String candidate = year / 100 + nine + SwedishPersonIdentifiers.luhn(nine);
        if (!JOURNEY_NUMBERS.contains(candidate) && taken.add(candidate)) {
          return candidate;
        }
      }
    }

    private Kommun pickKommun() {
      int[] weights = County.KOMMUNER.stream().mapToInt(Kommun::weight).toArray();
      return County.KOMMUNER.get(weighted(weights));
    }

    /** 3–10 different diagnoses, mostly 4–7, the common ones more often. */
    private List<Diagnosis> pickDiagnoses() {
      int count = 3 + weighted(new int[] {8, 15, 20, 20, 15, 10, 7, 5});
      List<Diagnosis> left = new ArrayList<>(DIAGNOSES);
      List<Diagnosis> chosen = new ArrayList<>();
      while (chosen.size() < count) {
        chosen.add(left.remove(weighted(left.stream().mapToInt(Diagnosis::weight).toArray())));
      }
      return chosen;
    }

    /** The five items of the geriatric risk profile, following the diagnoses and frailty. */
    private int[] pickRiskItems() {
      int medicines = diagnoses.size() >= 4 || random.nextInt(10) < 4 ? 1 : 0;
      int livesAlone = random.nextInt(2);
      int mobility = random.nextInt(10) < (frailty >= 5 ? 8 : 2) ? 1 : 0;
      int admission = random.nextInt(10) < 2 ? 1 : 0;
      int cognition = has("F03.9") ? 2 : random.nextInt(100) < 15 ? 1 : 0;
      return new int[] {medicines, livesAlone, mobility, admission, cognition};
    }

    boolean has(String icd10) {
      return diagnoses.stream().anyMatch(d -> d.code().equals(icd10));
    }

    Unit vardcentral() {
      return kommun.vardcentral();
    }

    Staff physician() {
      return County.physician(vardcentral());
    }

    Staff coordinator() {
      return County.coordinator(vardcentral());
    }

    Reference reference() {
      return new Reference(fullUrl(this, "patient"));
    }

    /** "Annas", "Nils" (Swedish genitive). */
    String givenGenitive() {
      return given.matches(".*[sxz]$") ? given : given + "s";
    }

    int riskTotal() {
      int total = 0;
      for (int item : risk) {
        total += item;
      }
      return total;
    }

    <T> T pick(List<T> list) {
      return list.get(random.nextInt(list.size()));
    }

    private List<String> pickSome(List<String> list, int count) {
      List<String> left = new ArrayList<>(list);
      List<String> chosen = new ArrayList<>();
      while (chosen.size() < count) {
        chosen.add(left.remove(random.nextInt(left.size())));
      }
      return chosen;
    }

    /** An index into weights, each with probability proportional to its weight. */
    private int weighted(int[] weights) {
      int total = 0;
      for (int w : weights) {
        total += w;
      }
      int draw = random.nextInt(total);
      for (int i = 0; i < weights.length; i++) {
        draw -= weights[i];
        if (draw < 0) {
          return i;
        }
      }
      throw new IllegalStateException("unreachable");
    }
  }

  // ---------------------------------------------------------------- one method per resource kind

  private BundleEntryComponent patient(Person p) {
    Patient patient = new Patient();
    patient.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + "SamverkanPatient");
    patient.addIdentifier().setSystem(Vocabulary.PERSONNUMMER).setValue(p.personnummer);
    patient.addName().setFamily(p.family).addGiven(p.given);
    patient.setGender(p.male ? AdministrativeGender.MALE : AdministrativeGender.FEMALE);
    patient.setBirthDateElement(new DateType(p.birthDate.toString()));
    Address address = patient.addAddress();
    address.addExtension(Vocabulary.KOMMUNKOD_EXTENSION, new Coding(Vocabulary.KOMMUNKOD, p.kommun.code(), p.kommun.name()));
    address.setUse(Address.AddressUse.HOME).addLine(p.street).setPostalCode(p.postalCode).setCity(p.kommun.name());
    patient.addGeneralPractitioner(p.vardcentral().reference());
    BundleEntryComponent entry = new BundleEntryComponent().setFullUrl(fullUrl(p, "patient")).setResource(patient);
    entry.getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient?identifier=" + Vocabulary.PERSONNUMMER + "|" + p.personnummer);
    return entry;
  }

  private BundleEntryComponent condition(Person p, int i) {
    Diagnosis diagnosis = p.diagnoses.get(i);
    Condition condition = new Condition();
    condition.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + "SamverkanCondition");
    condition.setText(narrative(diagnosis.text() + " (" + diagnosis.code() + ")."));
    condition.setClinicalStatus(
        concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null));
    condition.setVerificationStatus(
        concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", null));
    condition.addCategory(
        concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", null));
    condition.setCode(concept(Vocabulary.ICD_10_SE, diagnosis.code(), diagnosis.display()).setText(diagnosis.text()));
    condition.setSubject(p.reference());
    condition.setRecordedDateElement(new DateTimeType(p.teamStart.minusDays(p.random.nextInt(3650)).toString()));
    condition.setRecorder(p.physician().practitionerRole());
    return entry(p, "condition-" + (i + 1), condition);
  }

  /** The patient's vårdcentral and kommun with their staff; a kommun without staff takes part as itself. */
  private BundleEntryComponent careTeam(Person p) {
    CareTeam team = new CareTeam();
    team.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + "SamverkanCareTeam");
    team.setText(narrative("Samverkansteam kring " + p.given + ": " + name(p.vardcentral()) + " och "
        + name(p.kommun.organization()) + "."));
    team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
    team.addCategory(concept(Vocabulary.LOINC, "LA28865-6", "Longitudinal care-coordination focused care team"));
    team.setName("Samverkansteam kring " + p.given);
    team.setSubject(p.reference());
    team.setPeriod(new Period().setStartElement(new DateTimeType(p.teamStart.toString())));
    for (Unit unit : List.of(p.vardcentral(), p.kommun.organization())) {
      List<Staff> staff = County.staffAt(unit);
      for (Staff member : staff) {
        team.addParticipant()
            .setRole(List.of(concept(Vocabulary.ROLE, member.role().code, member.role().display)))
            .setMember(member.practitioner())
            .setOnBehalfOf(unit.bareReference())
            .setPeriod(new Period().setStartElement(new DateTimeType(p.teamStart.toString())));
      }
      if (staff.isEmpty()) {
        Role role = Role.SAMORDNARE_KOMMUN;
        team.addParticipant()
            .setRole(List.of(concept(Vocabulary.ROLE, role.code, role.display)))
            .setMember(unit.reference())
            .setPeriod(new Period().setStartElement(new DateTimeType(p.teamStart.toString())));
      }
    }
    team.addManagingOrganization(p.vardcentral().bareReference());
    return entry(p, "careteam", team);
  }

  private BundleEntryComponent frailty(Person p) {
    Observation cfs = observation("SamverkanClinicalFrailtyScale", "survey", "Survey", p);
    cfs.setText(narrative("Clinical Frailty Scale: " + p.frailty + " (" + FRAILTY_TEXT[p.frailty - 1] + ")."));
    cfs.setCode(concept(Vocabulary.SNOMED_CT, "763264000", null).setText("Clinical Frailty Scale"));
    cfs.setEffective(dateTime(at(p.teamStart, 10 * 60 + p.random.nextInt(120))));
    cfs.addPerformer(p.coordinator().practitionerRole());
    cfs.setValue(new IntegerType(p.frailty));
    cfs.setMethod(concept(Vocabulary.SNOMED_CT, "445414007", null).setText("Clinical Frailty Scale"));
    return entry(p, "cfs-1", cfs);
  }

  private static final String[][] RISK_ITEMS = {
      {"geriatric-risk-medicines", "Fem eller fler läkemedel"},
      {"geriatric-risk-lives-alone", "Ensamboende eller saknar tillgänglig närstående"},
      {"geriatric-risk-mobility", "Svårt att gå eller förflytta sig, eller nyligen fallit"},
      {"geriatric-risk-admission", "Inlagd på sjukhus de senaste tre månaderna"},
      {"geriatric-risk-cognition", "Kognitiv nedsättning"}};

  private BundleEntryComponent riskProfile(Person p) {
    int total = p.riskTotal();
    boolean riskPatient = total >= 3;
    Observation profile = observation("SamverkanGeriatricRiskProfile", "survey", "Survey", p);
    profile.setText(narrative("Geriatrisk riskprofil: " + total + " poäng, "
        + (riskPatient ? "geriatrisk riskpatient." : "inte geriatrisk riskpatient.")));
    profile.setCode(concept(Vocabulary.INSTRUMENT, "geriatric-risk-profile", "Geriatrisk riskprofil, totalpoäng"));
    profile.setEffective(dateTime(at(p.teamStart, 12 * 60 + p.random.nextInt(60))));
    profile.addPerformer(p.coordinator().practitionerRole());
    profile.setValue(new IntegerType(total));
    profile.addInterpretation(
        concept(INTERPRETATION, riskPatient ? "POS" : "NEG", riskPatient ? "Positive" : "Negative")
            .setText(riskPatient ? "Geriatrisk riskpatient" : "Inte geriatrisk riskpatient"));
    for (int i = 0; i < RISK_ITEMS.length; i++) {
      profile.addComponent().setCode(concept(Vocabulary.INSTRUMENT, RISK_ITEMS[i][0], RISK_ITEMS[i][1]))
          .setValue(new IntegerType(p.risk[i]));
    }
    return entry(p, "geriatric-risk-profile-1", profile);
  }

  private BundleEntryComponent goal(Person p, String key, String words, LocalDate start, String what) {
    Goal goal = new Goal();
    goal.setText(narrative(p.givenGenitive() + " " + what + "."));
    goal.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.setDescription(new CodeableConcept().setText(words));
    goal.setSubject(p.reference());
    goal.setStart(new DateType(start.toString()));
    goal.setExpressedBy(p.reference());
    return entry(p, key, goal);
  }

  /** The AMP: the physician's action plan on deterioration and the patient's wishes (journey a). */
  private BundleEntryComponent amp(Person p) {
    Reference physician = p.physician().practitionerRole();
    CarePlan amp = new CarePlan();
    amp.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + "SamverkanAMP");
    amp.setText(narrative("AMP för " + p.given + ": viljeinriktning och åtgärdsplan vid försämring."));
    amp.setStatus(CarePlan.CarePlanStatus.ACTIVE);
    amp.setIntent(CarePlan.CarePlanIntent.PLAN);
    amp.addCategory(concept(Vocabulary.CAREPLAN_TYPE, "AMP",
        "Avancerad medicinsk individuell vårdplan"));
    amp.setTitle("Avancerad medicinsk individuell vårdplan (AMP) för " + p.given);
    amp.setSubject(p.reference());
    amp.setPeriod(new Period().setStartElement(new DateTimeType(p.ampCreated.toString())));
    amp.setCreatedElement(new DateTimeType(p.ampCreated.toString()));
    amp.setAuthor(physician);
    amp.addCareTeam(ref(p, "careteam"));
    for (int i = 0; i < p.diagnoses.size(); i++) {
      amp.addAddresses(ref(p, "condition-" + (i + 1)));
    }
    amp.addSupportingInfo(ref(p, "cfs-1")).addSupportingInfo(ref(p, "geriatric-risk-profile-1"));
    for (int i = 0; i < p.wishes.size(); i++) {
      amp.addGoal(ref(p, "goal-wish-" + (i + 1)));
    }
    // Every action on deterioration starts with the hemsjukvård nurse's visit at home.
    amp.addActivity().getDetail().setCode(KvaCode.HOME_VISIT.concept())
        .setStatus(CarePlan.CarePlanActivityStatus.NOTSTARTED)
        .addPerformer(p.kommun.organization().bareReference()).addPerformer(physician.copy())
        .setDescription(actionOnDeterioration(p));
    amp.addActivity().getDetail().setStatus(CarePlan.CarePlanActivityStatus.NOTSTARTED)
        .addPerformer(physician.copy())
        .setDescription("Vid allvarlig försämring: vård enligt " + p.givenGenitive()
            + " viljeinriktning, efter samråd med " + p.given + " och närstående.");
    return entry(p, "amp", amp);
  }

  private static String actionOnDeterioration(Person p) {
    if (p.has("I50.9")) {
      return "Vid NEWS2 5 eller mer, viktökning över 2 kg på tre dagar eller ökad andfåddhet: hemsjukvårdens"
          + " sjuksköterska gör hembesök samma dag, ger extra dos diuretikum enligt ordination och kontaktar"
          + " patientansvarig läkare.";
    }
    if (p.has("J44.9")) {
      return "Vid ökad andfåddhet, feber eller syremättnad under 92 %: hemsjukvårdens sjuksköterska gör"
          + " hembesök, mäter NEWS2 och kontaktar patientansvarig läkare samma dag.";
    }
    return "Vid NEWS2 5 eller mer eller tydlig försämring: hemsjukvårdens sjuksköterska gör hembesök samma"
        + " dag och kontaktar patientansvarig läkare.";
  }

  private BundleEntryComponent consent(Person p) {
    Consent consent = new Consent();
    consent.setText(
        narrative(p.given + " samtycker till SIP och till att region och kommun delar uppgifter för den."));
    consent.setStatus(Consent.ConsentState.ACTIVE);
    consent.setScope(
        concept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"));
    consent.addCategory(concept(Vocabulary.LOINC, "59284-0", null).setText("Samtycke till samordnad individuell plan"));
    consent.setPatient(p.reference());
    consent.setDateTimeElement(dateTime(at(p.sipCreated, 10 * 60)));
    consent.addPerformer(p.reference());
    consent.addOrganization(p.vardcentral().bareReference());
    consent.addPolicy().setUri(Vocabulary.SIP_CONSENT_POLICY);
    consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT)
        .setPeriod(new Period().setStartElement(new DateTimeType(p.sipCreated.toString())));
    return entry(p, "consent-sip", consent);
  }

  /** The SIP (journey b): the kommun has overall responsibility; each activity names its Organization. */
  private BundleEntryComponent sip(Person p) {
    Unit kommun = p.kommun.organization();
    LocalDate followUp = p.sipCreated.plusWeeks(4);
    CarePlan sip = new CarePlan();
    sip.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + "SamverkanSIP");
    sip.setText(narrative("SIP för " + p.given + ", upprättad " + p.sipCreated + ". Huvudansvarig: "
        + name(kommun) + ". Uppföljning " + followUp + "."));
    sip.addExtension(Vocabulary.STRUCTURE_DEFINITION_BASE + "overall-responsible-huvudman", kommun.reference());
    sip.addExtension(Vocabulary.STRUCTURE_DEFINITION_BASE + "follow-up-date", new DateType(followUp.toString()));
    sip.setStatus(CarePlan.CarePlanStatus.ACTIVE);
    sip.setIntent(CarePlan.CarePlanIntent.PLAN);
    sip.addCategory(
        concept(Vocabulary.TYPE_OF_CARE_PLAN, "SIP", "Samordnad individuell plan"));
    sip.setTitle("Samordnad individuell plan (SIP) för " + p.given);
    sip.setSubject(p.reference());
    sip.setPeriod(new Period().setStartElement(new DateTimeType(p.sipCreated.toString())));
    sip.setCreatedElement(new DateTimeType(p.sipCreated.toString()));
    sip.setAuthor(p.coordinator().practitionerRole());
    sip.addCareTeam(ref(p, "careteam"));
    for (int i = 0; i < p.diagnoses.size(); i++) {
      sip.addAddresses(ref(p, "condition-" + (i + 1)));
    }
    sip.addSupportingInfo(ref(p, "consent-sip"));
    for (int i = 0; i < p.ownGoals.size(); i++) {
      sip.addGoal(ref(p, "goal-sip-" + (i + 1)));
    }
    sipActivity(sip, kommun, "Hemtjänst morgon och kväll (biståndsbeslut).");
    sipActivity(sip, kommun, "Hemsjukvård: hembesök en gång i veckan med läkemedelshantering och NEWS2.")
        .setCode(KvaCode.HOME_VISIT.concept());
    sipActivity(sip, p.vardcentral(), "Egenmonitorering (vikt, blodtryck, syremättnad var tredje dag) följs"
        + " av vårdcentralen.");
    // The follow-up revises the plan; KVÅ AU120 is reported by the huvudman with overall responsibility.
    sipActivity(sip, kommun, "Uppföljning av SIP:en " + followUp + " med " + p.given
        + ", kommunen och vårdcentralen: planen utvärderas och revideras.")
        .setStatus(CarePlan.CarePlanActivityStatus.SCHEDULED).setCode(KvaCode.CARE_PLAN.concept());
    return entry(p, "sip", sip);
  }

  private static CarePlan.CarePlanActivityDetailComponent sipActivity(CarePlan sip, Unit responsible,
      String description) {
    return sip.addActivity().getDetail().setStatus(CarePlan.CarePlanActivityStatus.INPROGRESS)
        .addPerformer(responsible.reference()).setDescription(description);
  }

  private BundleEntryComponent edVisit(Person p) {
    ZonedDateTime end = p.edVisitStart.plusMinutes(120 + p.random.nextInt(240));
    String reason = p.pick(ED_REASONS);
    Encounter visit = new Encounter();
    visit.setText(narrative("Akutbesök " + p.edVisitStart.toLocalDate() + ": " + reason.toLowerCase(Locale.ROOT)
        + "; hem efter besöket."));
    visit.setStatus(Encounter.EncounterStatus.FINISHED);
    visit.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "EMER", "emergency"));
    visit.setSubject(p.reference());
    visit.setPeriod(new Period().setStartElement(dateTime(p.edVisitStart)).setEndElement(dateTime(end)));
    visit.addReasonCode().setText(reason);
    visit.setServiceProvider(County.ED.reference());
    visit.getHospitalization().setDischargeDisposition(
        concept("http://terminology.hl7.org/CodeSystem/discharge-disposition", "home", "Home"));
    return entry(p, "ed-visit", visit);
  }

  /** Screened at the ED against the inclusion criteria: 75 or over with three or more diagnoses, so included. */
  private BundleEntryComponent edScreening(Person p) {
    Observation screening = observation("SamverkanEDScreening", "survey", "Survey", p);
    screening.setText(narrative("Inflödesscreening på akuten: uppfyller inklusionskriterierna (inkluderad)."));
    screening.setCode(
        concept(Vocabulary.INSTRUMENT, "ed-screening", "Inflödesscreening på akutmottagning mot inklusionskriterier"));
    screening.setEncounter(ref(p, "ed-visit"));
    screening.setEffective(dateTime(p.edVisitStart.plusMinutes(30 + p.random.nextInt(30))));
    screening.addPerformer(County.ED_SCREENER.practitionerRole());
    screening.setValue(new BooleanType(true));
    criterion(screening, "age-75-or-over", "75 år eller äldre", true);
    criterion(screening, "three-or-more-chronic-diagnoses", "Tre eller fler kroniska diagnoser", true);
    criterion(screening, "two-or-more-ed-visits-or-admissions-12-months",
        "Två eller fler akutbesök eller inläggningar de senaste 12 månaderna", p.risk[3] == 1);
    criterion(screening, "five-or-more-medicines", "Fem eller fler läkemedel", p.risk[0] == 1);
    criterion(screening, "home-care-or-home-health-care", "Hemtjänst eller hemsjukvård", p.sipCreated != null);
    criterion(screening, "cognitive-impairment", "Kognitiv svikt", p.risk[4] > 0);
    return entry(p, "ed-screening", screening);
  }

  private static void criterion(Observation screening, String code, String display, boolean met) {
    screening.addComponent().setCode(concept(Vocabulary.INCLUSION_CRITERION, code, display)).setValue(new BooleanType(met));
  }

  /** Weight, blood pressure and SpO2 every MEASUREMENT_INTERVAL_DAYS, measured by the patient (journey b). */
  private List<BundleEntryComponent> selfMonitoring(Person p) {
    List<BundleEntryComponent> entries = new ArrayList<>();
    int n = 0;
    for (LocalDate day = p.monitoringStart; !day.isAfter(REFERENCE_DATE);
        day = day.plusDays(MEASUREMENT_INTERVAL_DAYS)) {
      n++;
      Vitals.SelfMeasurement m = p.vitals.selfMeasurement(day);
      ZonedDateTime time = at(day, 7 * 60 + p.random.nextInt(150));
      entries.add(bodyWeight(p, n, time, m.weightTenthsKg()));
      entries.add(bloodPressure(p, n, time.plusMinutes(5), m.systolic(), m.diastolic()));
      entries.add(oxygenSaturation(p, n, time.plusMinutes(10), m.oxygenSaturation()));
    }
    return entries;
  }

  private BundleEntryComponent bodyWeight(Person p, int n, ZonedDateTime time, int tenthsKg) {
    Observation weight = vitalSign("SamverkanBodyWeight", p, time);
    weight.setText(narrative("Vikt " + tenthsKg / 10 + "," + tenthsKg % 10 + " kg, egenmätt"));
    weight.setCode(concept(Vocabulary.LOINC, "29463-7", "Body weight").setText("Vikt"));
    weight.setValue(quantity(BigDecimal.valueOf(tenthsKg, 1), "kg", "kg"));
    return entry(p, "weight-" + n, weight);
  }

  private BundleEntryComponent bloodPressure(Person p, int n, ZonedDateTime time, int systolic, int diastolic) {
    Observation bp = vitalSign("SamverkanBloodPressure", p, time);
    bp.setText(narrative("Blodtryck " + systolic + "/" + diastolic + " mmHg, egenmätt"));
    bp.setCode(concept(Vocabulary.LOINC, "85354-9", "Blood pressure panel with all children optional").setText("Blodtryck"));
    bp.addComponent().setCode(concept(Vocabulary.LOINC, "8480-6", "Systolic blood pressure"))
        .setValue(quantity(BigDecimal.valueOf(systolic), "mmHg", "mm[Hg]"));
    bp.addComponent().setCode(concept(Vocabulary.LOINC, "8462-4", "Diastolic blood pressure"))
        .setValue(quantity(BigDecimal.valueOf(diastolic), "mmHg", "mm[Hg]"));
    return entry(p, "blood-pressure-" + n, bp);
  }

  private BundleEntryComponent oxygenSaturation(Person p, int n, ZonedDateTime time, int percent) {
    Observation spo2 = vitalSign("SamverkanOxygenSaturation", p, time);
    spo2.setText(narrative("Syremättnad " + percent + " %, egenmätt"));
    spo2.setCode(new CodeableConcept()
        .addCoding(new Coding(Vocabulary.LOINC, "2708-6", "Oxygen saturation in Arterial blood"))
        .addCoding(new Coding(Vocabulary.LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"))
        .setText("Syremättnad"));
    spo2.setValue(quantity(BigDecimal.valueOf(percent), "%", "%"));
    return entry(p, "oxygen-saturation-" + n, spo2);
  }

  /** Weekly NEWS2 by the kommun's hemsjukvårdssjuksköterska, or by the kommun where the county names none. */
  private List<BundleEntryComponent> news2(Person p) {
    Reference nurse = County.staff(p.kommun.organization(), Role.HEMSJUKVARD)
        .map(Staff::practitionerRole).orElseGet(() -> p.kommun.organization().reference());
    List<BundleEntryComponent> entries = new ArrayList<>();
    int n = 0;
    for (LocalDate day = p.monitoringStart.plusDays(p.random.nextInt(NEWS2_INTERVAL_DAYS));
        !day.isAfter(REFERENCE_DATE); day = day.plusDays(NEWS2_INTERVAL_DAYS)) {
      n++;
      ZonedDateTime time = at(day, 9 * 60 + p.random.nextInt(6 * 60));
      Vitals.Round round = p.vitals.nurseRound(day);
      entries.add(respiratoryRate(p, n, time.minusMinutes(10), round.respirationRate(), nurse.copy()));
      entries.add(acvpu(p, n, time.minusMinutes(5), round.alert(), nurse.copy()));
      entries.add(news2(p, n, time, round, nurse.copy()));
    }
    return entries;
  }

  /** Counted by the nurse for NEWS2 (SamverkanRespiratoryRate). */
  private BundleEntryComponent respiratoryRate(Person p, int n, ZonedDateTime time, int perMinute, Reference nurse) {
    Observation rate = observation("SamverkanRespiratoryRate", "vital-signs", "Vital Signs", p);
    rate.setText(narrative("Andningsfrekvens " + perMinute + " andetag/min"));
    rate.setCode(concept(Vocabulary.LOINC, "9279-1", "Respiratory rate").setText("Andningsfrekvens"));
    rate.setEffective(dateTime(time));
    rate.addPerformer(nurse);
    rate.setValue(quantity(BigDecimal.valueOf(perMinute), "breaths/minute", "/min"));
    return entry(p, "respiratory-rate-" + n, rate);
  }

  /** Level of consciousness for NEWS2 (SamverkanACVPU): alert, or new confusion in a bad spell. */
  private BundleEntryComponent acvpu(Person p, int n, ZonedDateTime time, boolean alert, Reference nurse) {
    Observation acvpu = observation("SamverkanACVPU", "exam", "Exam", p);
    String text = alert ? "A, vaken" : "C, nytillkommen förvirring";
    acvpu.setText(narrative("Medvetandegrad (ACVPU): " + text));
    acvpu.setCode(concept(Vocabulary.LOINC, "67775-7", "Level of responsiveness").setText("Medvetandegrad (ACVPU)"));
    acvpu.setEffective(dateTime(time));
    acvpu.addPerformer(nurse);
    acvpu.setValue(alert ? concept(Vocabulary.LOINC, ACVPU_ALERT, "Alert").setText(text)
        : concept(Vocabulary.LOINC, ACVPU_CONFUSED, "Confused").setText(text));
    return entry(p, "acvpu-" + n, acvpu);
  }

  private BundleEntryComponent news2(Person p, int n, ZonedDateTime time, Vitals.Round round, Reference nurse) {
    Observation news2 = observation("SamverkanNEWS2", "survey", "Survey", p);
    news2.setText(narrative("NEWS2 totalpoäng: " + round.total() + " (andningsfrekvens " + round.respirationRate()
        + ", syremättnad " + round.oxygenSaturation() + " %, luft, systoliskt blodtryck " + round.systolic()
        + ", puls " + round.pulse() + ", " + (round.alert() ? "vaken" : "nytillkommen förvirring")
        + ", temperatur " + round.temperatureTenths() / 10 + "," + round.temperatureTenths() % 10 + ")"));
    news2.setCode(concept(Vocabulary.INSTRUMENT, "news2-total", "NEWS2 totalpoäng"));
    news2.setEffective(dateTime(time));
    news2.addPerformer(nurse);
    news2.setValue(new IntegerType(round.total()));
    news2.setMethod(concept(Vocabulary.SNOMED_CT, "1287358002", null).setText("NEWS2"));
    news2Component(news2, "news2-respiration-rate", "NEWS2 andningsfrekvens, delpoäng", round.respirationScore());
    news2Component(news2, "news2-oxygen-saturation", "NEWS2 syremättnad, delpoäng (skala 1 eller 2)",
        round.saturationScore());
    news2Component(news2, "news2-supplemental-oxygen", "NEWS2 luft eller syrgas, delpoäng", round.airScore());
    news2Component(news2, "news2-systolic-bp", "NEWS2 systoliskt blodtryck, delpoäng", round.systolicScore());
    news2Component(news2, "news2-pulse", "NEWS2 puls, delpoäng", round.pulseScore());
    news2Component(news2, "news2-consciousness", "NEWS2 medvetandegrad (ACVPU), delpoäng",
        round.consciousnessScore());
    news2Component(news2, "news2-temperature", "NEWS2 kroppstemperatur, delpoäng", round.temperatureScore());
    news2.addDerivedFrom(ref(p, "respiratory-rate-" + n)).addDerivedFrom(ref(p, "acvpu-" + n));
    return entry(p, "news2-" + n, news2);
  }

  /**
   * MNA-SF at inclusion (by the vårdcentral's coordination nurse, the day of the CFS) and
   * MNA_SF_FOLLOW_UP_DAYS later. Scores fall with frailty and dementia (the MNA-SF items weigh
   * mobility and neuropsychological problems) and spread over all three bands; the follow-up moves
   * a point or so, down after a spell of deterioration.
   */
  private List<BundleEntryComponent> mnaSf(Person p) {
    double expected = 13.5 - 0.9 * Math.max(0, p.frailty - 3) - (p.has("F03.9") ? 1.5 : 0);
    int atInclusion = clampScore(Math.round(expected + 1.6 * p.random.nextGaussian()));
    LocalDate followUpDay = p.teamStart.plusDays(MNA_SF_FOLLOW_UP_DAYS);
    int atFollowUp = clampScore(Math.round(atInclusion + 0.8 * p.random.nextGaussian()
        - (p.vitals.severity(followUpDay) > 0 || p.edVisitStart != null ? 1 : 0)));
    Reference nurse = p.coordinator().practitionerRole();
    return List.of(
        mnaSf(p, 1, at(p.teamStart, 11 * 60 + p.random.nextInt(60)), atInclusion, nurse),
        mnaSf(p, 2, at(followUpDay, 10 * 60 + p.random.nextInt(4 * 60)), atFollowUp, nurse.copy()));
  }

  private static int clampScore(long score) {
    return (int) Math.max(0, Math.min(14, score));
  }

  private BundleEntryComponent mnaSf(Person p, int n, ZonedDateTime time, int score, Reference nurse) {
    // Bands of the MNA-SF (max. 14): 12-14 normal, 8-11 at risk, 0-7 malnourished (Ann Saudi Med
    // 2016;36(5):346, table 1, https://pmc.ncbi.nlm.nih.gov/articles/PMC6074319/; the Academy of
    // Nutrition and Dietetics' screening review, https://www.andeal.org/topic.cfm?menu=5382&cat=5926).
    String band = score >= 12 ? "normalt nutritionstillstånd (12-14 poäng)"
        : score >= 8 ? "risk för undernäring (8-11 poäng)" : "undernäring (0-7 poäng)";
    Observation mnaSf = observation("SamverkanMNASF", "survey", "Survey", p);
    mnaSf.setText(narrative("MNA-SF totalpoäng: " + score + ", " + band + "."));
    mnaSf.setCode(concept(Vocabulary.LOINC, "107114-1", null).setText("MNA-SF totalpoäng"));
    mnaSf.setEffective(dateTime(time));
    mnaSf.addPerformer(nurse);
    mnaSf.setValue(new IntegerType(score));
    mnaSf.addInterpretation(score >= 12 ? concept(INTERPRETATION, "N", "Normal").setText(band)
        : concept(INTERPRETATION, "A", "Abnormal").setText(band));
    return entry(p, "mna-sf-" + n, mnaSf);
  }

  private static void news2Component(Observation news2, String code, String display, int score) {
    news2.addComponent().setCode(concept(Vocabulary.INSTRUMENT, code, display)).setValue(new IntegerType(score));
  }

  // ---------------------------------------------------------------- shared pieces

  private static Observation observation(String profile, String category, String categoryDisplay, Person p) {
    Observation observation = new Observation();
    observation.getMeta().addProfile(Vocabulary.STRUCTURE_DEFINITION_BASE + profile);
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.addCategory(concept(OBSERVATION_CATEGORY, category, categoryDisplay));
    observation.setSubject(p.reference());
    return observation;
  }

  /** A self-measured vital sign: the patient is the performer. */
  private static Observation vitalSign(String profile, Person p, ZonedDateTime time) {
    Observation observation = observation(profile, "vital-signs", "Vital Signs", p);
    observation.setEffective(dateTime(time));
    observation.addPerformer(p.reference());
    return observation;
  }

  /**
   * A conditional update on the resource's business identifier
   * {@code pop-<seed>-<patient>-<key>}, with a fullUrl derived from it.
   */
  private BundleEntryComponent entry(Person p, String key, DomainResource resource) {
    Identifier identifier = new Identifier().setSystem(Vocabulary.EXAMPLE_ID).setValue(businessId(p, key));
    resource.setProperty("identifier", identifier);
    BundleEntryComponent entry = new BundleEntryComponent().setFullUrl(fullUrl(p, key)).setResource(resource);
    entry.getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl(resource.fhirType() + "?identifier=" + Vocabulary.EXAMPLE_ID + "|" + identifier.getValue());
    return entry;
  }

  String businessId(Person p, String key) {
    return "pop-" + seed + "-" + p.index + "-" + key;
  }

  /** A name-based UUID, so the same resource has the same fullUrl in every run. */
  String fullUrl(Person p, String key) {
    return "urn:uuid:" + UUID.nameUUIDFromBytes(("samverkan-population/" + businessId(p, key))
        .getBytes(StandardCharsets.UTF_8));
  }

  private Reference ref(Person p, String key) {
    return new Reference(fullUrl(p, key));
  }

  /** Local time in Sweden on that day, with the offset in force then (CEST until 25 October 2026). */
  static ZonedDateTime at(LocalDate day, int minuteOfDay) {
    return ZonedDateTime.of(day, LocalTime.of(minuteOfDay / 60, minuteOfDay % 60), SWEDEN);
  }

  private static DateTimeType dateTime(ZonedDateTime time) {
    return new DateTimeType(time.format(DATE_TIME));
  }

  private static CodeableConcept concept(String system, String code, String display) {
    return new CodeableConcept().addCoding(new Coding(system, code, display));
  }

  private static Quantity quantity(BigDecimal value, String unit, String ucum) {
    return new Quantity().setValue(value).setUnit(unit).setSystem(Vocabulary.UCUM).setCode(ucum);
  }

  /** Built as nodes: parsing XHTML text sets up HAPI's entity table each time, most of the run time. */
  private static Narrative narrative(String text) {
    XhtmlNode div = new XhtmlNode(NodeType.Element, "div");
    div.setAttribute("xmlns", "http://www.w3.org/1999/xhtml");
    div.addTag("p").addText(text);
    return new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED).setDiv(div);
  }

  private static String name(Unit unit) {
    return unit.name().replace(" (exempel)", "");
  }
}
