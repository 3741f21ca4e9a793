package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.WriterRelations;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;
import se.samverkan.support.WebhookReceiver;

/**
 * A notification is an answer too (issue 16). Karlskrona kommun has no care relation to the
 * region's patients and sees none of the region's data; it subscribes with criteria that reach into
 * that data and then changes its own resource, which it may of course hear about. Whether the
 * notification comes must not depend on the hidden data: for each kind of criteria, the world where
 * the region's data matches and the world where nothing matches give the same answer — the same
 * refusal of the Subscription, or the same (non-)notification.
 */
class SubscriptionCriteriaTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";
  private static final String VC_RONNEBY = "SE2321000081-SV2081";

  @RegisterExtension final WebhookReceiver receiver = WebhookReceiver.perTest();

  /** One way to probe, set up in a world where the hidden data matches or does not. */
  enum Probe {
    /** {@code Goal?subject:Patient.identifier=<personnummer>}: is this personnummer the region's patient's? */
    CHAIN_TO_A_HIDDEN_PERSONNUMMER,
    /** {@code Goal?patient.family=Hemligsson}: is the region's patient called Hemligsson? */
    CHAIN_TO_A_HIDDEN_NAME,
    /** {@code Patient?_has:Condition:subject:code=I50.9}: has the region diagnosed heart failure? */
    HAS_A_HIDDEN_DIAGNOSIS
  }

  @ParameterizedTest
  @EnumSource(Probe.class)
  void whetherTheSubscriberHearsOfItsOwnChangeDoesNotDependOnWhatItMayNotSee(Probe probe) {
    Map<Boolean, Trial> trials = new LinkedHashMap<>();
    for (boolean hiddenMatches : new boolean[] {true, false}) {
      trials.put(hiddenMatches, trial(probe, hiddenMatches));
    }
    for (Trial trial : trials.values()) {
      if (trial.subscription() != null) {
        await().atMost(Duration.ofSeconds(60)).until(() -> parse(Subscription.class,
            get("/" + trial.subscription(), "Authorization", kommun())).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
      }
    }
    trials.values().stream().filter(t -> t.subscription() != null).forEach(t -> t.trigger().run());
    if (trials.values().stream().anyMatch(t -> t.subscription() != null)) {
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
          .until(() -> trials.values().stream().anyMatch(t -> notified(t.subscription())));
      await().pollDelay(Duration.ofSeconds(3)).until(() -> true); // anything else on its way arrives too
    }

    String hiddenMatches = trials.get(true).answer().apply(this);
    String nothingMatches = trials.get(false).answer().apply(this);
    assertThat(hiddenMatches).as(probe + ": the hidden data matches / nothing matches").isEqualTo(nothingMatches);
    assertThat(hiddenMatches).as(probe + ": criteria looking into other resources are refused").startsWith("422");
  }

  /**
   * The line drawn, as docs/notifications.md states it: the criteria it shows are accepted, those
   * that look into other resources (or that HAPI matches only in the database) are refused.
   */
  @Test
  void criteriaOnTheChangedResourceAloneAreAcceptedAndAllOthersRefused() {
    for (String criteria : List.of(
        "Task?owner=Organization/example-region-blekinge",
        "CarePlan?subject=Patient/example-greta",
        "Observation?code=https://samverkan.se/fhir/CodeSystem/instrument%7Cnews2-total",
        "Encounter?class=IMP",
        "Task?owner=Organization/example-region-blekinge&status=requested,accepted",
        "Goal?_tag=" + TestPeople.TEST_ID + "%7Cx",
        "Goal?subject:Patient=example-greta",
        "Task?owner:identifier=urn:oid:1.2.752.29.4.19%7C" + KOMMUN_KARLSKRONA,
        "Goal?")) {
      HttpResponse<String> created = send("POST", "/Subscription", json(subscription(criteria)), "Authorization", kommun());
      assertThat(created.statusCode()).as(criteria + ": " + created.body()).isEqualTo(201);
      Subscription off = parse(Subscription.class, created).setStatus(Subscription.SubscriptionStatus.OFF);
      HttpResponse<String> stopped = send("PUT", "/Subscription/" + off.getIdElement().getIdPart(), json(off),
          "Authorization", kommun());
      assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
    }
    for (String criteria : List.of(
        "Goal?subject.identifier=" + TestPeople.PERSONNUMMER + "%7C" + TestPeople.personnummer(),
        "Goal?subject:Patient.family=Hemligsson",
        "Patient?_has:Condition:subject:code=F32.9",
        "Goal?_list=123",
        "Goal?_lastUpdated=gt2026-01-01",
        "Condition?code:text=hjärtsvikt")) {
      HttpResponse<String> refused = send("POST", "/Subscription", json(subscription(criteria)), "Authorization", kommun());
      assertThat(refused.statusCode()).as(criteria + ": " + refused.body()).isEqualTo(422);
      assertThat(diagnostics(refused)).as(criteria).contains("decided by the changed resource alone")
          .doesNotContain("Hemligsson").doesNotContain("hjärtsvikt");
    }
  }

  /** A parameter the server does not index could never match: refused, not accepted and silent. */
  @Test
  void criteriaNamingAParameterTheServerDoesNotAnswerAreRefused() {
    for (String criteria : List.of("Observation?method=x", "Observation?combo-code=x", "Observation?colour=x")) {
      HttpResponse<String> refused = send("POST", "/Subscription", json(subscription(criteria)), "Authorization", kommun());
      assertThat(refused.statusCode()).as(criteria + ": " + refused.body()).isEqualTo(422);
      assertThat(diagnostics(refused)).as(criteria).contains(criteria.substring(12, criteria.indexOf('=')));
    }
  }

  /** A Subscription as the kommun asked for it, what to do to hear of it, and what the kommun learned. */
  record Trial(String subscription, Runnable trigger, Function<SubscriptionCriteriaTest, String> answer) {}

  private Trial trial(Probe probe, boolean hiddenMatches) {
    String tag = TestPeople.uniqueId();
    String tagged = "_tag=" + TestPeople.TEST_ID + "|" + tag;
    return switch (probe) {
      case CHAIN_TO_A_HIDDEN_PERSONNUMMER -> {
        Patient hidden = TestPeople.patient();
        String patient = createAs(region(), hidden);
        String personnummer = hiddenMatches ? hidden.getIdentifierFirstRep().getValue() : TestPeople.personnummer();
        yield subscribe("Goal?" + tagged + "&subject:Patient.identifier=" + TestPeople.PERSONNUMMER + "|" + personnummer,
            () -> createAs(kommun(), goal(patient, tag)));
      }
      case CHAIN_TO_A_HIDDEN_NAME -> {
        Patient hidden = TestPeople.patient();
        hidden.getNameFirstRep().setFamily(hiddenMatches ? "Hemligsson" : "Annansson");
        String patient = createAs(region(), hidden);
        yield subscribe("Goal?" + tagged + "&patient.family=Hemligsson", () -> createAs(kommun(), goal(patient, tag)));
      }
      case HAS_A_HIDDEN_DIAGNOSIS -> {
        Patient own = TestPeople.patient();
        String patient = createAs(kommun(), own);
        if (hiddenMatches) {
          createAs(region(), heartFailure(patient));
        }
        yield subscribe("Patient?_id=" + new IdType(patient).getIdPart() + "&_has:Condition:subject:code=I50.9",
            () -> {
              own.setId(patient);
              own.getNameFirstRep().addGiven("Maria");
              HttpResponse<String> updated = send("PUT", "/" + patient, json(own), "Authorization", kommun());
              assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
            });
      }
    };
  }

  private Subscription subscription(String criteria) {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Kommunens journalsystem").setCriteria(criteria);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint(receiver.url()).setPayload("application/fhir+json");
    return subscription;
  }

  private Trial subscribe(String criteria, Runnable trigger) {
    HttpResponse<String> created = send("POST", "/Subscription", json(subscription(criteria)), "Authorization", kommun());
    if (created.statusCode() != 201) {
      String refusal = created.statusCode() + " " + diagnostics(created);
      return new Trial(null, () -> { }, test -> refusal);
    }
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    String reference = "Subscription/" + id.getIdPart();
    return new Trial(reference, trigger, test -> "201, " + (test.notified(reference) ? "notified" : "not notified"));
  }

  private boolean notified(String subscription) {
    return subscription != null
        && receiver.delivered().stream().anyMatch(body -> body.contains("/" + subscription + "\""));
  }

  private static String diagnostics(HttpResponse<String> response) {
    try {
      StringBuilder text = new StringBuilder();
      for (JsonNode issue : JSON.readTree(response.body()).path("issue")) {
        text.append(issue.path("diagnostics").asText());
      }
      return text.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** The profile example's heart failure (I50.9), about this patient. */
  private Condition heartFailure(String patient) {
    Condition condition = fhirContext.newJsonParser().parseResource(Condition.class,
        ProfileExamples.read("condition/examples/Condition-example-greta-heart-failure.json"));
    condition.setId((String) null);
    condition.setSubject(new Reference(patient));
    return condition;
  }
}
