package se.samverkan.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import se.samverkan.journey.ExampleLoader;

/**
 * Sends a generated population (a directory as {@code PopulationGenerator} writes it) as
 * transaction bundles: first every file that is not {@code population-*.json} (the county, which
 * the population refers to), one at a time in name order; then the population bundles, taken in
 * name order by {@code clients} concurrent clients. Entries are counted from each answer as
 * {@link ExampleLoader} counts them; a bundle without a 200 answer (refused, timed out, no
 * connection) counts all its entries as failed. The ids of Patients and Organizations are kept
 * for the queries.
 */
final class Ingest {

  /**
   * How often a bundle answered 409 or 503 is sent again, at once. Both mean "busy, try again":
   * 409 when another request held one of its conditions for a minute (ConditionalWriteInterceptor),
   * 503 while the database is unreachable. A transaction is all or nothing and its entries are
   * conditional updates, so sending it again is safe.
   */
  static final int RETRIES = 3;

  /** Share of the population bundles, by completion, that is warm-up (at least one). */
  static final double WARM_UP_SHARE = 0.10;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PERSONNUMMER = "Patient?identifier=http://electronichealth.se/identifier/personnummer|";
  private static final String HSA = "Organization?identifier=urn:oid:1.2.752.29.4.19|";

  /** One bundle sent: when it started and ended (nanoTime), and what became of its entries. */
  record Sent(String file, boolean population, int entries, String outcome, ExampleLoader.Summary summary,
      long startNanos, long endNanos, String detail, List<String> retried) {}

  /**
   * Everything sent. {@code resources} are the entries sent; {@code bundleOutcomes} the final
   * answers, {@code retried} the answers that made the driver send a bundle again; {@code seconds} run from the first
   * bundle's start to the last one's end. After warm-up: the population bundles that completed
   * after the first {@link #WARM_UP_SHARE} of them, over the time from the last warm-up bundle's
   * end to the last bundle's end (absent with fewer than two such bundles). {@code firstFailure}: the
   * first bundle in name order not answered 200, its answer and why ({@code ""} if none), so that a
   * report shows what a server refused rather than only how much.
   */
  record Result(int bundles, int resources, int created, int updated, int failedEntries, int failedBundles,
      SortedMap<String, Integer> bundleOutcomes, SortedMap<String, Integer> retried, double seconds, int warmUpBundles, int afterWarmUpBundles,
      int afterWarmUpResources, double afterWarmUpSeconds, String firstFailure) {

    /** Resources stored (created or updated) per second, over the whole ingest. */
    double rate() {
      return seconds == 0 ? 0 : (created + updated) / seconds;
    }

    /** Resources stored per second after warm-up, or -1 when there were too few bundles to tell. */
    double afterWarmUpRate() {
      return afterWarmUpBundles < 2 || afterWarmUpSeconds == 0 ? -1 : afterWarmUpResources / afterWarmUpSeconds;
    }
  }

  private Ingest() {}

  static Result run(BenchHttp http, Path dir, int clients, Duration timeout, Population ids, PrintStream out)
      throws IOException, InterruptedException {
    List<Path> files;
    try (Stream<Path> listed = Files.list(dir)) {
      files = listed.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    List<Path> first = files.stream().filter(p -> !isPopulation(p)).toList();
    List<Path> population = files.stream().filter(Ingest::isPopulation).toList();
    out.printf(Locale.ROOT, "ingest: %d bundles (%d first, one at a time; %d by %d clients) from %s%n",
        files.size(), first.size(), population.size(), clients, dir);

    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    Progress progress = new Progress(files.size(), out);
    long start = System.nanoTime();
    for (Path file : first) {
      sent.add(progress.done(send(http, file, false, timeout, ids)));
    }
    ConcurrentLinkedQueue<Path> queue = new ConcurrentLinkedQueue<>(population);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> workers = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      workers.add(pool.submit(() -> {
        Path file;
        while ((file = queue.poll()) != null) {
          sent.add(progress.done(send(http, file, true, timeout, ids)));
        }
        return null;
      }));
    }
    pool.shutdown();
    try {
      for (Future<?> worker : workers) {
        worker.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("An ingest client failed", e.getCause());
    }
    return summarise(new ArrayList<>(sent), start);
  }

  static boolean isPopulation(Path file) {
    return file.getFileName().toString().matches("population-\\d+\\.json");
  }

  private static Sent send(BenchHttp http, Path file, boolean population, Duration timeout, Population ids) {
    JsonNode request;
    String body;
    try {
      body = Files.readString(file);
      request = JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int entries = request.path("entry").size();
    long started = System.nanoTime();
    BenchHttp.Answer answer = http.postBundle(body, timeout);
    List<String> retried = new ArrayList<>();
    while ((answer.status() == 409 || answer.status() == 503) && retried.size() < RETRIES) {
      retried.add(answer.outcome());
      answer = http.postBundle(body, timeout);
    }
    long ended = System.nanoTime();
    ExampleLoader.Summary summary = new ExampleLoader.Summary(1, 0, 0, entries);
    if (answer.status() == 200) {
      JsonNode response;
      try {
        response = JSON.readTree(answer.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      summary = ExampleLoader.summarise(entries, response);
      keepIds(request, response, ids);
    }
    return new Sent(file.getFileName().toString(), population, entries, answer.outcome(), summary, started, ended,
        answer.status() == 200 ? null : answer.detail() != null ? answer.detail() : abbreviate(answer.body()),
        retried);
  }

  /** Patient and Organization ids from the answer's locations ({@code Patient/<id>/_history/1}). */
  private static void keepIds(JsonNode request, JsonNode response, Population ids) {
    JsonNode answered = response.path("entry");
    for (int i = 0; i < request.path("entry").size() && i < answered.size(); i++) {
      String url = request.path("entry").get(i).path("request").path("url").asText();
      String[] location = answered.get(i).path("response").path("location").asText().split("/");
      if (location.length < 2) {
        continue;
      }
      if (url.startsWith(PERSONNUMMER)) {
        ids.addPatient(location[1], url.substring(PERSONNUMMER.length()));
      } else if (url.startsWith(HSA)) {
        ids.addOrganization(location[1], url.substring(HSA.length()));
      }
    }
  }

  private static String abbreviate(String text) {
    return text == null ? "" : text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }

  static Result summarise(List<Sent> sent, long start) {
    int resources = 0;
    int failedBundles = 0;
    long end = start;
    ExampleLoader.Summary total = new ExampleLoader.Summary(0, 0, 0, 0);
    SortedMap<String, Integer> outcomes = new TreeMap<>();
    SortedMap<String, Integer> retried = new TreeMap<>();
    for (Sent s : sent) {
      s.retried().forEach(outcome -> retried.merge(outcome, 1, Integer::sum));
      resources += s.entries();
      total = total.plus(s.summary());
      failedBundles += s.summary().failed() > 0 ? 1 : 0;
      outcomes.merge(s.outcome(), 1, Integer::sum);
      end = Math.max(end, s.endNanos());
    }
    List<Sent> population = new ArrayList<>(sent.stream().filter(Sent::population).toList());
    population.sort(Comparator.comparingLong(Sent::endNanos));
    int warmUp = Math.min(population.size(), Math.max(1, (int) Math.ceil(WARM_UP_SHARE * population.size())));
    int afterResources = 0;
    for (Sent s : population.subList(warmUp, population.size())) {
      afterResources += s.summary().created() + s.summary().updated();
    }
    double afterSeconds = warmUp == 0 || warmUp == population.size() ? 0
        : (population.get(population.size() - 1).endNanos() - population.get(warmUp - 1).endNanos()) / 1e9;
    String firstFailure = sent.stream().filter(s -> !s.outcome().equals("200"))
        .min(Comparator.comparing(Sent::file))
        .map(s -> s.file() + " answered " + s.outcome() + ": " + (s.detail() == null ? "" : s.detail().replaceAll("\\s+", " ")))
        .orElse("");
    return new Result(total.bundles(), resources, total.created(), total.updated(), total.failed(), failedBundles,
        outcomes, retried, (end - start) / 1e9, warmUp, population.size() - warmUp, afterResources, afterSeconds,
        firstFailure);
  }

  /** A line every 10 s or so, and one at the end. */
  private static final class Progress {
    private final int total;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger stored = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private long lastPrinted = System.nanoTime();

    Progress(int total, PrintStream out) {
      this.total = total;
      this.out = out;
    }

    Sent done(Sent sent) {
      int n = done.incrementAndGet();
      stored.addAndGet(sent.summary().created() + sent.summary().updated());
      failed.addAndGet(sent.summary().failed());
      if (!sent.retried().isEmpty()) {
        out.printf(Locale.ROOT, "ingest: %s sent again after %s%n", sent.file(), sent.retried());
      }
      if (!sent.outcome().equals("200")) {
        out.printf(Locale.ROOT, "ingest: %s answered %s: %s%n", sent.file(), sent.outcome(), sent.detail());
      }
      synchronized (this) {
        long now = System.nanoTime();
        if (now - lastPrinted > 10_000_000_000L || n == total) {
          lastPrinted = now;
          double seconds = (now - start) / 1e9;
          out.printf(Locale.ROOT, "ingest: %d/%d bundles, %,d resources stored, %d failed, %.0f s, %.1f resources/s%n",
              n, total, stored.get(), failed.get(), seconds, stored.get() / seconds);
        }
      }
      return sent;
    }
  }
}
