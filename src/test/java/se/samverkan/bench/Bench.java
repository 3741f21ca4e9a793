package se.samverkan.bench;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.LoggerFactory;
import se.samverkan.journey.PopulationGenerator;

/**
 * The benchmark driver that bench/run calls, one step at a time (bench/README.md):
 * <pre>
 *   generate --patients N [--per-bundle P] --seed S --county examples/00-county.json --dir D --results F
 *   ingest   --base URL --dir D --clients C --timeout-seconds T --client ID --ids F --results F [--peer yes]
 *   query    --base URL --ids F --clients C --seconds S --warm-up-seconds W --timeout-seconds T
 *            --queries all|name,… --seed S --client ID --results F [--peer yes]
 *   report   --results F [--peer-results F] --out report.md
 * </pre>
 * Each step appends its figures to the results file ({@link Results}); report makes the markdown.
 * {@code --peer yes}: the server is another FHIR server (bench/run --peer): no token is sent and only
 * the plain-FHIR query kinds run; its figures go to a results file of their own, which report
 * puts next to Samverkan's.
 */
public final class Bench {

  static final String SECRET = "dev-only";

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: Bench generate|ingest|query|report --option value …");
    }
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    quietHapi();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    switch (args[0]) {
      case "generate" -> generate(Integer.parseInt(o.get("patients")),
          Integer.parseInt(o.getOrDefault("per-bundle", "1")), Long.parseLong(o.get("seed")),
          Path.of(o.get("county")), Path.of(o.get("dir")), Path.of(o.get("results")), out);
      case "ingest" -> {
        BenchHttp http = peer(o) ? BenchHttp.withoutToken(o.get("base"))
            : new BenchHttp(o.get("base"), o.getOrDefault("client", "region-blekinge"), SECRET);
        Ingest.Result result = ingest(http, Path.of(o.get("dir")), Integer.parseInt(o.get("clients")),
            Duration.ofSeconds(Long.parseLong(o.get("timeout-seconds"))), Path.of(o.get("ids")),
            Path.of(o.get("results")), out);
        if (result.failedEntries() > 0) {
          out.println("ingest: " + result.failedEntries() + " entries failed; see the server log");
        }
      }
      case "query" -> {
        BenchHttp http = peer(o) ? BenchHttp.withoutToken(o.get("base"))
            : new BenchHttp(o.get("base"), o.getOrDefault("client", "vc-ronneby"), SECRET);
        queries(http, Population.read(Path.of(o.get("ids"))), o.getOrDefault("queries", "all"), peer(o),
            Integer.parseInt(o.get("clients")), Duration.ofSeconds(Long.parseLong(o.get("warm-up-seconds"))),
            Duration.ofSeconds(Long.parseLong(o.get("seconds"))),
            Duration.ofSeconds(Long.parseLong(o.get("timeout-seconds"))), Long.parseLong(o.get("seed")),
            Path.of(o.get("results")), out);
      }
      case "report" -> {
        String report = BenchReport.render(Results.read(Path.of(o.get("results"))),
            o.containsKey("peer-results") ? Results.read(Path.of(o.get("peer-results"))) : null);
        Files.writeString(Path.of(o.get("out")), report, StandardCharsets.UTF_8);
        out.print(report);
      }
      default -> throw new IllegalArgumentException("unknown step " + args[0]);
    }
  }

  static PopulationGenerator.Result generate(int patients, int perBundle, long seed, Path county, Path dir,
      Path results, PrintStream out) throws IOException {
    out.printf(Locale.ROOT, "generate: %,d patients (seed %d) into %s%n", patients, seed, dir);
    long start = System.nanoTime();
    PopulationGenerator.Result generated = new PopulationGenerator(seed).write(patients, perBundle, dir, county);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(Locale.ROOT, "generate: %,d bundles, %,d resources in %.1f s%n", generated.bundles(),
        generated.resources(), seconds);
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("generate.patients", generated.patients());
    figures.put("generate.bundles", generated.bundles());
    figures.put("generate.resources", generated.resources());
    figures.put("generate.seconds", Results.number(seconds, 1));
    Results.append(results, figures);
    return generated;
  }

  static Ingest.Result ingest(BenchHttp http, Path dir, int clients, Duration timeout, Path ids, Path results,
      PrintStream out) throws IOException, InterruptedException {
    Population population = new Population();
    Ingest.Result r = Ingest.run(http, dir, clients, timeout, population, out);
    population.write(ids);
    int found = count(http, "/Patient");
    out.printf(Locale.ROOT, "ingest: %,d resources in %,d bundles, %,d stored, %,d failed, %.1f s: %.1f resources/s"
            + " overall, %s after warm-up; %,d patients on the server%n", r.resources(), r.bundles(),
        r.created() + r.updated(), r.failedEntries(), r.seconds(), r.rate(),
        r.afterWarmUpRate() < 0 ? "–" : Results.number(r.afterWarmUpRate(), 1), found);
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("ingest.bundles", r.bundles());
    figures.put("ingest.resources", r.resources());
    figures.put("ingest.created", r.created());
    figures.put("ingest.updated", r.updated());
    figures.put("ingest.failed-entries", r.failedEntries());
    figures.put("ingest.failed-bundles", r.failedBundles());
    figures.put("ingest.outcomes", outcomes(r.bundleOutcomes()));
    figures.put("ingest.retried", outcomes(r.retried()));
    figures.put("ingest.seconds", Results.number(r.seconds(), 3));
    figures.put("ingest.rate", Results.number(r.rate(), 2));
    figures.put("ingest.warm-up-bundles", r.warmUpBundles());
    figures.put("ingest.after-warm-up-bundles", r.afterWarmUpBundles());
    figures.put("ingest.after-warm-up-resources", r.afterWarmUpResources());
    figures.put("ingest.after-warm-up-seconds", Results.number(r.afterWarmUpSeconds(), 3));
    figures.put("ingest.after-warm-up-rate", Results.number(r.afterWarmUpRate(), 2));
    figures.put("ingest.patients-found", found);
    if (!r.firstFailure().isEmpty()) {
      figures.put("ingest.first-failure", r.firstFailure());
    }
    Results.append(results, figures);
    return r;
  }

  private static boolean peer(Map<String, String> options) {
    return "yes".equals(options.get("peer"));
  }

  static List<QueryPhase.Result> queries(BenchHttp http, Population population, String names, boolean peer,
      int clients, Duration warmUp, Duration measured, Duration timeout, long seed, Path results, PrintStream out)
      throws InterruptedException {
    List<WorklistQueries.Query> chosen = names.equals("none") ? List.of()
        : WorklistQueries.select(WorklistQueries.all(population, WorklistQueries.now(), peer), names, peer);
    List<QueryPhase.Result> done = new ArrayList<>();
    for (WorklistQueries.Query query : chosen) {
      out.printf(Locale.ROOT, "query: %s (%s), %d clients, %d s after %d s warm-up%n", query.name(), query.number(),
          clients, measured.toSeconds(), warmUp.toSeconds());
      QueryPhase.Result r = QueryPhase.run(http, query, clients, warmUp, measured, timeout, seed);
      LatencyStats s = r.stats();
      out.printf(Locale.ROOT, "query: %s: %,d requests, %d errors, %.1f/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms,"
              + " %.1f entries/answer%s%n", query.name(), s.requests(), s.errors(), r.requestsPerSecond(), s.p50Ms(),
          s.p95Ms(), s.p99Ms(), s.meanEntries(), s.errors() > 0 ? "; outcomes " + outcomes(s.outcomes()) : "");
      r.firstErrors().forEach((outcome, detail) -> out.printf("query: %s: first %s: %s%n", query.name(), outcome,
          detail.replaceAll("\\s+", " ")));
      String k = "query." + query.name() + ".";
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put(k + "number", query.number());
      figures.put(k + "template", query.template());
      figures.put(k + "clients", clients);
      figures.put(k + "seconds", Results.number(r.seconds(), 3));
      figures.put(k + "requests", s.requests());
      figures.put(k + "errors", s.errors());
      figures.put(k + "outcomes", outcomes(s.outcomes()));
      figures.put(k + "rps", Results.number(r.requestsPerSecond(), 2));
      figures.put(k + "p50", Results.number(s.p50Ms(), 2));
      figures.put(k + "p95", Results.number(s.p95Ms(), 2));
      figures.put(k + "p99", Results.number(s.p99Ms(), 2));
      figures.put(k + "max", Results.number(s.maxMs(), 2));
      figures.put(k + "entries", Results.number(s.meanEntries(), 2));
      Results.append(results, figures);
      done.add(r);
    }
    Results.append(results, Map.of("query.names",
        chosen.stream().map(WorklistQueries.Query::name).collect(Collectors.joining(","))));
    return done;
  }

  /** {@code 200×199, timeout×2}. */
  static String outcomes(Map<String, Integer> outcomes) {
    return outcomes.entrySet().stream().map(e -> e.getKey() + "×" + e.getValue()).collect(Collectors.joining(", "));
  }

  /** Resources a search finds, page by page (searches give no total while access is filtered). */
  static int count(BenchHttp http, String search) {
    FhirContext fhir = FhirContext.forR4Cached();
    int count = 0;
    String next = search + (search.contains("?") ? "&" : "?") + "_elements=id&_count=200";
    while (next != null) {
      BenchHttp.Answer answer = http.get(next, Duration.ofMinutes(5));
      if (answer.status() != 200) {
        throw new IllegalStateException("GET " + next + " answered " + answer.outcome());
      }
      Bundle page = fhir.newJsonParser().parseResource(Bundle.class, answer.body());
      count += page.getEntry().size();
      next = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
    }
    return count;
  }

  /** HAPI announces itself at INFO; the driver's own lines are all a reader needs. */
  private static void quietHapi() {
    if (LoggerFactory.getLogger("ca.uhn.fhir") instanceof ch.qos.logback.classic.Logger hapi) {
      hapi.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }
}
