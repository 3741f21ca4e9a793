package se.samverkan.drills;

import static se.samverkan.drills.DrillClient.DRILL_BATCH;
import static se.samverkan.drills.DrillClient.DRILL_ID;
import static se.samverkan.drills.DrillClient.GOALS_PER_BATCH;
import static se.samverkan.drills.DrillClient.encode;
import static se.samverkan.drills.DrillClient.goal;
import static se.samverkan.drills.DrillClient.sleepQuietly;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import se.samverkan.journey.ExampleLoader;
import se.samverkan.support.Journeys;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;

/**
 * The replicas drill (drills/run replicas, issue 21): through a load balancer in front of two
 * servers on one PostgreSQL database, while drills/run kills one with kill -9 and starts it again.
 * <ul>
 *   <li>a token from one server is used at the other;
 *   <li>a Subscription ({@code Goal?}) sends to a receiver in this process;
 *   <li>{@code clients} threads send transactions, each a Patient listed at a vårdcentral, a care
 *       team with a kommun, an inpatient stay and ten Goals, every entry a conditional create, so
 *       that a client may send a transaction again when it got no answer or a 5xx (up to ten
 *       times), as a client of a replicated server should; one more thread writes Goals one after
 *       another, each only once the one before was acknowledged (their notifications must arrive
 *       in that order);
 *   <li>afterwards 16 conditional creates of one person at once;
 *   <li>then the checks: each transaction stored wholly once or not at all (acknowledged ones
 *       wholly); each stay's two inskrivningsmeddelanden exactly once; each stored Goal notified at
 *       least once (duplicates counted); the ordered Goals notified in order; one Patient.
 * </ul>
 */
final class ReplicasDrill {

  private static final String TASK_CODE = "https://samverkan.se/fhir/CodeSystem/coordination-task|inskrivningsmeddelande";
  private static final Pattern FOCUS = Pattern.compile("/Goal/([A-Za-z0-9.-]+)\"");
  private static final int TRIES = 10;

  private final DrillClient client;
  private final String a;
  private final String b;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** Goal ids in the order their notifications arrived (repeats kept). */
  private final List<String> notified = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> tries = new ConcurrentHashMap<>();

  ReplicasDrill(DrillClient client, String a, String b) {
    this.client = client;
    this.a = a;
    this.b = b;
  }

  boolean run(int seconds, int clients) throws Exception {
    boolean ok = true;
    loadTheCounty();
    ok &= aTokenFromOneServerWorksAtTheOther();
    HttpServer receiver = receiver();
    try {
      String subscription = subscribe("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
      // Every server matches it within samverkan.storage.cache-refresh (5 s).
      sleepQuietly(6000);

      ConcurrentLinkedQueue<String[]> batches = new ConcurrentLinkedQueue<>();
      List<String> ordered = new CopyOnWriteArrayList<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
      for (int c = 0; c < clients; c++) {
        pool.submit(() -> {
          while (System.nanoTime() < end) {
            String batch = UUID.randomUUID().toString();
            String body = client.json(transaction(batch));
            batches.add(new String[] {batch, withRetries(() -> client.post("", body))});
          }
          return null;
        });
      }
      pool.submit(() -> {
        for (int n = 0; System.nanoTime() < end; n++) {
          String id = "ordered-" + n + "-" + UUID.randomUUID();
          org.hl7.fhir.r4.model.Goal goal = goal(orderedPatient, id, null);
          Bundle one = new Bundle().setType(Bundle.BundleType.TRANSACTION);
          one.addEntry().setResource(goal).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Goal")
              .setIfNoneExist("identifier=" + DRILL_ID + "|" + id);
          String body = client.json(one);
          if (withRetries(() -> client.post("", body)).startsWith("2")) {
            ordered.add(id);
          }
        }
        return null;
      });
      pool.shutdown();
      pool.awaitTermination(seconds + 600L, TimeUnit.SECONDS);
      System.out.printf("drill: %d transactions and %d ordered Goals; attempts by outcome %s; attempts per write %s%n",
          batches.size(), ordered.size(), new TreeMap<>(client.statuses), new TreeMap<>(tries));

      ok &= conditionalCreatesOfOnePersonLeaveOne();
      settle();
      ok &= verify(batches, ordered);
      client.send(HttpRequest.newBuilder(URI.create(client.base + "/Subscription/" + subscription)).DELETE());
    } finally {
      receiver.stop(0);
    }
    return ok;
  }

  // --- setup ------------------------------------------------------------------------------------

  private String kommun;
  private String vardcentral;
  private String orderedPatient;

  private void loadTheCounty() throws Exception {
    String county = Files.readString(Path.of("examples/00-county.json"));
    String status = withRetries(() -> client.post("", county));
    if (!status.startsWith("2")) {
      throw new IllegalStateException("The county was refused: " + status);
    }
    kommun = idOf("Organization", Journeys.KOMMUN_RONNEBY);
    vardcentral = idOf("Organization", Journeys.VC_RONNEBY);
    HttpResponse<String> patient = client.post("/Patient", client.json(TestPeople.patient()));
    orderedPatient = "Patient/" + client.fhir.newJsonParser().parseResource(Patient.class, patient.body()).getIdPart();
  }

  private boolean aTokenFromOneServerWorksAtTheOther() throws Exception {
    String fromA = ExampleLoader.clientCredentials(URI.create(a).resolve("/oauth2/token"), "region-blekinge", "dev-only")
        .get();
    int atB = http.send(HttpRequest.newBuilder(URI.create(b + "/Patient?_count=1"))
        .header("Authorization", "Bearer " + fromA).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    System.out.printf("drill: a token from replica A, used at replica B: HTTP %d%n", atB);
    return atB == 200;
  }

  private HttpServer receiver() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/hook", exchange -> {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher goal = FOCUS.matcher(body);
        if (goal.find()) {
          notified.add(goal.group(1));
        }
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      server.setExecutor(Executors.newSingleThreadExecutor());
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String subscribe(String endpoint) throws Exception {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Replicas drill").setCriteria("Goal?");
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
        .setPayload("application/fhir+json");
    HttpResponse<String> created = client.post("/Subscription", client.json(subscription));
    String id = client.fhir.newJsonParser().parseResource(Subscription.class, created.body()).getIdPart();
    for (int i = 0; i < 60; i++) {
      HttpResponse<String> read = client.get("/Subscription/" + id);
      if (read.body().contains("\"status\":\"active\"")) {
        return id;
      }
      sleepQuietly(500);
    }
    throw new IllegalStateException("The Subscription did not become active");
  }

  private Bundle transaction(String batch) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient patient = TestPeople.patient();
    patient.addGeneralPractitioner(new Reference(vardcentral));
    patient.getMeta().addTag(DRILL_BATCH, batch, null);
    String patientUrl = "urn:uuid:" + UUID.randomUUID();
    bundle.addEntry().setFullUrl(patientUrl).setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Patient").setIfNoneExist("identifier=" + TestPeople.PERSONNUMMER + "|"
            + patient.getIdentifierFirstRep().getValue());

    CareTeam team = new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE);
    team.setSubject(new Reference(patientUrl));
    team.addParticipant().setMember(new Reference(kommun)).addRole().addCoding().setSystem(TestData.ROLE)
        .setCode("samordningssjukskoterska-kommun");
    conditional(bundle, team, batch);

    Encounter stay = new Encounter().setStatus(Encounter.EncounterStatus.INPROGRESS);
    stay.getClass_().setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode").setCode("IMP");
    stay.setSubject(new Reference(patientUrl));
    stay.getPeriod().setStart(Date.from(Instant.now().minus(1, ChronoUnit.HOURS)));
    conditional(bundle, stay, batch);

    for (int i = 0; i < GOALS_PER_BATCH; i++) {
      String id = UUID.randomUUID().toString();
      bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(goal(patientUrl, id, batch))
          .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Goal").setIfNoneExist("identifier=" + DRILL_ID + "|" + id);
    }
    return bundle;
  }

  private static void conditional(Bundle bundle, org.hl7.fhir.r4.model.DomainResource resource, String batch) {
    String id = UUID.randomUUID().toString();
    resource.getMeta().addTag(DRILL_BATCH, batch, null);
    if (resource instanceof CareTeam team) {
      team.addIdentifier().setSystem(DRILL_ID).setValue(id);
    } else if (resource instanceof Encounter encounter) {
      encounter.addIdentifier().setSystem(DRILL_ID).setValue(id);
    }
    bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(resource).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType()).setIfNoneExist("identifier=" + DRILL_ID + "|" + id);
  }

  // --- during and after -------------------------------------------------------------------------

  /**
   * Sends until answered 2xx or a 4xx other than 409 (which a busy condition or a version race
   * answers), at most {@link #TRIES} times, a second apart; the last outcome.
   */
  private String withRetries(DrillClient.Call call) {
    String outcome = "";
    for (int attempt = 1; attempt <= TRIES; attempt++) {
      outcome = client.outcome(call);
      boolean retry = outcome.startsWith("EXC") || outcome.startsWith("5") || outcome.equals("409");
      if (!retry || attempt == TRIES) {
        tries.computeIfAbsent(String.valueOf(attempt), k -> new AtomicLong()).incrementAndGet();
        return outcome;
      }
      sleepQuietly(1000);
    }
    return outcome;
  }

  private boolean conditionalCreatesOfOnePersonLeaveOne() throws Exception {
    Patient person = TestPeople.patient();
    String identifier = TestPeople.PERSONNUMMER + "|" + person.getIdentifierFirstRep().getValue();
    String body = client.json(person);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<String> outcomes = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 16; i++) {
      pool.submit(() -> {
        go.await();
        outcomes.add(client.outcome(() -> client.send(HttpRequest.newBuilder(URI.create(client.base + "/Patient"))
            .header("Content-Type", "application/fhir+json").header("If-None-Exist", "identifier=" + identifier)
            .POST(HttpRequest.BodyPublishers.ofString(body)))));
        return null;
      });
    }
    go.countDown();
    pool.shutdown();
    pool.awaitTermination(120, TimeUnit.SECONDS);
    int stored = client.count("/Patient?identifier=" + encode(identifier));
    System.out.printf("drill: 16 conditional creates of one person through the balancer: %s; Patients stored %d%n",
        new TreeMap<>(outcomes.stream().collect(java.util.stream.Collectors.groupingBy(o -> o,
            java.util.stream.Collectors.counting()))), stored);
    return stored == 1;
  }

  /** Until no notification has arrived for ten seconds (at most three minutes). */
  private void settle() {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    int seen = -1;
    while (System.nanoTime() < deadline && notified.size() != seen) {
      seen = notified.size();
      sleepQuietly(10_000);
    }
  }

  private boolean verify(ConcurrentLinkedQueue<String[]> batches, List<String> ordered) throws Exception {
    int whole = 0;
    int none = 0;
    int partial = 0;
    int ackedButMissing = 0;
    int tasksExact = 0;
    int tasksOff = 0;
    Set<String> storedGoals = new HashSet<>();
    for (String[] batch : batches) {
      String tag = encode(DRILL_BATCH + "|" + batch[0]);
      List<String> goals = ids("/Goal?_tag=" + tag);
      List<String> stays = ids("/Encounter?_tag=" + tag);
      int stored = goals.size() + stays.size() + client.count("/Patient?_tag=" + tag)
          + client.count("/CareTeam?_tag=" + tag);
      if (stored == GOALS_PER_BATCH + 3) {
        whole++;
        storedGoals.addAll(goals);
        int notices = client.count("/Task?focus=" + stays.get(0) + "&code=" + encode(TASK_CODE));
        if (notices == 2) {
          tasksExact++;
        } else {
          tasksOff++;
          System.out.printf("drill: %s has %d inskrivningsmeddelanden, not 2%n", stays.get(0), notices);
        }
      } else if (stored == 0) {
        none++;
        ackedButMissing += batch[1].startsWith("2") ? 1 : 0;
      } else {
        partial++;
      }
    }
    List<String> orderedIds = new ArrayList<>();
    for (String identifier : ordered) {
      orderedIds.addAll(ids("/Goal?identifier=" + encode(DRILL_ID + "|" + identifier)));
    }
    storedGoals.addAll(orderedIds);
    Set<String> distinct = new HashSet<>(notified);
    long missed = storedGoals.stream().filter(goal -> !distinct.contains(goal)).count();
    List<String> orderedAsNotified = new ArrayList<>(new LinkedHashSet<>(notified));
    orderedAsNotified.retainAll(new HashSet<>(orderedIds));
    boolean inOrder = orderedAsNotified.equals(orderedIds);

    System.out.printf("drill: transactions stored wholly %d, not at all %d, partly %d; acknowledged but missing %d%n",
        whole, none, partial, ackedButMissing);
    System.out.printf("drill: inskrivningsmeddelanden exactly two for %d stays, otherwise for %d%n", tasksExact, tasksOff);
    System.out.printf("drill: Goals stored %d, notified %d times (%d distinct, %d duplicates), not notified %d;"
        + " the %d ordered Goals notified in order: %s%n", storedGoals.size(), notified.size(), distinct.size(),
        notified.size() - distinct.size(), missed, orderedIds.size(), inOrder);
    return partial == 0 && ackedButMissing == 0 && tasksOff == 0 && missed == 0 && inOrder;
  }

  private List<String> ids(String search) throws Exception {
    HttpResponse<String> response = client.get(search + (search.contains("?") ? "&" : "?") + "_elements=id&_count=200");
    Bundle found = client.fhir.newJsonParser().parseResource(Bundle.class, response.body());
    return found.getEntry().stream().map(e -> e.getResource().fhirType() + "/" + e.getResource().getIdPart())
        .map(id -> id.startsWith("Goal/") ? id.substring(5) : id).toList();
  }

  private String idOf(String type, String identifier) throws Exception {
    List<String> found = ids("/" + type + "?identifier=" + encode(identifier));
    if (found.size() != 1) {
      throw new IllegalStateException(type + " " + identifier + " found " + found.size() + " times");
    }
    return found.get(0);
  }
}
