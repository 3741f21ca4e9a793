package se.samverkan.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a timed phase's requests came to: how many, how many failed, and the latency percentiles.
 *
 * <p>Percentiles by the <b>nearest-rank</b> definition: the p-th percentile of n latencies is the
 * value at rank ⌈p·n/100⌉ (1-based) in ascending order; for 1, 2, …, 100 ms, p50 = 50, p95 = 95
 * and p99 = 99 ms. They are taken over every request of the phase, failed ones included (a
 * timeout counts with the time waited), so failures cannot make the figures look better.
 */
public record LatencyStats(
    int requests, int errors, SortedMap<String, Integer> outcomes, double p50Ms, double p95Ms, double p99Ms,
    double maxMs, double meanEntries) {

  /**
   * One request: its outcome ({@code 200}, another HTTP status, {@code timeout}, or
   * {@code error:<exception>} when no answer came), how long it took, and how many entries the
   * answer held (-1 when it held no Bundle).
   */
  public record Sample(String outcome, long nanos, int entries) {}

  /** Any outcome but a 2xx status is an error: other statuses, timeouts, broken connections. */
  public static boolean isError(String outcome) {
    return !(outcome.length() == 3 && outcome.charAt(0) == '2');
  }

  /** The nearest-rank percentile of ascending values; 0 for none. */
  public static long nearestRank(long[] ascending, int percentile) {
    if (percentile < 1 || percentile > 100) {
      throw new IllegalArgumentException("percentile must be 1–100, was " + percentile);
    }
    if (ascending.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(percentile * (double) ascending.length / 100);
    return ascending[rank - 1];
  }

  public static LatencyStats of(Collection<Sample> samples) {
    long[] nanos = new long[samples.size()];
    SortedMap<String, Integer> outcomes = new TreeMap<>();
    int errors = 0;
    long entries = 0;
    int answers = 0;
    int i = 0;
    for (Sample sample : samples) {
      nanos[i++] = sample.nanos();
      outcomes.merge(sample.outcome(), 1, Integer::sum);
      if (isError(sample.outcome())) {
        errors++;
      } else if (sample.entries() >= 0) {
        entries += sample.entries();
        answers++;
      }
    }
    Arrays.sort(nanos);
    return new LatencyStats(samples.size(), errors, outcomes, ms(nearestRank(nanos, 50)),
        ms(nearestRank(nanos, 95)), ms(nearestRank(nanos, 99)), ms(nanos.length == 0 ? 0 : nanos[nanos.length - 1]),
        answers == 0 ? 0 : (double) entries / answers);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
