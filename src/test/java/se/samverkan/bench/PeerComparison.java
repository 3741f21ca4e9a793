package se.samverkan.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The report's section on a peer (bench/run --peer): Samverkan's and the peer's figures side by
 * side with the ratio Samverkan ÷ peer. Both results files have the same keys (the driver's steps
 * write them alike); a figure one side lacks is "—" and has no ratio, as have the query kinds the
 * peer cannot answer (WorklistQueries.Query#samverkanOnly).
 */
final class PeerComparison {

  static final String NONE = "—";

  private final Properties s;
  private final Properties peer;
  private final StringBuilder md;

  PeerComparison(Properties samverkan, Properties peer, StringBuilder md) {
    this.s = samverkan;
    this.peer = peer;
    this.md = md;
  }

  void render() {
    line("## Samverkan and a peer");
    line("");
    line("The peer: `" + get(peer, "peer.command", "?") + "`, answering as " + get(peer, "peer.software", "?")
        + " (`GET /fhir/metadata`: software). It ran after Samverkan, on the same PostgreSQL instance in a"
        + " database of its own (`" + get(peer, "peer.database", "?") + "`), with the same JVM options, the same"
        + " generated population (same files), the same ingest and query clients and phases. Its cold start"
        + " runs until `/fhir/metadata` first answers 200 (Samverkan's: its readiness); its memory is the"
        + " RSS of its process."
        + " It has no access control: the driver"
        + " sent it no token, while Samverkan checked every request against "
        + get(s, "settings.query-client", "?") + "'s rights (entries/answer shows what each answered)."
        + (peer.containsKey("peer.search-parameters") ? " Before the ingest it was given Samverkan's"
            + " SearchParameter resources (" + get(peer, "peer.search-parameters", "?") + "), so the"
            + " searches that use them mean the same on both." : ""));
    line("");
    line("Ratio = Samverkan ÷ peer: above 1 Samverkan has more of it (resources/s, requests/s: faster;"
        + " seconds, milliseconds, MiB: slower or larger).");
    line("");
    line("| | Samverkan | Peer | Samverkan ÷ peer |");
    line("|---|---|---|---|");
    row("Ingest, resources/s", "ingest.rate", 1);
    row("Ingest, resources/s after warm-up", "ingest.after-warm-up-rate", 1);
    row("Ingest, failed entries", "ingest.failed-entries", 0);
    row("Patients found after ingest", "ingest.patients-found", 0);
    row("Cold start, empty database, s", "start.empty", 1);
    row("Cold start, populated database, s", "start.populated", 1);
    for (String[] stage : BenchReport.MEMORY_STAGES) {
      rowMib("RSS " + stage[1].toLowerCase(Locale.ROOT) + ", MiB", "memory." + stage[0] + ".rss");
    }
    line("");
    if (peer.containsKey("ingest.first-failure")) {
      line("The peer refused bundles: " + get(peer, "ingest.outcomes", "?") + "; the first: "
          + get(peer, "ingest.first-failure", "?"));
      line("");
    }
    queries();
  }

  private void queries() {
    Set<String> names = new LinkedHashSet<>(names(s));
    names.addAll(names(peer));
    if (names.isEmpty()) {
      return;
    }
    line("| # | Query | Req/s | Req/s peer | ÷ | p50 ms | p50 peer | ÷ | p99 ms | p99 peer | ÷ | Errors | Errors peer"
        + " | Entries/answer | Entries peer |");
    line("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    List<String> notes = new ArrayList<>();
    for (String q : names) {
      String k = "query." + q + ".";
      boolean onPeer = names(peer).contains(q);
      String number = get(s, k + "number", get(peer, k + "number", ""));
      StringBuilder row = new StringBuilder("| " + number + " | " + q);
      for (String[] figure : new String[][] {{"rps", "1"}, {"p50", "1"}, {"p99", "1"}}) {
        int decimals = Integer.parseInt(figure[1]);
        double a = number(s, k + figure[0]);
        double b = onPeer ? number(peer, k + figure[0]) : Double.NaN;
        row.append(" | ").append(fixed(a, decimals)).append(" | ").append(fixed(b, decimals)).append(" | ")
            .append(ratio(a, b));
      }
      row.append(" | ").append(fixed(number(s, k + "errors"), 0)).append(" | ")
          .append(onPeer ? fixed(number(peer, k + "errors"), 0) : NONE).append(" | ")
          .append(fixed(number(s, k + "entries"), 1)).append(" | ")
          .append(onPeer ? fixed(number(peer, k + "entries"), 1) : NONE).append(" |");
      line(row.toString());
      if (onPeer && !get(peer, k + "template", "").equals(get(s, k + "template", ""))) {
        notes.add("- " + q + " on the peer: `" + get(peer, k + "template", "?") + "`");
      }
      if (onPeer && number(peer, k + "errors") > 0) {
        notes.add("- " + q + " on the peer answered: " + get(peer, k + "outcomes", "?"));
      }
    }
    line("");
    line("Samverkan only (— for the peer): the kinds that are not plain FHIR R4 REST: `$worklist` (Samverkan's"
        + " operation), `$lastn` (HAPI's JPA server has it only with Elasticsearch, off in the HAPI starter's"
        + " defaults), the overdue Tasks (written by Samverkan's coordination rules; the population holds none).");
    if (!notes.isEmpty()) {
      line("");
      notes.forEach(this::line);
    }
    line("");
  }

  private void row(String label, String key, int decimals) {
    double a = number(s, key);
    double b = number(peer, key);
    line("| " + label + " | " + fixed(a, decimals) + " | " + fixed(b, decimals) + " | "
        + (key.startsWith("ingest.failed") || key.startsWith("ingest.patients") ? NONE : ratio(a, b)) + " |");
  }

  private void rowMib(String label, String key) {
    double a = number(s, key) / (1024 * 1024);
    double b = number(peer, key) / (1024 * 1024);
    line("| " + label + " | " + fixed(a, 0) + " | " + fixed(b, 0) + " | " + ratio(a, b) + " |");
  }

  /** a ÷ b to two places, or "—" when either is missing or b is 0 (or negative: "not measured"). */
  static String ratio(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b) || a < 0 || b <= 0) {
      return NONE;
    }
    return String.format(Locale.ROOT, "%.2f", a / b);
  }

  private static List<String> names(Properties p) {
    String names = p.getProperty("query.names", "");
    return names.isBlank() ? List.of() : List.of(names.split(","));
  }

  private static String get(Properties p, String key, String fallback) {
    String value = p.getProperty(key);
    return value == null || value.isBlank() ? fallback : value;
  }

  /** The figure, or NaN when absent; -1 ("too few bundles to tell") stays -1 and shows as "—". */
  private static double number(Properties p, String key) {
    try {
      return Double.parseDouble(p.getProperty(key, ""));
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static String fixed(double value, int decimals) {
    return Double.isNaN(value) || value < 0 ? NONE : String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }

  private void line(String text) {
    md.append(text).append('\n');
  }
}
