package se.samverkan.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One query kind run by {@code clients} concurrent clients for a fixed time: each client sends
 * the next request as soon as the previous one is answered, with parameters from its own seeded
 * random stream. An unrecorded warm-up of the same kind comes first. A request started before the
 * time is up is waited for and counted, so the phase lasts the set time plus at most one request
 * timeout; throughput is the requests over that whole time.
 */
final class QueryPhase {

  /**
   * What one phase came to: the seconds measured, the requests' statistics, and for each kind of
   * error what the first one said (the exception's message or the start of the answer).
   */
  record Result(WorklistQueries.Query query, int clients, double seconds, LatencyStats stats,
      Map<String, String> firstErrors) {
    double requestsPerSecond() {
      return seconds == 0 ? 0 : stats.requests() / seconds;
    }
  }

  private QueryPhase() {}

  static Result run(BenchHttp http, WorklistQueries.Query query, int clients, Duration warmUp, Duration measured,
      Duration timeout, long seed) throws InterruptedException {
    if (!warmUp.isZero()) {
      loop(http, query, clients, warmUp, timeout, seed ^ 0x5DEECE66DL, new ConcurrentHashMap<>());
    }
    Map<String, String> firstErrors = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    List<LatencyStats.Sample> samples = loop(http, query, clients, measured, timeout, seed, firstErrors);
    return new Result(query, clients, (System.nanoTime() - start) / 1e9, LatencyStats.of(samples),
        new TreeMap<>(firstErrors));
  }

  private static List<LatencyStats.Sample> loop(BenchHttp http, WorklistQueries.Query query, int clients,
      Duration length, Duration timeout, long seed, Map<String, String> firstErrors) throws InterruptedException {
    long end = System.nanoTime() + length.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<List<LatencyStats.Sample>>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Random random = new Random(seed * 1_000_003L + c * 7919L + query.name().hashCode());
      futures.add(pool.submit(() -> {
        List<LatencyStats.Sample> mine = new ArrayList<>();
        while (System.nanoTime() < end) {
          String request = query.request().apply(random);
          long started = System.nanoTime();
          BenchHttp.Answer answer = http.get(request, timeout);
          mine.add(new LatencyStats.Sample(answer.outcome(), System.nanoTime() - started, entries(answer)));
          if (LatencyStats.isError(answer.outcome())) {
            firstErrors.putIfAbsent(answer.outcome(), answer.detail() != null ? answer.detail()
                : answer.body() == null ? "" : answer.body().substring(0, Math.min(300, answer.body().length())));
          }
        }
        return mine;
      }));
    }
    pool.shutdown();
    List<LatencyStats.Sample> samples = new ArrayList<>();
    try {
      for (Future<List<LatencyStats.Sample>> future : futures) {
        samples.addAll(future.get());
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("A query client failed", e.getCause());
    }
    return samples;
  }

  /** Entries of a Bundle answer, counted by their fullUrl (cheaper than parsing); -1 for none. */
  static int entries(BenchHttp.Answer answer) {
    String body = answer.body();
    if (body == null || !body.contains("\"resourceType\":\"Bundle\"") && !body.contains("\"resourceType\": \"Bundle\"")) {
      return -1;
    }
    int count = 0;
    for (int i = body.indexOf("\"fullUrl\""); i >= 0; i = body.indexOf("\"fullUrl\"", i + 9)) {
      count++;
    }
    return count;
  }
}
