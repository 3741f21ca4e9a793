package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static se.samverkan.support.StandaloneServer.baseUrl;
import static se.samverkan.support.StandaloneServer.startReplica;
import static se.samverkan.support.StandaloneServer.token;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import se.samverkan.coordination.CoordinationRulesInterceptor;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestDatabase;
import se.samverkan.support.TestPeople;
import se.samverkan.support.WebhookReceiver;

/**
 * Two servers on one PostgreSQL database behave as one (issue 21): what can be shown in one JVM,
 * with two application contexts on a database of their own. A token from either is accepted by the
 * other; parallel conditional creates of one person through both leave one Patient; a Subscription
 * made through one is matched by the other within the cache refresh; its notifications reach the
 * receiver once each and in order although both servers deliver; a coordination Task is made once
 * when both servers handle changes of the same stay at the same time; and a search's next page is
 * served by the other server. The drill (drills/run replicas) adds a load balancer and kill -9.
 */
@ExtendWith(TestDatabase.PostgresReachable.class)
class TwoReplicasTest {

  private static final String TASK_CODES = "https://samverkan.se/fhir/CodeSystem/coordination-task";
  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final String[] SETTINGS = {
    "--samverkan.storage.cache-refresh=1s", "--samverkan.notify.poll-interval=100ms",
    "--samverkan.notify.first-retry=300ms", "--samverkan.notify.max-retry=1s"
  };

  @TempDir static Path shared;
  private static ConfigurableApplicationContext a;
  private static ConfigurableApplicationContext b;
  private static String tokenFromA;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startTwoServersOnOneDatabase() throws IOException {
    String database = TestDatabase.newPostgresDatabase();
    String keyFile = "--samverkan.security.dev-issuer.key-file=" + shared.resolve("dev-issuer.jwk");
    a = startReplica(database, withSettings(keyFile));
    b = startReplica(database, withSettings(keyFile));
    tokenFromA = token(a, "region-blekinge");
    HttpResponse<String> county = send(a, "POST", "", Files.readString(Path.of("examples/00-county.json")));
    assertThat(county.statusCode()).as(county.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  @Test
  void aTokenOneServerIssuedIsAcceptedByTheOther() {
    HttpResponse<String> onB = send(b, "GET", "/Patient?_count=1", null);

    assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
    assertThat(send(b, "GET", "/Patient?_count=1", null, "Bearer " + tokenFromA + "x").statusCode())
        .as("a token whose signature does not check out is still refused").isEqualTo(401);
  }

  @Test
  void conditionalCreatesOfOnePersonThroughBothServersAtOnceLeaveOnePatient() throws Exception {
    Patient person = TestPeople.patient();
    String identifier = TestPeople.PERSONNUMMER + "|" + person.getIdentifierFirstRep().getValue();
    String body = FHIR.newJsonParser().encodeResourceToString(person);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Integer>> creates = IntStream.range(0, 8)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
          waitFor(go);
          return send(i % 2 == 0 ? a : b, "POST", "/Patient", body, "Bearer " + tokenFromA,
              "If-None-Exist", "identifier=" + identifier).statusCode();
        })).toList();
    go.countDown();

    assertThat(creates).extracting(CompletableFuture::get).allMatch(status -> status == 200 || status == 201)
        .containsOnlyOnce(201);
    assertThat(search(b, "/Patient?identifier=" + identifier).getEntry()).hasSize(1);
  }

  @Test
  void aSubscriptionMadeThroughOneServerIsMatchedByTheOtherAndNotifiedOnceInOrder() {
    try (WebhookReceiver receiver = WebhookReceiver.start(0)) {
      Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
          .setReason("Journalsystem").setCriteria("Goal?");
      subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
          .setEndpoint(receiver.url()).setPayload("application/fhir+json");
      String id = create(a, subscription).getIdPart();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() ->
            read(a, "Subscription/" + id, Subscription.class).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
        // Either server may have activated it (HAPI hands the Subscription's change to one of them);
        // HAPI alone tells the other once a minute, the refresh within a second or two.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.getBean(SubscriptionRegistry.class).get(id) != null
            && b.getBean(SubscriptionRegistry.class).get(id) != null);

        IdType patient = create(a, TestPeople.patient());
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          written.add(create(i % 2 == 0 ? a : b, goal(patient, i)).getIdPart());
        }

        try {
          await().atMost(Duration.ofSeconds(60)).until(() -> goalsNotified(receiver).size() >= written.size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("notified " + goalsNotified(receiver) + " of " + written + "; requests "
              + receiver.requests().size() + ", still queued " + a.getBean(se.samverkan.notify.NotificationOutbox.class)
              .pending(id), e);
        }
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true); // late duplicates
        assertThat(goalsNotified(receiver)).as("each once, in the order written, though both servers deliver")
            .containsExactlyElementsOf(written);
      } finally {
        send(a, "DELETE", "/Subscription/" + id, null);
      }
    }
  }

  /**
   * HAPI hands each stored change to one server only (it deletes the change's record first), so
   * the race is between two changes of one stay, handed to the rules of both servers at once; the
   * same admission handed to both stands in for them.
   */
  @Test
  void aCoordinationTaskIsMadeOnceWhenBothServersHandleChangesOfTheSameStayAtOnce() throws Exception {
    IdType kommun = new IdType(idOf(a, "Organization", Journeys.KOMMUN_RONNEBY));
    IdType vardcentral = new IdType(idOf(a, "Organization", Journeys.VC_RONNEBY));
    Patient listed = TestPeople.patient();
    listed.addGeneralPractitioner(new Reference(vardcentral));
    IdType patient = create(a, listed);
    create(a, TestData.careTeam(patient, kommun));
    Instant admitted = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    List<IdType> stays = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      IdType stay = create(a, stay(patient, Encounter.EncounterStatus.PLANNED, admitted)); // planned: no Task yet
      stays.add(stay);
      Encounter arrived = read(a, stay.getValue(), Encounter.class).setStatus(Encounter.EncounterStatus.INPROGRESS);
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Boolean>> handled = List.of(a, b).stream().map(server -> CompletableFuture.supplyAsync(() -> {
        ResourceModifiedMessage change = new ResourceModifiedMessage(server.getBean(FhirContext.class), arrived,
            BaseResourceMessage.OperationTypeEnum.UPDATE);
        waitFor(go);
        return server.getBean(CoordinationRulesInterceptor.class).applyRules(change);
      })).toList();
      go.countDown();
      assertThat(handled).extracting(CompletableFuture::get).containsOnly(true);
    }

    for (IdType stay : stays) {
      assertThat(notices(stay)).as("one inskrivningsmeddelande to the kommun and one to the vårdcentral for " + stay)
          .extracting(task -> task.getOwner().getReference())
          .containsExactlyInAnyOrder(kommun.getValue(), vardcentral.getValue());
    }
  }

  @Test
  void theNextPageOfASearchMadeOnOneServerIsServedByTheOther() {
    IdType patient = create(a, TestPeople.patient());
    for (int i = 0; i < 5; i++) {
      create(a, goal(patient, i));
    }
    Bundle first = search(a, "/Goal?subject=" + patient.getValue() + "&_count=2");
    String next = first.getLink(Bundle.LINK_NEXT).getUrl();
    String onB = next.replace(baseUrl(a), baseUrl(b));
    assertThat(onB).isNotEqualTo(next);

    assertThat(sendTo(onB, "GET", null, "Bearer " + token(a, "kommun-karlskrona")).statusCode())
        .as("another caller is answered as for a search that does not exist")
        .isEqualTo(sendTo(onB.replaceAll("_getpages=[^&]+", "_getpages=" + java.util.UUID.randomUUID()), "GET", null,
            "Bearer " + tokenFromA).statusCode())
        .isEqualTo(410);
    HttpResponse<String> page = sendTo(onB, "GET", null, "Bearer " + tokenFromA);

    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Bundle second = FHIR.newJsonParser().parseResource(Bundle.class, page.body());
    assertThat(second.getEntry()).hasSize(2).extracting(e -> e.getResource().getIdElement().getIdPart())
        .doesNotContainAnyElementsOf(first.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList());
  }

  private static List<org.hl7.fhir.r4.model.Task> notices(IdType stay) {
    return search(a, "/Task?focus=" + stay.getValue() + "&code=" + TASK_CODES + "%7Cinskrivningsmeddelande")
        .getEntry().stream().map(e -> (org.hl7.fhir.r4.model.Task) e.getResource()).toList();
  }

  private static Encounter stay(IdType patient, Encounter.EncounterStatus status, Instant admitted) {
    Encounter encounter = new Encounter().setStatus(status);
    encounter.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("IMP");
    encounter.setSubject(new Reference(patient));
    encounter.getPeriod().setStart(Date.from(admitted));
    return encounter;
  }

  private static Goal goal(IdType patient, int number) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Mål " + number);
    goal.setSubject(new Reference(patient.toUnqualifiedVersionless()));
    return goal;
  }

  private static final Pattern GOAL = Pattern.compile("Goal/([A-Za-z0-9.-]+)");

  /** The Goals the receiver was told of, in the order it was told. */
  private static List<String> goalsNotified(WebhookReceiver receiver) {
    List<String> goals = new ArrayList<>();
    for (String body : receiver.delivered()) {
      Matcher goal = GOAL.matcher(body);
      if (goal.find()) {
        goals.add(goal.group(1));
      }
    }
    return goals;
  }

  private static String idOf(ConfigurableApplicationContext server, String type, String identifier) {
    Bundle found = search(server, "/" + type + "?identifier=" + identifier);
    assertThat(found.getEntry()).as(type + " " + identifier).hasSize(1);
    return type + "/" + found.getEntryFirstRep().getResource().getIdElement().getIdPart();
  }

  private static IdType create(ConfigurableApplicationContext server, IBaseResource resource) {
    HttpResponse<String> response = send(server, "POST", "/" + resource.fhirType(), json(resource));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new IdType(FHIR.newJsonParser().parseResource(response.body()).getIdElement().toUnqualifiedVersionless()
        .getValue());
  }

  private static <T extends IBaseResource> T read(ConfigurableApplicationContext server, String path, Class<T> type) {
    HttpResponse<String> response = send(server, "GET", "/" + path, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(type, response.body());
  }

  private static Bundle search(ConfigurableApplicationContext server, String query) {
    HttpResponse<String> response = send(server, "GET", query, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Bundle.class, response.body());
  }

  private static String json(IBaseResource resource) {
    return FHIR.newJsonParser().encodeResourceToString(resource);
  }

  private static String[] withSettings(String... more) {
    List<String> all = new ArrayList<>(List.of(SETTINGS));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static HttpResponse<String> send(ConfigurableApplicationContext server, String method, String path, String body) {
    return send(server, method, path, body, "Bearer " + tokenFromA);
  }

  private static HttpResponse<String> send(ConfigurableApplicationContext server, String method, String path, String body,
      String authorization, String... headers) {
    return sendTo(baseUrl(server) + path, method, body, authorization, headers);
  }

  private static HttpResponse<String> sendTo(String url, String method, String body, String authorization,
      String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.replace("|", "%7C")))
        .header("Authorization", authorization).header("Accept", "application/fhir+json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/fhir+json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
