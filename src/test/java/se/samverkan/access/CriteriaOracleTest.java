package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.WriterRelations;
import se.samverkan.support.Journeys;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * What a reader may not see has no effect on any answer it gets (issue 16). Karlskrona kommun has
 * no care relation to the region's patients, so it sees none of the region's data; but it may
 * write its own Goals and Observations about any patient whose id it knows, and then ask questions
 * about its own data whose criteria reach into the region's. Each test puts the same question in two
 * worlds that differ only in data the kommun may not see — "a hidden resource matches" and "nothing
 * matches" — and requires the same answer in both (or the same refusal).
 */
class CriteriaOracleTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";
  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String PROBE_CODES = "urn:samverkan:test:probe-code";

  // --- _sort through a reference

  /**
   * The kommun's own two Goals: one about a patient of the region's, one about a probe patient of
   * its own named Mellansson. Sorted by the patients' names, their order would tell whether the
   * hidden name comes before or after "Mellansson" — some 80 requests with moving probes recover it.
   * (HAPI itself refuses {@code _sort=patient.family} on Goal, since Goal.patient may name other
   * types too; naming the type, as here, it sorts.)
   */
  @ParameterizedTest(name = "_sort={0}")
  @ValueSource(strings = {"Patient:subject.family", "-Patient:subject.family", "Patient:subject.family,_id",
      "_sort:desc=Patient:subject.family"})
  void sortingOnesOwnGoalsByTheirPatientsNamesDoesNotRevealAHiddenName(String sort) {
    String query = sort.startsWith("_sort:") ? sort : "_sort=" + sort;
    Answer before = sortWorld("Andersson").ask("/Goal?_tag=%s&" + query);
    Answer after = sortWorld("Svensson").ask("/Goal?_tag=%s&" + query);

    assertThat(before).as("the answer when the hidden name sorts before the probe's, and when after").isEqualTo(after);
    assertThat(before.status()).as("refused, saying why: " + before).isEqualTo(400);
    assertThat(before.text()).contains("sort");
  }

  @Test
  void sortingByAReferenceIsRefusedWhileSortingByOnesOwnFieldsAnswersAsBefore() {
    SortWorld world = sortWorld("Andersson");
    Answer byReference = world.ask("/Goal?_tag=%s&_sort=patient");
    assertThat(byReference.status())
        .as("a reference sorts by the referenced resource's storage order, not by anything in the Goal: " + byReference)
        .isEqualTo(400);
    assertThat(byReference.text()).contains("sort");

    assertThat(world.ask("/Goal?_tag=%s&_sort=_lastUpdated").items()).containsExactly("hidden patient's goal", "probe's goal");
    assertThat(world.ask("/Goal?_tag=%s&_sort=-_lastUpdated").items()).containsExactly("probe's goal", "hidden patient's goal");
  }

  private SortWorld sortWorld(String hiddenFamily) {
    String tag = TestPeople.uniqueId();
    Patient hidden = TestPeople.patient();
    hidden.getNameFirstRep().setFamily(hiddenFamily);
    String hiddenPatient = createAs(region(), hidden);
    Patient probe = TestPeople.patient();
    probe.getNameFirstRep().setFamily("Mellansson");
    String probePatient = createAs(kommun(), probe);
    String hiddenGoal = createAs(kommun(), goal(hiddenPatient, tag));
    String probeGoal = createAs(kommun(), goal(probePatient, tag));
    return new SortWorld(tag, Map.of(hiddenGoal, "hidden patient's goal", probeGoal, "probe's goal"));
  }

  private final class SortWorld {
    private final String tag;
    private final Map<String, String> labels;

    SortWorld(String tag, Map<String, String> labels) {
      this.tag = tag;
      this.labels = labels;
    }

    Answer ask(String query) {
      return answer(get(String.format(query, encode(TestPeople.TEST_ID + "|" + tag)), "Authorization", kommun()), labels);
    }
  }

  // --- _list

  /**
   * {@code _list=X} finds the resources a List names: HAPI's {@code _has:List:item:_id=X}. A List the
   * region keeps about its patient must not tell the kommun which of its own Goals it names.
   */
  @Test
  void searchingOnesOwnGoalsByAHiddenListAnswersAlikeWhetherTheListNamesThemOrNot() {
    List<Answer> answers = new ArrayList<>();
    for (boolean listNamesTheGoal : new boolean[] {true, false}) {
      String tag = TestPeople.uniqueId();
      String patient = createAs(region(), TestPeople.patient());
      String goal = createAs(kommun(), goal(patient, tag));
      ListResource list = new ListResource().setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
      list.setTitle("Regionens bevakningslista").setSubject(new Reference(patient));
      if (listNamesTheGoal) {
        list.addEntry().setItem(new Reference(goal));
      }
      String listId = new IdType(createAs(region(), list)).getIdPart();
      answers.add(answer(get("/Goal?_tag=" + encode(TestPeople.TEST_ID + "|" + tag) + "&_list=" + listId,
          "Authorization", kommun()), Map.of(goal, "the kommun's goal")));
    }
    assertThat(answers.get(0)).as("the hidden List names the goal / does not").isEqualTo(answers.get(1));
  }

  // --- Observation/$lastn

  /**
   * The kommun's own observation about a patient of the region's. A chain or _has through the
   * region's data finds it exactly when the region's data matches — unless $lastn judges those
   * criteria as searches do, or refuses them.
   */
  @Test
  void lastnWithAChainThroughAHiddenPatientsNameAnswersAlikeWhetherTheNameMatchesOrNot() {
    String matching = lastnWorldWithHiddenPatient("Hemligsson");
    String other = lastnWorldWithHiddenPatient("Annansson");
    Answer hiddenMatches = lastn(matching, "patient.family=Hemligsson");
    Answer nothingMatches = lastn(other, "patient.family=Hemligsson");

    assertThat(hiddenMatches).as("a hidden name matches / nothing matches").isEqualTo(nothingMatches);
    assertThat(hiddenMatches.status()).as("refused, saying why: " + hiddenMatches).isEqualTo(400);
  }

  @Test
  void lastnWithAChainThroughAHiddenPatientsPersonnummerAnswersAlikeWhetherItMatchesOrNot() {
    String code = TestPeople.uniqueId();
    Patient hidden = TestPeople.patient();
    String personnummer = hidden.getIdentifierFirstRep().getValue();
    String patient = createAs(region(), hidden);
    String observation = createAs(kommun(), observation(patient, code, "2026-11-01T10:00:00+01:00"));
    Map<String, String> labels = Map.of(observation, "the kommun's observation");
    String base = "code=" + encode(PROBE_CODES + "|" + code) + "&subject:Patient.identifier=";

    Answer hiddenMatches = answer(get("/Observation/$lastn?" + base + encode(TestPeople.PERSONNUMMER + "|" + personnummer),
        "Authorization", kommun()), labels);
    Answer nothingMatches = answer(get("/Observation/$lastn?" + base
        + encode(TestPeople.PERSONNUMMER + "|" + TestPeople.personnummer()), "Authorization", kommun()), labels);

    assertThat(hiddenMatches).as("the hidden personnummer matches / nothing matches").isEqualTo(nothingMatches);
    assertThat(hiddenMatches.status()).as("refused, saying why, and never a 500: " + hiddenMatches).isEqualTo(400);
  }

  @Test
  void lastnWithHasThroughAHiddenReportAnswersAlikeWhetherTheReportExistsOrNot() {
    List<Answer> answers = new ArrayList<>();
    for (boolean reportExists : new boolean[] {true, false}) {
      String code = TestPeople.uniqueId();
      String patient = createAs(kommun(), TestPeople.patient());
      String observation = createAs(kommun(), observation(patient, code, "2026-11-01T10:00:00+01:00"));
      if (reportExists) {
        DiagnosticReport report = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
        report.getCode().addCoding().setSystem(PROBE_CODES).setCode("report");
        report.setSubject(new Reference(patient));
        report.addResult(new Reference(observation));
        createAs(region(), report);
      }
      answers.add(answer(get("/Observation/$lastn?code=" + encode(PROBE_CODES + "|" + code)
          + "&_has:DiagnosticReport:result:status=final", "Authorization", kommun()),
          Map.of(observation, "the kommun's observation")));
    }
    assertThat(answers.get(0)).as("a hidden report refers to the observation / none does").isEqualTo(answers.get(1));
    assertThat(answers.get(0).status()).as("refused, rather than answered as if _has were not there: " + answers.get(0))
        .isEqualTo(400);
  }

  /**
   * The kommun's own weight of its own patient, and a newer one by the region that the kommun may
   * not see: "the newest" must be the newest of what the kommun sees, whether or not the region
   * measured later.
   */
  @Test
  void lastnPicksTheNewestOfWhatTheReaderSeesWhetherOrNotSomeoneElseRecordedLater() {
    List<Answer> answers = new ArrayList<>();
    for (boolean regionRecordedLater : new boolean[] {true, false}) {
      String code = TestPeople.uniqueId();
      String patient = createAs(kommun(), TestPeople.patient());
      String own = createAs(kommun(), observation(patient, code, "2026-11-01T10:00:00+01:00"));
      if (regionRecordedLater) {
        createAs(region(), observation(patient, code, "2026-11-02T10:00:00+01:00"));
      }
      answers.add(answer(get("/Observation/$lastn?patient=" + patient + "&code=" + encode(PROBE_CODES + "|" + code)
          + "&max=1", "Authorization", kommun()), Map.of(own, "the kommun's own observation")));
    }
    assertThat(answers.get(0)).as("the region recorded later / did not").isEqualTo(answers.get(1));
    assertThat(answers.get(1).items()).containsExactly("the kommun's own observation");
  }

  /** A patient of the region's with this family name, and the kommun's observation about it: its code. */
  // --- Patient/$worklist

  /**
   * The kommun's worklist shows each patient's latest Clinical Frailty Scale: the latest of those
   * the kommun sees, whether or not the region, unseen (no consent), scored the patient later.
   */
  @Test
  void theWorklistShowsTheNewestFrailtyScoreTheReaderSeesWhetherOrNotSomeoneElseScoredLater() {
    loadJourneys();
    String kommunOrg = "Organization/" + idOf("Organization", Journeys.KOMMUN_KARLSKRONA);
    List<List<String>> answers = new ArrayList<>();
    for (boolean regionScoredLater : new boolean[] {true, false}) {
      String patient = createAs(kommun(), TestPeople.patient());
      createAs(kommun(), TestData.careTeam(new IdType(patient), new IdType(kommunOrg)));
      String own = createAs(kommun(), frailty(patient, "2026-11-01T10:00:00+01:00"));
      if (regionScoredLater) {
        createAs(region(), frailty(patient, "2026-11-02T10:00:00+01:00"));
      }
      HttpResponse<String> response = get("/Patient/$worklist?organization=" + kommunOrg, "Authorization", kommun());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      List<String> aboutThePatient = new ArrayList<>();
      for (Bundle.BundleEntryComponent entry : parse(Bundle.class, response).getEntry()) {
        Resource resource = entry.getResource();
        String id = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        if (id.equals(patient)) {
          aboutThePatient.add("the patient");
        } else if (resource instanceof Observation cfs && patient.equals(cfs.getSubject().getReference())) {
          aboutThePatient.add(id.equals(own) ? "the kommun's own score" : "another score");
        }
      }
      answers.add(aboutThePatient);
    }
    assertThat(answers.get(0)).as("the region scored later / did not").isEqualTo(answers.get(1));
    assertThat(answers.get(1)).containsExactly("the patient", "the kommun's own score");
  }

  /** A Clinical Frailty Scale as the profile example has it, about this patient at this time. */
  private Observation frailty(String patient, String effective) {
    Observation cfs = fhirContext.newJsonParser().parseResource(Observation.class,
        ProfileExamples.read("observation/examples/Observation-example-cfs.json"));
    cfs.setId((String) null);
    cfs.setSubject(new Reference(patient));
    cfs.setEffective(new DateTimeType(effective));
    return cfs;
  }

  private String lastnWorldWithHiddenPatient(String family) {
    String code = TestPeople.uniqueId();
    Patient hidden = TestPeople.patient();
    hidden.getNameFirstRep().setFamily(family);
    String patient = createAs(region(), hidden);
    createAs(kommun(), observation(patient, code, "2026-11-01T10:00:00+01:00"));
    return code;
  }

  private Answer lastn(String code, String criteria) {
    return answer(get("/Observation/$lastn?code=" + encode(PROBE_CODES + "|" + code) + "&" + criteria,
        "Authorization", kommun()), Map.of());
  }

  // --- helpers

  /**
   * An answer with what differs between the two worlds taken out: the status, the resources in
   * order by what they are to the test (their ids differ between worlds; anything unnamed is
   * "other"), and for a refusal its diagnostics.
   */
  record Answer(int status, List<String> items, String text) {}

  private Answer answer(HttpResponse<String> response, Map<String, String> labels) {
    List<String> items = new ArrayList<>();
    String text = "";
    try {
      JsonNode body = JSON.readTree(response.body());
      if ("Bundle".equals(body.path("resourceType").asText())) {
        for (JsonNode entry : body.path("entry")) {
          JsonNode resource = entry.path("resource");
          String id = resource.path("resourceType").asText() + "/" + resource.path("id").asText();
          items.add(labels.getOrDefault(id, resource.path("resourceType").asText()));
        }
      } else {
        for (JsonNode issue : body.path("issue")) {
          text += issue.path("diagnostics").asText();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Answer(response.statusCode(), items, text);
  }

  private String region() {
    return tokens.journalSystem("vc-ronneby", VC_RONNEBY, TestTokens.REGION);
  }

  private String kommun() {
    return tokens.journalSystem("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA);
  }

  private final WriterRelations relations = new WriterRelations(this);

  private String createAs(String authorization, Resource resource) {
    return relations.create(authorization, resource);
  }

  private static Goal goal(String patient, String tag) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Gå till affären själv");
    goal.setSubject(new Reference(patient));
    goal.getMeta().addTag(TestPeople.TEST_ID, tag, null);
    return goal;
  }

  /** An observation with a code no Samverkan profile claims, so it needs no profile's content. */
  private static Observation observation(String patient, String code, String effective) {
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().addCoding().setSystem(PROBE_CODES).setCode(code);
    observation.setSubject(new Reference(patient));
    observation.setEffective(new DateTimeType(effective));
    return observation;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
