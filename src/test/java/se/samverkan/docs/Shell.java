package se.samverkan.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the shell commands of the docs the way a reader pastes them: bash, curl, jq and sed, against
 * the test server. Only the address changes (http://localhost:8080 becomes the test server's);
 * curl is wrapped to report each request's status and URL on stderr, so a test can see every
 * answer without the docs having to print it.
 */
final class Shell {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REPORTED = Pattern.compile("^HTTP (\\d{3}) (\\S+) (.*)$", Pattern.MULTILINE);
  /** A function, so that it also wraps curl inside $(…) and pipes. */
  private static final String PRELUDE = """
      set -eo pipefail
      curl() { command curl -w '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' "$@"; }
      """;

  record Request(int status, String method, String url) {}

  record Result(int exit, String stdout, String stderr, List<Request> requests) {

    /** Every JSON document curl printed, in order. */
    List<JsonNode> outputs() {
      List<JsonNode> documents = new ArrayList<>();
      try (MappingIterator<JsonNode> values = JSON.readerFor(JsonNode.class).readValues(stdout)) {
        while (values.hasNext()) {
          documents.add(values.next());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("stdout is not a sequence of JSON documents: " + stdout, e);
      }
      return documents;
    }

    /** The requests that answered 4xx or 5xx, as "status method url". */
    List<String> failures() {
      return requests.stream().filter(r -> r.status() >= 400 || r.status() == 0)
          .map(r -> r.status() + " " + r.method() + " " + r.url()).toList();
    }
  }

  private Shell() {}

  static Result run(String script, int port) {
    requireTools();
    String pasted = script.replace("http://localhost:8080", "http://localhost:" + port);
    try {
      Process process = new ProcessBuilder("bash", "-c", PRELUDE + pasted)
          .directory(Path.of("").toAbsolutePath().toFile())
          .start();
      process.getOutputStream().close();
      // Read both streams while the script runs: a full pipe would stall it.
      var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
      var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      if (!process.waitFor(180, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("The docs' commands did not finish in 180 s:\n" + pasted);
      }
      String err = stderr.join();
      List<Request> requests = new ArrayList<>();
      Matcher reported = REPORTED.matcher(err);
      while (reported.find()) {
        requests.add(new Request(Integer.parseInt(reported.group(1)), reported.group(2), reported.group(3)));
      }
      return new Result(process.exitValue(), stdout.join(), err, requests);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String readAll(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The docs assume bash, curl and jq. CI must have them ({@code CI=true}, or
   * {@code SAMVERKAN_TEST_DOCS_REQUIRED=true}, which .ci/run sets after installing what is missing);
   * elsewhere the test is skipped, and says so, without them.
   */
  private static void requireTools() {
    boolean present = List.of("bash", "curl", "jq", "sed").stream().allMatch(Shell::onPath);
    boolean required = "true".equalsIgnoreCase(System.getenv("CI"))
        || "true".equalsIgnoreCase(System.getenv("SAMVERKAN_TEST_DOCS_REQUIRED"));
    if (!present && required) {
      throw new AssertionError("The docs tests need bash, curl, jq and sed on the PATH");
    }
    Assumptions.assumeTrue(present, "bash, curl, jq or sed missing: the docs' commands are not run");
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .anyMatch(dir -> Path.of(dir, tool).toFile().canExecute());
  }
}
