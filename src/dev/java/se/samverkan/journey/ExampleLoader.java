package se.samverkan.journey;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Loads the sample bundles (examples/*.json, in file-name order) into a running Samverkan and says
 * what happened to each entry. Every entry is a conditional update, so a second load updates and
 * creates nothing.
 *
 * <p>{@code ./mvnw -q compile exec:java@load-examples [-Dsamverkan.url=http://host:8080/fhir]
 * [-Dsamverkan.examples=<dir>] [-Dsamverkan.client=<id>]}, e.g. a directory written by
 * {@link PopulationGenerator}. It sends as one client, which thereby owns everything loaded: by
 * default {@code region-blekinge} of the development token issuer (client credentials from
 * {@code <server>/oauth2/token}); with an external issuer, give a token in {@code SAMVERKAN_TOKEN}.
 */
public final class ExampleLoader {

  /** What one load did, entry by entry. */
  public record Summary(int bundles, int created, int updated, int failed) {
    public Summary plus(Summary other) {
      return new Summary(bundles + other.bundles, created + other.created, updated + other.updated,
          failed + other.failed);
    }
  }

  /** The server could not be reached at all. */
  public static final class UnreachableException extends Exception {
    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String baseUrl;
  private final Supplier<String> token;
  private final PrintStream out;

  /** @param token gives the bearer token for the next request (asked once per bundle) */
  public ExampleLoader(String baseUrl, Supplier<String> token, PrintStream out) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
    this.out = out;
  }

  public static void main(String[] args) throws IOException {
    String url = args.length > 0 ? args[0] : "http://localhost:8080/fhir";
    Path dir = Path.of(args.length > 1 ? args[1] : "examples");
    String client = args.length > 2 ? args[2] : "region-blekinge";
    String secret = args.length > 3 ? args[3] : "dev-only";
    String given = System.getenv("SAMVERKAN_TOKEN");
    Supplier<String> token = given != null && !given.isBlank()
        ? () -> given
        : clientCredentials(URI.create(url).resolve("/oauth2/token"), client, secret);
    try {
      Summary summary = new ExampleLoader(url, token, System.out).load(dir);
      if (summary.failed() > 0) {
        System.exit(1);
      }
    } catch (UnreachableException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  public Summary load(Path dir) throws IOException, UnreachableException {
    List<Path> bundles;
    try (Stream<Path> files = Files.list(dir)) {
      bundles = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    out.printf("Loading %d bundles from %s into %s%n", bundles.size(), dir, baseUrl);
    Summary total = new Summary(0, 0, 0, 0);
    for (Path bundle : bundles) {
      total = total.plus(loadOne(bundle));
    }
    out.printf("Summary: %d created, %d updated, %d failed (%d bundles)%n",
        total.created(), total.updated(), total.failed(), total.bundles());
    return total;
  }

  private Summary loadOne(Path bundle) throws IOException, UnreachableException {
    JsonNode request = JSON.readTree(bundle.toFile());
    int entries = request.path("entry").size();
    HttpResponse<String> response = post(Files.readString(bundle));
    String name = bundle.getFileName().toString();
    if (response.statusCode() != 200) {
      out.printf("  %-40s FAILED (HTTP %d): %s%n", name, response.statusCode(), diagnostics(response.body()));
      return new Summary(1, 0, 0, entries);
    }
    Summary summary = summarise(entries, JSON.readTree(response.body()));
    out.printf("  %-40s %3d entries: %d created, %d updated%s%n", name, entries, summary.created(),
        summary.updated(), summary.failed() > 0 ? ", " + summary.failed() + " failed" : "");
    return summary;
  }

  /**
   * What the answer to an accepted transaction of {@code entries} entries says happened to them:
   * {@code 201} created, {@code 200} updated, every other entry (or one the answer leaves out)
   * failed. Shared with the benchmark driver, so both count alike.
   */
  public static Summary summarise(int entries, JsonNode answer) {
    int created = 0;
    int updated = 0;
    for (JsonNode entry : answer.path("entry")) {
      String status = entry.path("response").path("status").asText();
      if (status.startsWith("201")) {
        created++;
      } else if (status.startsWith("200")) {
        updated++;
      }
    }
    return new Summary(1, created, updated, entries - created - updated);
  }

  private HttpResponse<String> post(String bundle) throws IOException, UnreachableException {
    String bearer;
    try {
      bearer = token.get();
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof ConnectException) {
        throw unreachable(e.getCause());
      }
      throw e;
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl))
        .timeout(Duration.ofMinutes(5))
        .header("Content-Type", "application/fhir+json")
        .header("Accept", "application/fhir+json")
        .header("Authorization", "Bearer " + bearer)
        .POST(HttpRequest.BodyPublishers.ofString(bundle))
        .build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while loading", e);
    }
  }

  private UnreachableException unreachable(Throwable cause) {
    return new UnreachableException("Samverkan is not reachable at " + baseUrl
        + ". Start it with ./mvnw spring-boot:run, or give its address with -Dsamverkan.url=…", cause);
  }

  /** A fresh token from an OAuth2 token endpoint by the client-credentials grant, on every call. */
  public static Supplier<String> clientCredentials(URI tokenEndpoint, String clientId, String secret) {
    String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return () -> {
      HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", "Basic " + basic)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
          .build();
      try {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("No token for client " + clientId + " from " + tokenEndpoint
              + " (HTTP " + response.statusCode() + "): " + response.body());
        }
        return JSON.readTree(response.body()).path("access_token").asText();
      } catch (IOException e) {
        throw new IllegalStateException("No token from " + tokenEndpoint + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    };
  }

  private static String diagnostics(String body) {
    try {
      StringBuilder text = new StringBuilder();
      for (JsonNode issue : JSON.readTree(body).path("issue")) {
        if (!text.isEmpty()) {
          text.append(" | ");
        }
        text.append(issue.path("diagnostics").asText());
      }
      return text.toString();
    } catch (IOException e) {
      return body.length() > 300 ? body.substring(0, 300) : body;
    }
  }
}
