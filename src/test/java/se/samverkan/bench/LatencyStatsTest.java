package se.samverkan.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import se.samverkan.journey.ExampleLoader;

/** The benchmark's arithmetic: percentiles, error counting, warm-up, and the results file. */
class LatencyStatsTest {

  private static final long MS = 1_000_000;

  @Test
  void nearestRankPercentilesOfOneToAHundred() {
    List<LatencyStats.Sample> samples = new ArrayList<>();
    for (int ms = 1; ms <= 100; ms++) {
      samples.add(new LatencyStats.Sample("200", ms * MS, 1));
    }
    Collections.shuffle(samples, new Random(7));

    LatencyStats stats = LatencyStats.of(samples);

    assertThat(stats.requests()).isEqualTo(100);
    assertThat(stats.p50Ms()).isEqualTo(50.0);
    assertThat(stats.p95Ms()).isEqualTo(95.0);
    assertThat(stats.p99Ms()).isEqualTo(99.0);
    assertThat(stats.maxMs()).isEqualTo(100.0);
  }

  @Test
  void nearestRankRoundsTheRankUp() {
    long[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertThat(LatencyStats.nearestRank(ten, 50)).isEqualTo(5); // rank 5
    assertThat(LatencyStats.nearestRank(ten, 51)).isEqualTo(6); // rank ⌈5.1⌉ = 6
    assertThat(LatencyStats.nearestRank(ten, 95)).isEqualTo(10); // rank ⌈9.5⌉ = 10
    assertThat(LatencyStats.nearestRank(new long[] {42}, 1)).isEqualTo(42);
    assertThat(LatencyStats.nearestRank(new long[] {42}, 99)).isEqualTo(42);
    assertThat(LatencyStats.nearestRank(new long[0], 99)).isZero();
  }

  @Test
  void everyOutcomeButA2xxIsAnErrorAndFailuresCountInThePercentiles() {
    List<LatencyStats.Sample> samples = List.of(
        new LatencyStats.Sample("200", 10 * MS, 3),
        new LatencyStats.Sample("200", 20 * MS, 5),
        new LatencyStats.Sample("201", 30 * MS, -1),
        new LatencyStats.Sample("404", 1 * MS, 0),
        new LatencyStats.Sample("503", 2 * MS, -1),
        new LatencyStats.Sample("timeout", 60_000 * MS, -1),
        new LatencyStats.Sample("error:ConnectException", 5 * MS, -1));

    LatencyStats stats = LatencyStats.of(samples);

    assertThat(stats.requests()).isEqualTo(7);
    assertThat(stats.errors()).isEqualTo(4);
    assertThat(stats.outcomes()).containsExactly(entry("200", 2), entry("201", 1), entry("404", 1),
        entry("503", 1), entry("error:ConnectException", 1), entry("timeout", 1));
    assertThat(stats.outcomes().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(stats.requests());
    assertThat(stats.p99Ms()).as("the timeout is the slowest request").isEqualTo(60_000.0);
    assertThat(stats.meanEntries()).as("over successful Bundle answers only").isEqualTo(4.0);
    assertThat(LatencyStats.isError("204")).isFalse();
    assertThat(LatencyStats.isError("2")).isTrue();
  }

  @Test
  void noRequestsAreZeros() {
    LatencyStats stats = LatencyStats.of(List.of());
    assertThat(stats.requests()).isZero();
    assertThat(stats.errors()).isZero();
    assertThat(stats.p99Ms()).isZero();
  }

  @Test
  void warmUpIsTheFirstTenthOfThePopulationBundlesToBeAnswered() {
    List<Ingest.Sent> sent = new ArrayList<>();
    // The county first (not population), then 20 population bundles of 100 entries answered a second apart.
    sent.add(sent("00-county.json", false, 40, "200", 0, 1));
    for (int i = 1; i <= 20; i++) {
      sent.add(sent("population-" + i + ".json", true, 100, "200", i, i + 1));
    }
    // One refused: all its entries failed. One answered 409 twice before it went in.
    sent.add(sent("population-21.json", true, 100, "422", 20, 22));
    Ingest.Sent retried = sent.remove(5);
    sent.add(5, new Ingest.Sent(retried.file(), true, 100, "200", retried.summary(), retried.startNanos(),
        retried.endNanos(), null, List.of("409", "409")));

    Ingest.Result result = Ingest.summarise(sent, 0);

    assertThat(result.bundles()).isEqualTo(22);
    assertThat(result.resources()).isEqualTo(40 + 21 * 100);
    assertThat(result.created()).isEqualTo(40 + 20 * 100);
    assertThat(result.failedEntries()).isEqualTo(100);
    assertThat(result.failedBundles()).isEqualTo(1);
    assertThat(result.bundleOutcomes()).containsExactly(entry("200", 21), entry("422", 1));
    assertThat(result.retried()).containsExactly(entry("409", 2));
    assertThat(result.seconds()).isEqualTo(22.0);
    assertThat(result.rate()).isCloseTo(2040 / 22.0, within(1e-9));
    // ⌈0.1 × 21⌉ = 3 warm-up bundles, answered at 2, 3 and 4 s; 18 after, answered until 22 s.
    assertThat(result.warmUpBundles()).isEqualTo(3);
    assertThat(result.afterWarmUpBundles()).isEqualTo(18);
    assertThat(result.afterWarmUpResources()).isEqualTo(17 * 100);
    assertThat(result.afterWarmUpSeconds()).isEqualTo(18.0);
    assertThat(result.afterWarmUpRate()).isCloseTo(1700 / 18.0, within(1e-9));
  }

  @Test
  void tooFewBundlesAfterWarmUpGiveNoRate() {
    Ingest.Result result = Ingest.summarise(List.of(sent("00-county.json", false, 40, "200", 0, 1),
        sent("population-0001.json", true, 600, "200", 1, 5), sent("population-0002.json", true, 600, "200", 1, 6)), 0);
    assertThat(result.warmUpBundles()).isEqualTo(1);
    assertThat(result.afterWarmUpBundles()).isEqualTo(1);
    assertThat(result.afterWarmUpRate()).isEqualTo(-1);
  }

  @Test
  void resultsFileKeepsValuesAsWrittenAndTheLastOfAKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("results.properties");
    Results.append(file, Map.of("settings.java-opts", " -Xmx1g -Dx=a\\b:c"));
    Results.append(file, Map.of("machine.cpu", "AMD EPYC 7B13 (Größe #1)"));
    Results.append(file, Map.of("machine.cpu", "AMD EPYC"));

    Properties read = Results.read(file);

    assertThat(read.getProperty("settings.java-opts")).isEqualTo(" -Xmx1g -Dx=a\\b:c");
    assertThat(read.getProperty("machine.cpu")).isEqualTo("AMD EPYC");
  }

  private static Ingest.Sent sent(String file, boolean population, int entries, String outcome, long startS,
      long endS) {
    ExampleLoader.Summary summary = outcome.equals("200")
        ? new ExampleLoader.Summary(1, entries, 0, 0) : new ExampleLoader.Summary(1, 0, 0, entries);
    return new Ingest.Sent(file, population, entries, outcome, summary, startS * 1_000_000_000L,
        endS * 1_000_000_000L, null, List.of());
  }
}
