package se.samverkan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;
import se.samverkan.journey.ExampleLoader;

/**
 * The benchmark's HTTP: one client shared by all threads (HTTP/1.1, pooled connections), a bearer
 * token of the development issuer fetched once and renewed every 30 minutes (tokens live an hour)
 * or after a 401, and a timeout on every request. A peer (bench/run --peer) is sent no token:
 * it has no access control, and its token endpoint is not the development issuer's.
 */
final class BenchHttp {

  private static final long TOKEN_RENEWAL_NANOS = Duration.ofMinutes(30).toNanos();

  /** An answer, or why none came ({@code failure}, with the exception's message as {@code detail}). */
  record Answer(int status, String body, String failure, String detail) {
    /** {@code 200}, another status, {@code timeout} or {@code error:<exception>}. */
    String outcome() {
      return failure != null ? failure : String.valueOf(status);
    }
  }

  private final String base;
  private final Supplier<String> tokens;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();
  private String token;
  private long tokenAt;

  /** @param base the FHIR base, e.g. {@code http://localhost:18090/fhir} */
  BenchHttp(String base, String clientId, String secret) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.tokens = clientId == null ? null
        : ExampleLoader.clientCredentials(URI.create(this.base).resolve("/oauth2/token"), clientId, secret);
  }

  /** For a server without access control: requests without an Authorization header. */
  static BenchHttp withoutToken(String base) {
    return new BenchHttp(base, null, null);
  }

  boolean sendsToken() {
    return tokens != null;
  }

  String base() {
    return base;
  }

  /** A GET of a path under the FHIR base ({@code /Patient?…}) or of an absolute URL. */
  Answer get(String pathOrUrl, Duration timeout) {
    return send(HttpRequest.newBuilder(uri(pathOrUrl)).GET(), timeout);
  }

  /** A transaction or batch Bundle POSTed to the base. */
  Answer postBundle(String bundle, Duration timeout) {
    return send(HttpRequest.newBuilder(URI.create(base))
        .header("Content-Type", "application/fhir+json")
        .POST(HttpRequest.BodyPublishers.ofString(bundle)), timeout);
  }

  private URI uri(String pathOrUrl) {
    return URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
  }

  private Answer send(HttpRequest.Builder request, Duration timeout) {
    try {
      request.timeout(timeout).header("Accept", "application/fhir+json");
      if (tokens != null) {
        request.header("Authorization", "Bearer " + bearer());
      }
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 401 && tokens != null) {
        renewToken();
      }
      return new Answer(response.statusCode(), response.body(), null, null);
    } catch (HttpTimeoutException e) {
      return new Answer(0, null, "timeout", "no answer within " + timeout.toSeconds() + " s");
    } catch (IOException | RuntimeException e) {
      return new Answer(0, null, "error:" + e.getClass().getSimpleName(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, null, "error:interrupted", null);
    }
  }

  private synchronized String bearer() {
    if (token == null || System.nanoTime() - tokenAt > TOKEN_RENEWAL_NANOS) {
      token = tokens.get();
      tokenAt = System.nanoTime();
    }
    return token;
  }

  private synchronized void renewToken() {
    token = null;
  }
}
