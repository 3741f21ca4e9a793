package se.samverkan.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the server logs the test suite wrote (surefire sets {@code logging.file.name} for each run,
 * see pom.xml) and fails the build when any request was answered with a 5xx: "never a 500" is
 * checked on every request of the whole suite, not only on the inputs a test happened to assert.
 * Runs in the {@code verify} phase, after both test runs ({@code ./mvnw verify}).
 *
 * <p>It reads the two lines our own code writes for each failure: {@link AccessLogFilter}'s (logger {@code se.samverkan.accesslog})
 * {@code METHOD /path/pattern STATUS Nms} and {@link ServerErrorLogger}'s {@code Internal error}.
 * The log holds path patterns and exception classes only, so printing the offending lines is safe.
 */
public final class ServerLogCheck {

  private static final String ACCESS = Pattern.quote(AccessLogFilter.LOGGER_NAME) + "\\s*: ";
  private static final Pattern ACCESS_LINE = Pattern.compile(ACCESS);
  private static final Pattern ACCESS_5XX = Pattern.compile(ACCESS + "(\\S+ \\S+ 5\\d\\d) \\d+ms\\s*$");
  private static final Pattern INTERNAL_ERROR = Pattern.compile("ServerErrorLogger\\s*:\\s*(Internal error .*)$");

  private ServerLogCheck() {}

  /** Arguments: the log files to read; a missing file is an error (the tests did not log). */
  public static void main(String[] args) throws IOException {
    List<String> failures = new ArrayList<>();
    long requests = 0;
    for (String arg : args) {
      Path file = Path.of(arg);
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException("No server log at " + file + ": did the tests run with logging.file.name set?");
      }
      Findings findings = read(file);
      requests += findings.requests();
      findings.serverErrors().forEach((line, count) -> failures.add(file.getFileName() + ": " + count + " × " + line));
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("The test suite got server errors (5xx), which this server must never answer:\n  "
          + String.join("\n  ", failures));
    }
    System.out.printf("Server log check: %,d requests in %d log(s), none answered 5xx%n", requests, args.length);
  }

  /** What one log says: how many requests it records, and each distinct 5xx with its count. */
  record Findings(long requests, Map<String, Integer> serverErrors) {}

  static Findings read(Path file) throws IOException {
    long requests = 0;
    Map<String, Integer> errors = new TreeMap<>();
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (ACCESS_LINE.matcher(line).find()) {
          requests++;
        }
        Matcher access = ACCESS_5XX.matcher(line);
        Matcher internal = INTERNAL_ERROR.matcher(line);
        if (access.find()) {
          errors.merge(access.group(1), 1, Integer::sum);
        } else if (internal.find()) {
          errors.merge(internal.group(1), 1, Integer::sum);
        }
      }
    }
    return new Findings(requests, errors);
  }
}
