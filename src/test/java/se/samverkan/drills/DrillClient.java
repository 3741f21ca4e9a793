package se.samverkan.drills;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import se.samverkan.journey.ExampleLoader;
import se.samverkan.support.TestPeople;

/**
 * The load and the checks of the fault drills (drills/run, docs/reliability.md). Modes:
 * <ul>
 *   <li>{@code load} / {@code soak}: mixed reads, searches and writes by several clients; every
 *       write is recorded with its outcome (acknowledged 2xx, refused with a status, or unknown
 *       when no answer came); soak paces requests and samples the server's heap;
 *   <li>{@code verify}: every acknowledged write is stored exactly once, no refused one is;
 *   <li>{@code ingest}: transaction bundles of one Patient and ten Goals, each bundle tagged;
 *   <li>{@code verify-ingest}: each bundle is stored wholly or not at all, acknowledged ones wholly;
 *   <li>{@code audit-load}: searches as {@value #AUDITED_CLIENT}, a client no other drill uses,
 *       each recorded as answered (any status) or not;
 *   <li>{@code verify-audit}: the audit log holds an AuditEvent for every answered request of
 *       {@code audit-load}, and no more than were sent (asked as the region's log reviewer);
 *   <li>{@code replicas}: load and checks through a load balancer in front of two servers
 *       ({@link ReplicasDrill}).
 * </ul>
 * Everything written is synthetic (test personnummer, goal texts).
 */
public final class DrillClient {

  static final String DRILL_ID = "https://samverkan.se/fhir/drill-id";
  static final String DRILL_BATCH = "https://samverkan.se/fhir/drill-batch";
  static final int GOALS_PER_BATCH = 10;
  /** The development issuer's client whose requests the audit drill counts: used by nothing else in a drill. */
  static final String AUDITED_CLIENT = "vc-solvesborg";

  final String base;
  private final Supplier<String> token;
  /** The development issuer's monitoring client: the metrics need the operations scope. */
  private final Supplier<String> monitoring;
  private final Supplier<String> audited;
  private final Supplier<String> reviewer;
  final FhirContext fhir = FhirContext.forR4Cached();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
  private volatile String bearer;

  private DrillClient(String base) {
    this.base = base;
    this.token = ExampleLoader.clientCredentials(URI.create(base).resolve("/oauth2/token"), "region-blekinge", "dev-only");
    this.monitoring = ExampleLoader.clientCredentials(URI.create(base).resolve("/oauth2/token"), "monitoring", "dev-only");
    this.audited = ExampleLoader.clientCredentials(URI.create(base).resolve("/oauth2/token"), AUDITED_CLIENT, "dev-only");
    this.reviewer = ExampleLoader.clientCredentials(URI.create(base).resolve("/oauth2/token"), "log-reviewer-region", "dev-only");
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    DrillClient client = new DrillClient(options.get("base"));
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "60"));
    int clients = Integer.parseInt(options.getOrDefault("clients", "4"));
    boolean ok = switch (args[0]) {
      case "load" -> client.load(seconds, clients, 0, Path.of(options.get("out")), null);
      case "soak" -> client.load(seconds, clients, Double.parseDouble(options.getOrDefault("rate", "20")),
          Path.of(options.get("out")), options.get("pid"));
      case "verify" -> client.verify(Path.of(options.get("in")));
      case "ingest" -> client.ingest(seconds, clients, Path.of(options.get("out")));
      case "verify-ingest" -> client.verifyIngest(Path.of(options.get("in")));
      case "audit-load" -> client.auditLoad(seconds, clients, Path.of(options.get("out")));
      case "verify-audit" -> client.verifyAudit(Path.of(options.get("in")));
      case "replicas" -> new ReplicasDrill(client, options.get("a"), options.get("b")).run(seconds, clients);
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    };
    System.exit(ok ? 0 : 1);
  }

  // --- load and soak ---------------------------------------------------------------------------

  /** rate: requests per second over all clients (0: as fast as they go). */
  private boolean load(int seconds, int clients, double rate, Path out, String pid) throws Exception {
    String patient = created(post("/Patient", json(TestPeople.patient())));
    ConcurrentLinkedQueue<String> writes = new ConcurrentLinkedQueue<>();
    List<String> memory = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long pause = rate > 0 ? (long) (clients * 1000 / rate) : 0;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      pool.submit(() -> {
        while (System.nanoTime() < end) {
          long started = System.currentTimeMillis();
          int dice = ThreadLocalRandom.current().nextInt(10);
          if (dice < 3) {
            String id = UUID.randomUUID().toString();
            writes.add("write\t" + id + "\t" + outcome(() -> post("/Goal", json(goal(patient, id, null)))));
          } else if (dice < 7) {
            outcome(() -> get("/Goal?subject=" + patient + "&_count=10&_sort=-_lastUpdated"));
          } else {
            outcome(() -> get("/" + patient));
          }
          sleepQuietly(pause - (System.currentTimeMillis() - started));
        }
        return null;
      });
    }
    pool.shutdown();
    long sampleEvery = TimeUnit.SECONDS.toMillis(Math.max(10, seconds / 30));
    while (!pool.awaitTermination(sampleEvery, TimeUnit.MILLISECONDS)) {
      if (pid != null) {
        memory.add(memorySample(pid));
      }
    }
    Files.write(out, writes);
    long total = statuses.values().stream().mapToLong(AtomicLong::get).sum();
    System.out.printf("drill: %d requests in %d s by %d clients; by outcome %s%n", total, seconds, clients,
        new TreeMap<>(statuses));
    if (!memory.isEmpty()) {
      System.out.println("drill: memory samples (heap used after the last GC is the flat-line signal):");
      memory.forEach(m -> System.out.println("  " + m));
    }
    return true;
  }

  private boolean verify(Path in) throws IOException {
    int acked = 0;
    int ackedFound = 0;
    int refused = 0;
    int refusedFound = 0;
    int unknown = 0;
    int unknownFound = 0;
    for (String line : Files.readAllLines(in)) {
      String[] f = line.split("\t");
      int found = count("/Goal?identifier=" + encode(DRILL_ID + "|" + f[1]));
      if (f[2].startsWith("2")) {
        acked++;
        ackedFound += found == 1 ? 1 : 0;
      } else if (f[2].matches("\\d+")) {
        refused++;
        refusedFound += found;
      } else {
        unknown++;
        unknownFound += found;
      }
    }
    System.out.printf("drill: writes acknowledged %d, found exactly once %d; refused %d, found %d;"
        + " without an answer %d, of which stored %d%n", acked, ackedFound, refused, refusedFound, unknown, unknownFound);
    return acked == ackedFound && refusedFound == 0;
  }

  // --- transaction ingest ----------------------------------------------------------------------

  private boolean ingest(int seconds, int clients, Path out) throws Exception {
    ConcurrentLinkedQueue<String> batches = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      pool.submit(() -> {
        while (System.nanoTime() < end) {
          String batch = UUID.randomUUID().toString();
          String result = outcome(() -> post("", json(transaction(batch))));
          batches.add("batch\t" + batch + "\t" + result);
          if (result.startsWith("EXC")) {
            sleepQuietly(500); // the server is gone; the drill restarts it
          }
        }
        return null;
      });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 120L, TimeUnit.SECONDS);
    Files.write(out, batches);
    System.out.printf("drill: %d transactions of %d resources sent; by outcome %s%n", batches.size(),
        GOALS_PER_BATCH + 1, new TreeMap<>(statuses));
    return true;
  }

  private boolean verifyIngest(Path in) throws IOException {
    int whole = 0;
    int none = 0;
    int partial = 0;
    int ackedButMissing = 0;
    for (String line : Files.readAllLines(in)) {
      String[] f = line.split("\t");
      String tag = encode(DRILL_BATCH + "|" + f[1]);
      int stored = count("/Goal?_tag=" + tag) + count("/Patient?_tag=" + tag);
      if (stored == GOALS_PER_BATCH + 1) {
        whole++;
      } else if (stored == 0) {
        none++;
        ackedButMissing += f[2].startsWith("2") ? 1 : 0;
      } else {
        partial++;
      }
    }
    System.out.printf("drill: transactions stored wholly %d, not at all %d, partly %d; acknowledged but missing %d%n",
        whole, none, partial, ackedButMissing);
    return partial == 0 && ackedButMissing == 0;
  }

  private Bundle transaction(String batch) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient patient = TestPeople.patient();
    patient.getMeta().addTag(DRILL_BATCH, batch, null);
    String patientUrl = "urn:uuid:" + UUID.randomUUID();
    bundle.addEntry().setFullUrl(patientUrl).setResource(patient).getRequest()
        .setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    for (int i = 0; i < GOALS_PER_BATCH; i++) {
      bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID())
          .setResource(goal(patientUrl, UUID.randomUUID().toString(), batch))
          .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Goal");
    }
    return bundle;
  }

  // --- the audit log across a crash ------------------------------------------------------------

  /** Searches as {@value #AUDITED_CLIENT}; one line a request: "answered" with its status, or "EXC:…". */
  private boolean auditLoad(int seconds, int clients, Path out) throws Exception {
    ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      pool.submit(() -> {
        String token = null;
        while (System.nanoTime() < end) {
          String result;
          try {
            token = token == null ? audited.get() : token;
            int status = http.send(HttpRequest.newBuilder(URI.create(base + "/Patient?_count=5"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
            token = status == 401 ? null : token; // a restarted server signs with a new key
            result = String.valueOf(status);
          } catch (Exception e) {
            result = "EXC:" + e.getClass().getSimpleName();
            token = null;
            sleepQuietly(500); // the server is gone; the drill restarts it
          }
          statuses.computeIfAbsent(result, k -> new AtomicLong()).incrementAndGet();
          requests.add(result);
        }
        return null;
      });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 120L, TimeUnit.SECONDS);
    Files.write(out, requests);
    System.out.printf("drill: %d searches as %s; by outcome %s%n", requests.size(), AUDITED_CLIENT, new TreeMap<>(statuses));
    return true;
  }

  /**
   * Every answered request is in the log (the one thing a crash may not take); requests without an
   * answer may or may not be (the server may have died before or after journaling them). 401s are
   * left out: the token was refused before FHIR, and nothing is logged for a caller nobody knows.
   */
  private boolean verifyAudit(Path in) throws IOException {
    List<String> lines = Files.readAllLines(in);
    long answered = lines.stream().filter(l -> l.matches("\\d+") && !l.equals("401")).count();
    long unanswered = lines.stream().filter(l -> l.startsWith("EXC")).count();
    String savedBearer = bearer;
    bearer = reviewer.get();
    int logged = count("/AuditEvent?altid=" + AUDITED_CLIENT);
    bearer = savedBearer;
    System.out.printf("drill: answered %d, without an answer %d; AuditEvents of %s %d (must be %d to %d)%n",
        answered, unanswered, AUDITED_CLIENT, logged, answered, answered + unanswered);
    return logged >= answered && logged <= answered + unanswered;
  }

  // --- plumbing --------------------------------------------------------------------------------

  static Goal goal(String patient, String id, String batch) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.addIdentifier().setSystem(DRILL_ID).setValue(id);
    goal.getDescription().setText("Promenera tio minuter varje dag");
    goal.setSubject(new Reference(patient));
    if (batch != null) {
      goal.getMeta().addTag(DRILL_BATCH, batch, null);
    }
    return goal;
  }

  @FunctionalInterface
  interface Call {
    HttpResponse<String> send() throws Exception;
  }

  /** The status as text, or "EXC:<type>" when no answer came (its effect unknown). */
  String outcome(Call call) {
    String result;
    try {
      result = String.valueOf(call.send().statusCode());
    } catch (Exception e) {
      result = "EXC:" + e.getClass().getSimpleName();
    }
    statuses.computeIfAbsent(result, k -> new AtomicLong()).incrementAndGet();
    return result;
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/fhir+json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    if (bearer == null) {
      bearer = token.get();
    }
    HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + bearer).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 401) {
      bearer = null; // a restarted server signs with a new key
    }
    return response;
  }

  private String created(HttpResponse<String> response) {
    if (response.statusCode() != 201) {
      throw new IllegalStateException("Setup write refused: " + response.statusCode() + " " + response.body());
    }
    String location = response.headers().firstValue("Location").orElseThrow();
    Matcher m = Pattern.compile("/fhir/(\\w+/[^/]+)/_history").matcher(location);
    return m.find() ? m.group(1) : location;
  }

  /** Resources a search finds, counted page by page (searches carry no total here). */
  int count(String search) {
    int count = 0;
    String next = base + search + (search.contains("?") ? "&" : "?") + "_elements=id&_count=200";
    try {
      while (next != null) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(next)).GET());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("Search failed: " + response.statusCode());
        }
        Bundle page = fhir.newJsonParser().parseResource(Bundle.class, response.body());
        count += page.getEntry().size();
        next = page.getLink("next") == null ? null : page.getLink("next").getUrl();
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return count;
  }

  private String memorySample(String pid) {
    long heap = 0;
    try {
      String metrics = http.send(HttpRequest.newBuilder(URI.create(base.replace("/fhir", "/actuator/prometheus")))
          .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + monitoring.get()).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("(?m)^jvm_gc_live_data_size_bytes\\S* (\\S+)").matcher(metrics);
      heap = m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    } catch (Exception e) {
      heap = -1;
    }
    long rss = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException e) {
      rss = -1;
    }
    return String.format("%tT heap live after GC %d MiB, RSS %d MiB", System.currentTimeMillis(), heap / (1024 * 1024), rss);
  }

  String json(org.hl7.fhir.instance.model.api.IBaseResource resource) {
    return fhir.newJsonParser().encodeResourceToString(resource);
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static void sleepQuietly(long millis) {
    if (millis > 0) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
