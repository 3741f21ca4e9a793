package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import se.samverkan.auth.Caller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The access matrix (docs/security.md): four readers from the journeys' county × five patient
 * situations × every read path. Each cell says whether the reader sees the region's data about
 * the patient (Patient, Condition, CareTeam) and the kommun's (a Goal), and when it must not,
 * that none of it appears anywhere in the answer: not as a match, not included, not on a later
 * page, not in a batch entry.
 *
 * <p>The region's data is written by Vårdcentralen Ronneby, the kommun's by Ronneby kommun, each
 * with its own token, so ownership comes from the tokens as in production.
 */
class AccessMatrixTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KOMMUN_RONNEBY_HSA = "SE2120000837-SV1081";
  private static final String KOMMUN_KARLSKRONA_HSA = "SE2120000829-SV1080";
  private static final String VC_RONNEBY_HSA = "SE2321000081-SV2081";

  /** Who reads. The hospital and the vårdcentral belong to one care provider, the region. */
  enum Reader {
    HOSPITAL(TestTokens.HOSPITAL, TestTokens.REGION),
    VC_RONNEBY(VC_RONNEBY_HSA, TestTokens.REGION),
    KOMMUN_RONNEBY(KOMMUN_RONNEBY_HSA, KOMMUN_RONNEBY_HSA),
    KOMMUN_KARLSKRONA(KOMMUN_KARLSKRONA_HSA, KOMMUN_KARLSKRONA_HSA);

    final String unit;
    final String careProvider;

    Reader(String unit, String careProvider) {
      this.unit = unit;
      this.careProvider = careProvider;
    }

    boolean isRegion() {
      return careProvider.equals(TestTokens.REGION);
    }
  }

  /** The patient's situation. Every patient's team has Vårdcentralen Ronneby in it. */
  enum Situation {
    /** Active team with Ronneby kommun, consent to shared documentation. */
    SHARED(true, true, true, false, false),
    /** Active team with the kommun, no consent recorded. */
    NO_CONSENT(true, true, false, false, false),
    /** Active team with the kommun, and the region recorded the patient's refusal. */
    REFUSED(true, true, false, false, true),
    /** Active team with the kommun, consent, but the region has blocked its information. */
    SPARR(true, true, true, true, false),
    /** Consent, but the kommun is not in the team. */
    KOMMUN_NOT_IN_TEAM(true, false, true, false, false),
    /** The team with the kommun has ended. */
    TEAM_INACTIVE(false, true, true, false, false);

    final boolean teamActive;
    final boolean kommunInTeam;
    final boolean consent;
    final boolean sparr;
    final boolean refused;

    Situation(boolean teamActive, boolean kommunInTeam, boolean consent, boolean sparr, boolean refused) {
      this.refused = refused;
      this.teamActive = teamActive;
      this.kommunInTeam = kommunInTeam;
      this.consent = consent;
      this.sparr = sparr;
    }
  }

  /** One patient's resources, by owner. */
  record Fixture(String patient, String personnummer, String condition, String careTeam, String goal) {
    List<String> regionIds() {
      return List.of(patient, condition, careTeam);
    }
  }

  /** The rule under test, written out: docs/security.md. */
  static boolean seesRegionData(Reader reader, Situation situation) {
    return reader.isRegion()
        || (reader == Reader.KOMMUN_RONNEBY && situation.teamActive && situation.kommunInTeam
            && situation.consent && !situation.sparr);
  }

  static boolean seesKommunData(Reader reader, Situation situation) {
    // The region takes part in every active team (through the vårdcentral); the spärr is the region's.
    return reader == Reader.KOMMUN_RONNEBY || (reader.isRegion() && situation.teamActive && situation.consent);
  }

  private static final Map<Situation, Fixture> FIXTURES = new EnumMap<>(Situation.class);
  private static String kommunRonnebyOrg;

  @BeforeEach
  void fixtures() {
    synchronized (FIXTURES) {
      if (FIXTURES.isEmpty()) {
        loadJourneys(); // the county's organizations, by their HSA-ids
        String vcRonnebyOrg = "Organization/" + idOf("Organization", Journeys.VC_RONNEBY);
        kommunRonnebyOrg = "Organization/" + idOf("Organization", Journeys.KOMMUN_RONNEBY);
        for (Situation situation : Situation.values()) {
          FIXTURES.put(situation, create(situation, vcRonnebyOrg, kommunRonnebyOrg));
        }
      }
    }
  }

  private Fixture create(Situation situation, String vcOrg, String kommunOrg) {
    String vc = bearer(Reader.VC_RONNEBY);
    Patient patient = TestPeople.patient();
    String pnr = patient.getIdentifierFirstRep().getValue();
    String patientId = createAs(vc, patient);
    IdType patientRef = new IdType(patientId);

    Condition condition = condition(patientRef);
    String conditionId = createAs(vc, condition);

    // The kommun is in the region's active team when it writes its Goal (a write about another
    // owner's patient needs a care relation); the situation is set up afterwards.
    CareTeam team = TestData.careTeam(patientRef, new IdType(vcOrg));
    team.getParticipantFirstRep().getRoleFirstRep().getCodingFirstRep().setCode("samordningssjukskoterska-vardcentral");
    team.addParticipant().setMember(new Reference(kommunOrg))
        .addRole().addCoding().setSystem(TestData.ROLE).setCode("samordningssjukskoterska-kommun");
    team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
    String teamId = createAs(vc, team);
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Klara förflyttningar själv");
    goal.setSubject(new Reference(patientRef));
    String goalId = createAs(bearer(Reader.KOMMUN_RONNEBY), goal);
    if (!situation.kommunInTeam || !situation.teamActive) {
      if (!situation.kommunInTeam) {
        team.getParticipant().remove(1);
      }
      team.setStatus(situation.teamActive ? CareTeam.CareTeamStatus.ACTIVE : CareTeam.CareTeamStatus.INACTIVE);
      team.setId(teamId);
      HttpResponse<String> updated = send("PUT", "/" + teamId, json(team), "Authorization", vc);
      assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    }

    if (situation.consent) {
      createAs(vc, TestData.consent(patientRef, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT));
    }
    if (situation.sparr) {
      createAs(vc, TestData.consent(patientRef, Vocabulary.SPARR_POLICY, Consent.ConsentProvisionType.DENY));
    }
    if (situation.refused) {
      createAs(vc, TestData.consent(patientRef, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.DENY));
    }
    return new Fixture(patientId, pnr, conditionId, teamId, goalId);
  }

  // --- the matrix

  /** A read path: what the reader asks, given the fixture; the answer's body. */
  record Path(String name, BiFunction<String, Fixture, String> ask) {}

  private List<Path> paths() {
    return List.of(
        new Path("read", (token, f) -> body(get("/" + f.condition(), "Authorization", token))
            + body(get("/" + f.patient(), "Authorization", token))
            + body(get("/" + f.goal(), "Authorization", token))),
        new Path("vread", (token, f) -> body(get("/" + f.condition() + "/_history/1", "Authorization", token))
            + body(get("/" + f.goal() + "/_history/1", "Authorization", token))),
        new Path("search, every page", (token, f) -> allPages(token, "/Condition?patient=" + f.patient() + "&_count=1")
            + allPages(token, "/Goal?patient=" + f.patient() + "&_count=1")
            + allPages(token, "/CareTeam?patient=" + f.patient() + "&_count=1")),
        new Path("_include", (token, f) -> allPages(token, "/Goal?_id=" + id(f.goal()) + "&_include=Goal:subject")
            + allPages(token, "/CareTeam?_id=" + id(f.careTeam()) + "&_include=CareTeam:subject")),
        new Path("_revinclude", (token, f) -> allPages(token, "/Patient?_id=" + id(f.patient())
            + "&_revinclude=Condition:subject&_revinclude=Goal:subject&_revinclude=CareTeam:subject")),
        new Path("history", (token, f) -> allPages(token, "/" + f.condition() + "/_history")
            + allPages(token, "/" + f.goal() + "/_history")
            + allPages(token, "/" + f.patient() + "/_history")),
        new Path("$everything", (token, f) -> allPages(token, "/" + f.patient() + "/$everything")),
        new Path("_has", (token, f) -> allPages(token, "/Patient?_has:Condition:subject:_id=" + id(f.condition()))
            + allPages(token, "/Patient?_has:Goal:subject:_id=" + id(f.goal()))),
        new Path("chain", (token, f) -> allPages(token, "/Condition?subject.identifier="
            + encode(TestPeople.PERSONNUMMER + "|" + f.personnummer()))
            + allPages(token, "/Goal?subject.identifier=" + encode(TestPeople.PERSONNUMMER + "|" + f.personnummer()))),
        new Path("GET inside a batch", (token, f) -> body(send("POST", "", bundleOfGets(Bundle.BundleType.BATCH,
            f.condition(), f.goal(), f.patient(), "Condition?patient=" + f.patient(), "Goal?patient=" + f.patient()),
            "Authorization", token))),
        new Path("GET inside a transaction", (token, f) -> body(send("POST", "", bundleOfGets(Bundle.BundleType.TRANSACTION,
            f.condition(), f.goal(), "Condition?patient=" + f.patient()), "Authorization", token))),
        new Path("$worklist", (token, f) -> allPages(token, "/Patient/$worklist?organization=" + kommunRonnebyOrg)));
  }

  @TestFactory
  Stream<DynamicTest> everyReaderOnEveryPathSeesExactlyWhatTheRulesAllow() {
    List<DynamicTest> cells = new ArrayList<>();
    for (Reader reader : Reader.values()) {
      for (Situation situation : Situation.values()) {
        for (Path path : paths()) {
          String name = reader + " × " + situation + " × " + path.name();
          cells.add(DynamicTest.dynamicTest(name, () -> {
            Fixture fixture = FIXTURES.get(situation);
            Answer answer = Answer.of(path.ask().apply(bearer(reader), fixture));
            boolean region = seesRegionData(reader, situation);
            boolean kommun = seesKommunData(reader, situation);
            if (!region) {
              assertThat(answer.resources).as("%s: the region's resources", name)
                  .doesNotContainAnyElementsOf(fixture.regionIds());
              assertThat(answer.content).as("%s: personnummer", name).doesNotContain(fixture.personnummer());
            }
            if (!kommun) {
              assertThat(answer.resources).as("%s: the kommun's goal", name).doesNotContain(fixture.goal());
            }
            assertThat(answer.content).as("%s: no total while access is filtered", name).doesNotContain("\"total\"");
            assertThat(answer.statuses).as("%s: statuses", name).allMatch(status -> status < 500);
            if (path.name().equals("search, every page") && !region && !kommun) {
              assertThat(answer.pages()).as("%s: nothing to see, so one page and no next link", name).isEqualTo(3);
            }
            assertPresent(path.name(), name, answer.resources, fixture, region, kommun);
          }));
        }
      }
    }
    return cells.stream();
  }

  /** Where the path must show what the reader may see, it does (not only "nothing leaked"). */
  private void assertPresent(String path, String cell, List<String> answer, Fixture f, boolean region, boolean kommun) {
    switch (path) {
      case "read", "search, every page", "history", "$everything", "GET inside a batch", "GET inside a transaction" -> {
        if (region) {
          assertThat(answer).as(cell).contains(f.condition());
        }
        if (kommun && (region || !path.equals("$everything"))) {
          assertThat(answer).as(cell).contains(f.goal());
        }
      }
      case "_include" -> {
        if (kommun) {
          assertThat(answer).as(cell).contains(f.goal());
        }
        if (region) {
          assertThat(answer).as(cell).contains(f.patient()).contains(f.careTeam());
        }
      }
      case "_revinclude", "_has" -> {
        if (region) {
          assertThat(answer).as(cell).contains(f.patient());
        }
      }
      case "chain" -> {
        // The chain goes through the patient: a result shows only where the patient does.
        if (region) {
          assertThat(answer).as(cell).contains(f.condition());
        }
        if (kommun && region) {
          assertThat(answer).as(cell).contains(f.goal());
        }
      }
      case "vread" -> {
        if (region) {
          assertThat(answer).as(cell).contains(f.condition());
        }
        if (kommun) {
          assertThat(answer).as(cell).contains(f.goal());
        }
      }
      default -> { }
    }
  }

  // --- the adversarial dimension: a reader first writes every record that might widen a view

  private static final Map<Situation, Fixture> ATTACKED = new EnumMap<>(Situation.class);

  /**
   * Karlskrona kommun, outside every team, writes everything that might widen its view of each
   * situation's patient, then everyone reads on every path. The rule (docs/security.md, "The
   * sharing rule"): no write of its changes what anybody else sees of data it does not own; it
   * sees the region's data only on its own attestation of both care relation and consent, never
   * past the region's recorded refusal or spärr, and every such read is flagged for log review.
   */
  @TestFactory
  Stream<DynamicTest> everyWideningWriteWidensOnlyTheWritersOwnViewAndOnlyAsTheRuleAllows() {
    List<DynamicTest> cells = new ArrayList<>();
    for (Situation situation : Situation.values()) {
      cells.add(DynamicTest.dynamicTest("KOMMUN_KARLSKRONA attacks " + situation, () -> attack(situation)));
    }
    return cells.stream();
  }

  private void attack(Situation situation) {
    String vcOrg = "Organization/" + idOf("Organization", Journeys.VC_RONNEBY);
    String karlskronaOrg = "Organization/" + idOf("Organization", Journeys.KOMMUN_KARLSKRONA);
    Fixture f;
    synchronized (ATTACKED) {
      f = ATTACKED.computeIfAbsent(situation, s -> create(s, vcOrg, kommunRonnebyOrg));
    }
    String attacker = bearer(Reader.KOMMUN_KARLSKRONA);
    List<Reader> others = List.of(Reader.HOSPITAL, Reader.VC_RONNEBY, Reader.KOMMUN_RONNEBY);
    Map<Reader, List<String>> before = new EnumMap<>(Reader.class);
    others.forEach(reader -> before.put(reader, view(reader, f)));
    List<String> attackersOwn = new ArrayList<>();
    IdType patient = new IdType(f.patient());

    // A consent dated in the future is no fact: refused.
    Consent future = TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT);
    future.setDateTime(new java.util.Date(System.currentTimeMillis() + 365L * 24 * 3600 * 1000));
    HttpResponse<String> dated = send("POST", "/Consent", json(future), "Authorization", attacker);
    assertThat(dated.statusCode()).as(dated.body()).isEqualTo(422);

    // Conditional references on the personnummer resolve nothing the attacker may not see: the
    // transaction is answered exactly as for a personnummer nobody has.
    String unused = TestPeople.personnummer();
    HttpResponse<String> hidden = send("POST", "", teamAndConsentByPersonnummer(f.personnummer(), karlskronaOrg),
        "Authorization", attacker);
    HttpResponse<String> nobody = send("POST", "", teamAndConsentByPersonnummer(unused, karlskronaOrg),
        "Authorization", attacker);
    assertThat(hidden.statusCode()).as(hidden.body()).isEqualTo(nobody.statusCode()).isBetween(400, 499);
    assertThat(hidden.body().replace(f.personnummer(), "#")).isEqualTo(nobody.body().replace(unused, "#"));

    // Data about the patient without a relation the rule recognises: answered as for a patient
    // that does not exist.
    String absent = "Patient/" + java.util.UUID.randomUUID();
    HttpResponse<String> aboutHidden = send("POST", "/Goal", json(goal(f.patient())), "Authorization", attacker);
    HttpResponse<String> aboutAbsent = send("POST", "/Goal", json(goal(absent)), "Authorization", attacker);
    assertThat(aboutHidden.statusCode()).as(aboutHidden.body()).isEqualTo(aboutAbsent.statusCode()).isEqualTo(400);
    assertThat(aboutHidden.body().replace(f.patient(), "#")).isEqualTo(aboutAbsent.body().replace(absent, "#"));

    // A squatter Patient with the same personnummer is the attacker's own; the region's own
    // conditional writes on that personnummer still find only the region's patient.
    Patient regions = parseResource(Patient.class, get("/" + f.patient(), "Authorization", bearer(Reader.VC_RONNEBY)));
    Patient squatter = TestPeople.patient();
    squatter.getIdentifierFirstRep().setValue(f.personnummer());
    squatter.setBirthDate(regions.getBirthDate());
    String squatterId = createAs(attacker, squatter);
    attackersOwn.add(squatterId);
    // ... shared with the region, so that the region sees two patients with that personnummer.
    attackersOwn.add(createAs(attacker, TestData.careTeam(new IdType(squatterId), new IdType(vcOrg))));
    attackersOwn.add(createAs(attacker, TestData.consent(new IdType(squatterId), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT)));
    assertThat(get("/" + squatterId, "Authorization", bearer(Reader.VC_RONNEBY)).statusCode())
        .as("the region is shown the squatter the attacker shared").isEqualTo(200);
    HttpResponse<String> conditional = send("PUT", "/Patient?identifier=" + encode(TestPeople.PERSONNUMMER + "|" + f.personnummer()),
        json(regions), "Authorization", bearer(Reader.VC_RONNEBY));
    assertThat(conditional.statusCode()).as(conditional.body()).isEqualTo(200);
    assertThat(conditional.body()).as("the region's own patient, not the squatter").contains(id(f.patient()))
        .doesNotContain(id(squatterId));

    // A CareTeam naming itself and Ronneby kommun, and a forged refusal: its own records, which
    // change nothing for anyone else and give the attacker nothing yet.
    CareTeam team = TestData.careTeam(patient, new IdType(karlskronaOrg));
    team.addParticipant().setMember(new Reference(kommunRonnebyOrg))
        .addRole().addCoding().setSystem(TestData.ROLE).setCode("samordningssjukskoterska-kommun");
    attackersOwn.add(createAs(attacker, team));
    attackersOwn.add(createAs(attacker,
        TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.DENY)));
    assertOthersUnchanged(others, before, f, attackersOwn, situation + ", after the team and the forged refusal");
    assertThat(view(Reader.KOMMUN_KARLSKRONA, f)).as(situation + ": the attacker's own refusal binds itself")
        .doesNotContainAnyElementsOf(f.regionIds());

    // Its permit, recorded after: the attacker now attests both relation and consent, for itself.
    attackersOwn.add(createAs(attacker,
        TestData.consent(patient, Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT)));
    assertOthersUnchanged(others, before, f, attackersOwn, situation + ", after the attested permit");
    List<String> attackerSees = view(Reader.KOMMUN_KARLSKRONA, f);
    boolean ownerForbids = situation.refused || situation.sparr;
    if (ownerForbids) {
      assertThat(attackerSees).as(situation + ": the region's refusal or spärr is never overridden")
          .doesNotContainAnyElementsOf(f.regionIds());
    } else {
      assertThat(attackerSees).as(situation + ": attested relation and consent").contains(f.condition(), f.patient());
      String reviewer = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
          "system/AuditEvent.read");
      String flagged = body(get("/AuditEvent?patient=" + f.patient() + "&altid=kommun_karlskrona&_security="
          + encode(Vocabulary.ACCESS_BASIS + "|" + se.samverkan.audit.AuditInterceptor.ATTESTED_CODE),
          "Authorization", reviewer));
      assertThat(flagged).as(situation + ": the region's log review finds the attested reads").contains("\"AuditEvent\"");
      String extract = body(get("/" + f.patient() + "/$access-log", "Authorization", reviewer));
      assertThat(extract).as(situation + ": the patient log extract counts them")
          .containsPattern("\"valueString\":\"" + Reader.KOMMUN_KARLSKRONA.careProvider + "\".*?\"name\":\"attested\",\"valueInteger\":[1-9]");
    }
  }

  private static final ResourceKinds KINDS = new ResourceKinds(fhir(), null);

  /** What patient data the reader is shown of the fixture, on every path, as Type/id. */
  private List<String> view(Reader reader, Fixture f) {
    StringBuilder all = new StringBuilder();
    for (Path path : paths()) {
      all.append(path.ask().apply(bearer(reader), f));
    }
    return Answer.of(all.toString()).resources().stream()
        .filter(id -> KINDS.kindOf(id.substring(0, id.indexOf('/'))) == ResourceKinds.Kind.PATIENT_DATA)
        .sorted().toList();
  }

  private void assertOthersUnchanged(List<Reader> others, Map<Reader, List<String>> before, Fixture f,
      List<String> attackersOwn, String when) {
    for (Reader reader : others) {
      List<String> now = new ArrayList<>(view(reader, f));
      now.removeAll(attackersOwn); // the attacker may share its own records: those are its to share
      assertThat(now).as(when + ": what " + reader + " sees").containsExactlyInAnyOrderElementsOf(before.get(reader));
    }
  }

  private String teamAndConsentByPersonnummer(String personnummer, String organization) {
    String byPnr = "Patient?identifier=" + TestPeople.PERSONNUMMER + "|" + personnummer;
    CareTeam team = TestData.careTeam(new IdType("Patient", "x"), new IdType(organization));
    team.getSubject().setReference(byPnr);
    Consent consent = TestData.consent(new IdType("Patient", "x"), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT);
    consent.getPatient().setReference(byPnr);
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().setResource(team).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("CareTeam");
    transaction.addEntry().setResource(consent).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Consent");
    return json(transaction);
  }

  private static Goal goal(String patient) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Klara förflyttningar själv");
    goal.setSubject(new Reference(patient));
    return goal;
  }

  private <T extends org.hl7.fhir.instance.model.api.IBaseResource> T parseResource(Class<T> type, HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return fhir().newJsonParser().parseResource(type, response.body());
  }

  // --- criteria that look into data the reader may not see

  /**
   * Without consent Ronneby kommun sees its own Goal about the patient but nothing of the
   * region's: a chain or _has through the region's data must not let it probe that data. The
   * same queries with emergency access, which lets it see the region's data, find the Goal.
   */
  @Test
  void chainsAndHasThroughDataTheReaderMayNotSeeFindNothing() {
    Fixture f = FIXTURES.get(Situation.NO_CONSENT);
    org.hl7.fhir.r4.model.CarePlan plan = TestData.carePlan(new IdType(f.patient()));
    plan.addGoal(new Reference(f.goal()));
    createAs(bearer(Reader.VC_RONNEBY), plan);
    String goal = "/Goal?_id=" + id(f.goal());
    List<String> probes = List.of(
        goal + "&subject:Patient.identifier=" + encode(TestPeople.PERSONNUMMER + "|" + f.personnummer()),
        goal + "&subject:Patient.family=Testsson",
        goal + "&_has:CarePlan:goal:status=active");
    String kommun = bearer(Reader.KOMMUN_RONNEBY);

    for (String probe : probes) {
      assertThat(Answer.of(allPages(kommun, probe)).resources()).as("the kommun: " + probe).isEmpty();
      String emergency = body(get(probe, "Authorization", kommun, security().emergencyHeader(), "akut"));
      assertThat(Answer.of(emergency).resources()).as("the kommun in an emergency: " + probe + " " + emergency)
          .containsExactly(f.goal());
    }
    assertThat(Answer.of(allPages(kommun, goal)).resources())
        .as("without the probing criteria the kommun sees its goal").containsExactly(f.goal());
  }

  @Test
  void aNestedHasIsRefusedRatherThanLeft() {
    HttpResponse<String> response = get("/Patient?_has:Goal:subject:_has:CarePlan:goal:status=active",
        "Authorization", bearer(Reader.KOMMUN_RONNEBY));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("nested _has cannot be checked");
  }

  // --- emergency access and protected identity

  @Test
  void emergencyAccessOverridesConsentAndSparrButNotTheCareRelation() {
    String header = security().emergencyHeader();
    for (Situation situation : List.of(Situation.NO_CONSENT, Situation.SPARR)) {
      Fixture f = FIXTURES.get(situation);
      HttpResponse<String> normal = get("/" + f.condition(), "Authorization", bearer(Reader.KOMMUN_RONNEBY));
      HttpResponse<String> emergency = get("/" + f.condition(), "Authorization", bearer(Reader.KOMMUN_RONNEBY),
          header, "Akut försämring, patienten kan inte tillfrågas");
      assertThat(Answer.of(body(normal)).resources()).as(situation + " without a reason").doesNotContain(f.condition());
      assertThat(emergency.statusCode()).as(situation + " with a reason").isEqualTo(200);
      assertThat(Answer.of(body(emergency)).resources()).contains(f.condition());
    }
    Fixture shared = FIXTURES.get(Situation.SHARED);
    HttpResponse<String> noRelation = get("/" + shared.condition(), "Authorization", bearer(Reader.KOMMUN_KARLSKRONA),
        header, "Akut");
    assertThat(Answer.of(body(noRelation)).resources()).doesNotContain(shared.condition());
  }

  @Test
  void protectedIdentityIsHiddenFromEveryoneOutsideTheOwningUnit() throws Exception {
    Patient person = TestPeople.patient();
    person.getMeta().addSecurity(Vocabulary.SECURITY_LABEL, "skyddadFolkbokforing", null);
    person.addAddress().setCity("Ronneby").addLine("Hemliga vägen 1");
    String patientId = createAs(bearer(Reader.VC_RONNEBY), person);
    String family = person.getNameFirstRep().getFamily();
    CareTeam team = TestData.careTeam(new IdType(patientId), new IdType(kommunRonnebyOrg));
    createAs(bearer(Reader.VC_RONNEBY), team);
    createAs(bearer(Reader.VC_RONNEBY),
        TestData.consent(new IdType(patientId), Vocabulary.SHARED_DOCUMENTATION_POLICY, Consent.ConsentProvisionType.PERMIT));

    String owningUnit = body(get("/" + patientId, "Authorization", bearer(Reader.VC_RONNEBY)));
    assertThat(owningUnit).contains(family).contains("Hemliga vägen");

    for (Reader other : List.of(Reader.HOSPITAL, Reader.KOMMUN_RONNEBY)) {
      for (String path : List.of("/" + patientId, "/Patient?_id=" + id(patientId), "/" + patientId + "/$everything")) {
        String answer = body(get(path, "Authorization", bearer(other)));
        assertThat(answer).as(other + " " + path).contains(id(patientId)).contains(CareRelationConsentService.HIDDEN)
            .doesNotContain(family).doesNotContain("Hemliga vägen");
      }
    }
  }

  // --- helpers

  /**
   * What answers showed: the resources (Type/id) in them — at the top, in bundle entries (also
   * by fullUrl), in batch-response entries — and their content without links, which only echo
   * what the reader asked for.
   */
  record Answer(List<String> resources, String content, List<Integer> statuses) {
    int pages() {
      return statuses.size();
    }

    static final String SEPARATOR = "\u0000";

    static Answer of(String bodies) {
      List<String> resources = new ArrayList<>();
      List<Integer> statuses = new ArrayList<>();
      StringBuilder content = new StringBuilder();
      for (String body : bodies.split(SEPARATOR)) {
        int space = body.indexOf(' ');
        if (space > 0) {
          statuses.add(Integer.parseInt(body.substring(0, space)));
        }
        String json = space < 0 ? "" : body.substring(space + 1);
        if (!json.startsWith("{")) {
          continue;
        }
        try {
          JsonNode node = JSON.readTree(json);
          collect(node, resources);
          content.append(node);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return new Answer(resources.stream().distinct().toList(), content.toString(), statuses);
    }

    private static void collect(JsonNode resource, List<String> found) {
      String type = resource.path("resourceType").asText();
      if (resource instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
        object.remove("link");
      }
      if (type.equals("Bundle")) {
        for (JsonNode entry : resource.path("entry")) {
          if (entry.has("fullUrl")) { // names a resource as much as the resource itself does
            IdType id = new IdType(entry.path("fullUrl").asText());
            found.add(id.getResourceType() + "/" + id.getIdPart());
          }
          if (entry.has("resource")) {
            collect(entry.path("resource"), found);
          }
        }
      } else if (!type.equals("OperationOutcome") && resource.has("id")) {
        found.add(type + "/" + resource.path("id").asText());
      }
    }
  }

  private String bearer(Reader reader) {
    return "Bearer " + tokens.token(reader.name().toLowerCase(), reader.unit, reader.careProvider, "journal-system",
        "system/*.read system/*.write");
  }

  private String createAs(String authorization, org.hl7.fhir.r4.model.Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String location = created.headers().firstValue("Location").orElseThrow();
    IdType id = new IdType(location);
    return id.getResourceType() + "/" + id.getIdPart();
  }

  private static Condition condition(IdType patient) {
    Condition condition = (Condition) fhir().newJsonParser()
        .parseResource(ProfileExamples.read("condition/examples/Condition-example-greta-heart-failure.json"));
    condition.setId((String) null);
    condition.setSubject(new Reference(patient));
    return condition;
  }

  private String bundleOfGets(Bundle.BundleType type, String... gets) {
    Bundle batch = new Bundle().setType(type);
    for (String url : gets) {
      batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(url);
    }
    return json(batch);
  }

  /** Every page of a search, bodies joined. */
  private String allPages(String token, String path) {
    StringBuilder all = new StringBuilder();
    String next = path;
    for (int page = 0; next != null && page < 50; page++) {
      HttpResponse<String> response = get(next, "Authorization", token);
      all.append(body(response));
      next = null;
      if (response.statusCode() == 200) {
        try {
          for (JsonNode link : JSON.readTree(response.body()).path("link")) {
            if ("next".equals(link.path("relation").asText())) {
              next = link.path("url").asText();
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return all.toString();
  }

  /** "status body", followed by the separator Answer splits on. */
  private static String body(HttpResponse<String> response) {
    return response.statusCode() + " " + response.body() + Answer.SEPARATOR;
  }

  private static String id(String typeAndId) {
    return typeAndId.substring(typeAndId.indexOf('/') + 1);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static ca.uhn.fhir.context.FhirContext fhir() {
    return ca.uhn.fhir.context.FhirContext.forR4Cached();
  }
}
