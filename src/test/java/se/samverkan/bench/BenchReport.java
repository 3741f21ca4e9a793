package se.samverkan.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/** The markdown report of one run, made from its results file (see {@link Results}). */
final class BenchReport {

  /** The targets (2 cores, PostgreSQL, strict profiles). */
  static final double TARGET_INGEST_RATE = 1000;
  static final double TARGET_QUERY_P99_MS = 40;
  static final int TARGET_QUERY_CLIENTS = 8;
  static final double TARGET_COLD_START_S = 15;
  static final long TARGET_RSS_BYTES = 1L << 30;
  static final int TARGET_RSS_PATIENTS = 10_000;

  static final String[][] MEMORY_STAGES = {
      {"after-start", "After start (empty database)"},
      {"after-ingest", "After ingest"},
      {"after-restart", "After restart (populated database)"},
      {"after-queries", "After the queries"}};

  private final Properties p;
  /** The peer's figures (bench/run --peer), or null. */
  private final Properties peer;
  private final StringBuilder md = new StringBuilder();

  private BenchReport(Properties results, Properties peer) {
    this.p = results;
    this.peer = peer;
  }

  static String render(Properties results) {
    return render(results, null);
  }

  /** Samverkan's report and, given the peer's figures, a section comparing the two. */
  static String render(Properties results, Properties peer) {
    return new BenchReport(results, peer).render();
  }

  private String render() {
    line("# Samverkan benchmark: " + get("run.label", get("settings.db", "?")) + ", " + get("run.date", "?"));
    line("");
    String built = p.containsKey("run.server-version")
        ? " (version " + p.getProperty("run.server-version") + ", built " + get("run.server-built", "?") + ")" : "";
    String tree = "commit `" + get("run.commit", "?") + "`" + (yes("run.dirty") ? " with uncommitted changes" : "");
    if (p.containsKey("run.jar")) {
      line("Server: `" + p.getProperty("run.jar") + "`" + built + (p.containsKey("run.jar-commit")
          ? ", from a work tree at commit `" + p.getProperty("run.jar-commit") + "`"
              + (yes("run.jar-dirty") ? " with uncommitted changes" : "")
          : ", commit unknown") + ". Driver: this tree at " + tree + ".");
    } else {
      line("Server and driver: built from this tree at " + tree + built + ".");
    }
    line("Started " + get("run.started", "?") + (p.containsKey("run.minutes") ? ", took " + p.getProperty("run.minutes")
        + " min" : "") + ". Made by `bench/run` (bench/README.md says what is measured and how).");
    line("");
    machine();
    settings();
    targets();
    if (peer != null) {
      new PeerComparison(p, peer, md).render();
    }
    coldStart();
    ingest();
    queries();
    memory();
    return md.toString();
  }

  private void machine() {
    line("## Machine");
    line("");
    line("| | |");
    line("|---|---|");
    line("| CPU | " + get("machine.cpu", "?") + ", " + get("machine.cores", "?") + " cores (`nproc`) |");
    line("| Memory | " + get("machine.memory", "?") + " |");
    line("| OS | " + get("machine.os", "?") + " |");
    line("| Java | " + get("machine.java", "?") + " |");
    line("| Database | " + get("machine.database", "?") + " |");
    line("");
    line("The driver (the load generator) runs on the same machine and shares its cores with the server"
        + " and the database. Load average (1 min) when the run began: " + get("machine.load-before", "?")
        + ", when it ended: " + get("machine.load-after", "?") + " (anything well above 0 before the run is other"
        + " work on the machine, and makes every figure worse).");
    line("");
  }

  private void settings() {
    line("## Settings");
    line("");
    line("| | |");
    line("|---|---|");
    line("| Population | " + integer("generate.patients") + " patients (seed " + get("settings.seed", "?") + "): "
        + integer("generate.resources") + " resources in " + integer("generate.bundles")
        + " population bundles (" + get("settings.patients-per-bundle", "?") + " patients each), after the county bundle |");
    line("| Database | " + get("settings.db", "?") + " |");
    line("| Profile enforcement | " + get("settings.enforcement", "?") + " |");
    line("| Server JVM options | `" + get("settings.java-opts", "") + "` |");
    line("| Server started | " + ("prepared".equals(get("settings.start", "jar"))
        ? "extracted, with a class-data-sharing archive (tools/prepare-start)" : "java -jar") + " |");
    line("| Ingest | " + get("settings.ingest-clients", "?") + " concurrent clients (as "
        + get("settings.ingest-client", "?") + "), transaction timeout " + get("settings.transaction-timeout", "?")
        + " s |");
    line("| Queries | " + get("settings.query-clients", "?") + " concurrent clients (as " + get("settings.query-client", "?")
        + "), " + get("settings.query-seconds", "?") + " s per query after a " + get("settings.query-warm-up", "?")
        + " s warm-up, request timeout " + get("settings.query-timeout", "?") + " s |");
    line("");
  }

  private void targets() {
    line("## Against the targets");
    line("");
    line("| Target | Measured | |");
    line("|---|---|---|");
    double rate = number("ingest.after-warm-up-rate", -1);
    line("| Ingest ≥ 1,000 resources/s after warm-up | " + (rate < 0 ? "too few bundles to tell" : fixed(rate, 1)
        + " resources/s") + " | " + (rate < 0 ? "–" : verdict(rate >= TARGET_INGEST_RATE)) + " |");

    String worst = null;
    double worstP99 = -1;
    int errors = 0;
    for (String q : queryNames()) {
      errors += (int) number("query." + q + ".errors", 0);
      double p99 = number("query." + q + ".p99", -1);
      if (number("query." + q + ".requests", 0) > 0 && p99 > worstP99) {
        worstP99 = p99;
        worst = q;
      }
    }
    int clients = (int) number("settings.query-clients", 0);
    String measured = worst == null ? "no queries run"
        : "highest p99 " + fixed(worstP99, 1) + " ms (" + worst + ")" + (errors > 0 ? ", " + errors + " errors" : "")
            + (clients != TARGET_QUERY_CLIENTS ? " at " + clients + " clients" : "");
    line("| Worklist queries at 8 concurrent clients: p99 ≤ 40 ms | " + measured + " | "
        + (worst == null || clients != TARGET_QUERY_CLIENTS ? "–" : verdict(worstP99 <= TARGET_QUERY_P99_MS && errors == 0))
        + " |");

    double empty = number("start.empty", -1);
    double populated = number("start.populated", -1);
    double slowest = Math.max(empty, populated);
    line("| Cold start ≤ 15 s | " + (empty < 0 ? "?" : fixed(empty, 1)) + " s empty, "
        + (populated < 0 ? "?" : fixed(populated, 1)) + " s after ingest | "
        + (slowest < 0 ? "–" : verdict(slowest <= TARGET_COLD_START_S)) + " |");

    long rss = 0;
    for (String[] stage : MEMORY_STAGES) {
      rss = Math.max(rss, (long) number("memory." + stage[0] + ".rss", 0));
    }
    long patients = (long) number("generate.patients", 0);
    line("| Resident memory ≤ 1 GiB at 10,000 patients | highest " + mib(rss) + " MiB at "
        + String.format(Locale.ROOT, "%,d", patients) + " patients | "
        + (patients < TARGET_RSS_PATIENTS ? (rss > TARGET_RSS_BYTES ? "not met (already at fewer patients)"
            : "not measured at 10,000") : verdict(rss <= TARGET_RSS_BYTES)) + " |");
    line("");
  }

  private void coldStart() {
    line("## Cold start");
    line("");
    line("Wall time from launching `java -jar` until `/actuator/health/readiness` first answers 200"
        + " (polled every 0.1 s).");
    line("");
    line("| Database | Seconds |");
    line("|---|---|");
    line("| Empty | " + get("start.empty", "?") + " |");
    line("| After ingest (server restarted) | " + get("start.populated", "?") + " |");
    line("");
  }

  private void ingest() {
    line("## Ingest");
    line("");
    line("| Bundles | Resources sent | Stored | Failed entries | Seconds | Resources/s | Resources/s after warm-up |");
    line("|---|---|---|---|---|---|---|");
    double afterRate = number("ingest.after-warm-up-rate", -1);
    line("| " + integer("ingest.bundles") + " | " + integer("ingest.resources") + " | "
        + String.format(Locale.ROOT, "%,d", (long) (number("ingest.created", 0) + number("ingest.updated", 0)))
        + " | " + integer("ingest.failed-entries") + " | " + fixed(number("ingest.seconds", 0), 1) + " | "
        + fixed(number("ingest.rate", 0), 1) + " | " + (afterRate < 0 ? "–" : fixed(afterRate, 1)) + " |");
    line("");
    line("Stored = created (201) + updated (200) entries, counted from the transaction answers; a bundle"
        + " without a 200 answer counts all its entries as failed. Resources/s = stored / seconds, from"
        + " sending the first bundle to the last answer; the county bundle goes first and alone, then the"
        + " population bundles with " + get("settings.ingest-clients", "?") + " concurrent clients. Warm-up: the"
        + " first 10 % of the population bundles to be answered (here " + integer("ingest.warm-up-bundles")
        + "); after warm-up = the resources stored by the other " + integer("ingest.after-warm-up-bundles")
        + " bundles over the time from the last warm-up answer to the last answer"
        + (afterRate < 0 ? " (not given with fewer than two such bundles)" : "") + ".");
    line("");
    line("Bundle answers: " + get("ingest.outcomes", "?") + "; sent again (at most " + Ingest.RETRIES
        + " times a bundle) after: " + get("ingest.retried", "none") + ". Patients found on the server afterwards: "
        + integer("ingest.patients-found") + " of " + integer("generate.patients") + " generated.");
    line("");
    if (p.containsKey("ingest.first-failure")) {
      line("First bundle refused: " + p.getProperty("ingest.first-failure"));
      line("");
    }
  }

  private void queries() {
    List<String> names = queryNames();
    line("## Worklist queries");
    line("");
    if (names.isEmpty()) {
      line("None run.");
      line("");
      return;
    }
    line(get("settings.query-clients", "?") + " concurrent clients, each query kind in its own phase of "
        + get("settings.query-seconds", "?") + " s after an unrecorded warm-up of " + get("settings.query-warm-up", "?")
        + " s; each client sends its next request when the previous one is answered, with parameters drawn"
        + " (seeded) from the ingested population.");
    line("");
    line("| # | Query | Requests | Errors | Req/s | p50 ms | p95 ms | p99 ms | Max ms | Entries/answer |");
    line("|---|---|---|---|---|---|---|---|---|---|");
    for (String q : names) {
      String k = "query." + q + ".";
      line("| " + get(k + "number", "") + " | " + q + " | " + integer(k + "requests") + " | " + integer(k + "errors")
          + " | " + fixed(number(k + "rps", 0), 1) + " | " + fixed(number(k + "p50", 0), 1) + " | "
          + fixed(number(k + "p95", 0), 1) + " | " + fixed(number(k + "p99", 0), 1) + " | "
          + fixed(number(k + "max", 0), 1) + " | " + fixed(number(k + "entries", 0), 1) + " |");
    }
    line("");
    line("Percentiles by nearest rank over every request of the phase, failed ones included (a timeout"
        + " with the time waited). Req/s = requests / the phase's time, which includes waiting for the"
        + " requests under way when the time was up. Entries/answer: Bundle entries per successful answer"
        + " (first page only), to show the answers are not empty.");
    List<String> errorLines = new ArrayList<>();
    for (String q : names) {
      if (number("query." + q + ".errors", 0) > 0) {
        errorLines.add("- " + q + ": " + get("query." + q + ".outcomes", "?"));
      }
    }
    if (!errorLines.isEmpty()) {
      line("");
      line("Outcomes of the queries with errors:");
      line("");
      errorLines.forEach(this::line);
    }
    line("");
    line("The requests (ids drawn from the population; `…` is https://samverkan.se/fhir/CodeSystem/instrument):");
    line("");
    for (String q : names) {
      line("- " + q + ": `" + get("query." + q + ".template", "?") + "`");
    }
    line("");
  }

  private void memory() {
    line("## Memory");
    line("");
    line("| When | Heap used MiB | Heap live after last GC MiB | Resident (RSS) MiB |");
    line("|---|---|---|---|");
    for (String[] stage : MEMORY_STAGES) {
      String k = "memory." + stage[0] + ".";
      if (p.containsKey(k + "rss")) {
        line("| " + stage[1] + " | " + mibOrDash(k + "heap") + " | " + mibOrDash(k + "live") + " | "
            + mibOrDash(k + "rss") + " |");
      }
    }
    line("");
    line("Heap used: the sum of `jvm_memory_used_bytes{area=\"heap\"}` from `/actuator/prometheus` (garbage"
        + " not yet collected included); live: `jvm_gc_live_data_size_bytes` (– before the first old-generation"
        + " collection); RSS: `VmRSS` of the server process in /proc.");
  }

  // --- plumbing

  private List<String> queryNames() {
    String names = p.getProperty("query.names", "");
    return names.isBlank() ? List.of() : List.of(names.split(","));
  }

  private boolean yes(String key) {
    return "yes".equals(p.getProperty(key));
  }

  private String get(String key, String fallback) {
    String value = p.getProperty(key);
    return value == null || value.isBlank() ? fallback : value;
  }

  private double number(String key, double fallback) {
    try {
      return Double.parseDouble(p.getProperty(key, ""));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private String integer(String key) {
    double value = number(key, Double.NaN);
    return Double.isNaN(value) ? "?" : String.format(Locale.ROOT, "%,d", (long) value);
  }

  private String mibOrDash(String key) {
    double value = number(key, -1);
    return value <= 0 ? "–" : mib((long) value);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,d", bytes / (1024 * 1024));
  }

  private static String fixed(double value, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }

  private static String verdict(boolean met) {
    return met ? "met" : "not met";
  }

  private void line(String text) {
    md.append(text).append('\n');
  }
}
