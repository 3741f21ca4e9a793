package se.samverkan.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * The worklist queries of examples/README.md ("The worklist queries") and the overdue coordination
 * Tasks of docs/notifications.md, each with its parameters drawn at random (seeded) from the
 * ingested population, so no answer is the same one over and over.
 *
 * <p>Dates: the generated data lies before its fixed reference date 2026-11-02, so the NEWS2 trend
 * starts 14 days before it and the ED window 72 hours before its midday, as in the README; the
 * overdue Tasks are those due before the wall clock's now, as the list is asked in daily use.
 *
 * <p>A peer (bench/run --peer: another FHIR server on the same data) gets only the kinds that are
 * plain FHIR R4 REST, given Samverkan's SearchParameter resources (profiles/, which bench/run loads
 * into the peer before the ingest, as any FHIR server takes them): the others carry the reason they
 * are Samverkan's own ({@link Query#samverkanOnly()}).
 */
final class WorklistQueries {

  /**
   * One kind of request: a short name, the README's number, and a request per draw;
   * {@code samverkanOnly} says why no other FHIR server can answer it, or is null when one can.
   */
  record Query(String name, String number, String template, Function<Random, String> request,
      String samverkanOnly) {

    Query(String name, String number, String template, Function<Random, String> request) {
      this(name, number, template, request, null);
    }

    boolean plainFhir() {
      return samverkanOnly == null;
    }
  }

  private static final String HSA = "urn:oid:1.2.752.29.4.19|";
  /** The vårdcentraler of examples/00-county.json (HSA-ids). */
  static final List<String> VARDCENTRALER =
      List.of("SE2321000081-SV2080", "SE2321000081-SV2081", "SE2321000081-SV2082", "SE2321000081-SV2083");
  /**
   * Karlskrona kommun: 42 % of the generated population (se.samverkan.journey.County), so about 420
   * patients at the default 1,000.
   */
  static final String LARGEST_KOMMUN = "SE2120000829-SV1080";

  /** The kommuner of examples/00-county.json (HSA-ids). */
  static final List<String> KOMMUNER = List.of("SE2120000811-SV1060", LARGEST_KOMMUN,
      "SE2120000837-SV1081", "SE2120000845-SV1082", "SE2120000852-SV1083");

  static final String NEWS2 = "https://samverkan.se/fhir/CodeSystem/instrument%7Cnews2-total";
  static final String ED_SCREENING = "https://samverkan.se/fhir/CodeSystem/instrument%7Ced-screening";
  /** The reference date 2026-11-02 minus 14 days. */
  static final String NEWS2_SINCE = "2026-10-19";
  /** Patients a page of the worklist, as a nurse's tool would ask. */
  static final int WORKLIST_PAGE = 50;
  /** 72 hours before midday of the reference date. */
  static final String ED_SINCE = "2026-10-30T12:00:00%2B01:00";

  private WorklistQueries() {}

  /** Every query, in the README's order; {@code now} is the due limit of the overdue Tasks. */
  static List<Query> all(Population population, OffsetDateTime now) {
    return all(population, now, false);
  }

  /**
   * Every query, in the README's order, as sent to Samverkan or, {@code forPeer}, to a peer: there
   * a patient is searched by the personnummer as stored (12 digits), since the hyphenated and
   * 10-digit forms clinicians type are found by Samverkan's own normalisation
   * (se.samverkan.profiles.IdentifierNormalizer), not by a plain token search, which would answer
   * them with nothing and so measure less work.
   */
  static List<Query> all(Population population, OffsetDateTime now, boolean forPeer) {
    List<Population.PatientId> patients = population.patients();
    if (patients.isEmpty()) {
      throw new IllegalStateException("No patients were ingested");
    }
    List<String> vardcentraler = VARDCENTRALER.stream().map(population::organization).toList();
    List<String> units = java.util.stream.Stream.concat(VARDCENTRALER.stream(), KOMMUNER.stream())
        .map(population::organization).toList();
    Function<Random, String> patient = r -> patients.get(r.nextInt(patients.size())).id();
    String dueBefore = encode(now.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    return List.of(
        new Query("identifier", "1", forPeer ? "Patient?identifier=<personnummer, 12 digits as stored>"
                : "Patient?identifier=<personnummer, one of three forms>",
            forPeer
                ? r -> "/Patient?identifier=" + encode(patients.get(r.nextInt(patients.size())).personnummer())
                : r -> "/Patient?identifier=" + encode(personnummerForm(patients.get(r.nextInt(patients.size())).personnummer(), r))),
        new Query("careplans", "2", "CarePlan?subject=Patient/<id>&status=active&_include=CarePlan:care-team"
            + "&_include:iterate=CareTeam:participant-organization",
            r -> "/CarePlan?subject=Patient/" + patient.apply(r) + "&status=active"
                + "&_include=CarePlan:care-team&_include:iterate=CareTeam:participant-organization"),
        new Query("worklist", "3", "Patient/$worklist?organization=Organization/<kommun or vårdcentral>",
            r -> "/Patient/$worklist?organization=Organization/" + units.get(r.nextInt(units.size())),
            "Samverkan's own operation (se.samverkan.worklist.WorklistOperationProvider)"),
        new Query("worklist-page", "3b", "Patient/$worklist?organization=Organization/<kommun or vårdcentral>"
            + "&_count=" + WORKLIST_PAGE + " (first page)",
            r -> "/Patient/$worklist?organization=Organization/" + units.get(r.nextInt(units.size()))
                + "&_count=" + WORKLIST_PAGE,
            "Samverkan's own operation, its first page: what a coordination nurse's tool asks for first"),
        new Query("worklist-kommun-page", "3c", "Patient/$worklist?organization=Organization/<Karlskrona kommun>"
            + "&_count=" + WORKLIST_PAGE + " (first page)",
            r -> "/Patient/$worklist?organization=Organization/" + population.organization(LARGEST_KOMMUN)
                + "&_count=" + WORKLIST_PAGE,
            "Samverkan's own operation, the first page of the largest kommun's list (issue 20's target:"
                + " a 400-patient kommun, asked with --query-client kommun-karlskrona)"),
        new Query("lastn", "4a", "Observation/$lastn?patient=Patient/<id>&category=vital-signs",
            r -> "/Observation/$lastn?patient=Patient/" + patient.apply(r) + "&category=vital-signs",
            "FHIR R4 defines $lastn, but HAPI's JPA server answers it only with Elasticsearch behind it, which the"
                + " HAPI starter's defaults leave off; Samverkan's is its own (LastNObservationProvider)"),
        new Query("news2-trend", "4b", "Observation?patient=Patient/<id>&code=…|news2-total&date=ge"
            + NEWS2_SINCE + "&_sort=date",
            r -> "/Observation?patient=Patient/" + patient.apply(r) + "&code=" + NEWS2 + "&date=ge" + NEWS2_SINCE
                + "&_sort=date"),
        new Query("ed-follow-up", "5", "Observation?code=…|ed-screening&value-boolean=true&encounter.class=EMER"
            + "&encounter.date=ge<72 h>&patient.general-practitioner=Organization/<vårdcentral>"
            + "&_include=Observation:patient&_include=Observation:encounter",
            r -> "/Observation?code=" + ED_SCREENING + "&value-boolean=true&encounter.class=EMER&encounter.date=ge"
                + ED_SINCE + "&patient.general-practitioner=Organization/" + vardcentraler.get(r.nextInt(vardcentraler.size()))
                + "&_include=Observation:patient&_include=Observation:encounter"),
        new Query("everything", "6", "Patient/<id>/$everything?_count=200 (first page)",
            r -> "/Patient/" + patient.apply(r) + "/$everything?_count=200"),
        new Query("overdue-tasks", "7", "Task?owner=Organization/<vårdcentral>&status=requested&due=lt<now>&_sort=due",
            r -> "/Task?owner=Organization/" + vardcentraler.get(r.nextInt(vardcentraler.size()))
                + "&status=requested&due=lt" + dueBefore + "&_sort=due",
            "the Tasks are written by Samverkan's coordination rules (se.samverkan.coordination.CoordinationRules),"
                + " not by the population's bundles: a peer holds none"));
  }

  /** The named queries, in the README's order; "all" for every one. */
  static List<Query> select(List<Query> all, String names) {
    return select(all, names, false);
  }

  /**
   * The named queries, in the README's order; "all" for every one, or for a peer every plain-FHIR
   * one. A Samverkan-only kind named for a peer is refused, not skipped: the report would otherwise
   * show a comparison that was never made.
   */
  static List<Query> select(List<Query> all, String names, boolean forPeer) {
    if (names == null || names.isBlank() || names.equals("all")) {
      return forPeer ? all.stream().filter(Query::plainFhir).toList() : all;
    }
    List<String> wanted = Arrays.stream(names.split(",")).map(String::trim).toList();
    for (String name : wanted) {
      Query query = all.stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow(() ->
          new IllegalArgumentException("No query " + name + "; there are " + all.stream().map(Query::name).toList()));
      if (forPeer && !query.plainFhir()) {
        throw new IllegalArgumentException("Query " + name + " is not plain FHIR, a peer cannot answer it: "
            + query.samverkanOnly());
      }
    }
    return all.stream().filter(q -> wanted.contains(q.name())).toList();
  }

  /** 12 digits, with hyphen (19390314-9825) or 10 digits (3903149825): the forms clinicians type. */
  private static String personnummerForm(String twelveDigits, Random r) {
    return switch (r.nextInt(3)) {
      case 0 -> twelveDigits;
      case 1 -> twelveDigits.substring(0, 8) + "-" + twelveDigits.substring(8);
      default -> twelveDigits.substring(2);
    };
  }

  static OffsetDateTime now() {
    return OffsetDateTime.now(ZoneId.of("Europe/Stockholm"));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
