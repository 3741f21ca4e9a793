package se.samverkan.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import se.samverkan.auth.SecurityProperties;

/**
 * Base of every test that talks to a running Samverkan over real HTTP. All subclasses share one
 * Spring context (same configuration), so the server starts once per database per run. Tests
 * isolate their data by unique identifiers rather than by wiping the database.
 */
@Tag("database")
@ExtendWith(TestDatabase.class)
@AutoConfigureObservability(tracing = false)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
  // Notifications retry within seconds here, so the tests can watch back-off and failure.
  "samverkan.notify.poll-interval=200ms",
  "samverkan.notify.first-retry=300ms",
  "samverkan.notify.max-retry=2s",
  "samverkan.notify.failing-after=3",
  // The webhook receivers listen on loopback at a port the system picks (SubscriptionEndpointTest).
  "samverkan.notify.allowed-endpoints=http://127.0.0.1:10000-65535",
  // The development issuer refuses to start where forwarded headers apply, as Spring Boot makes
  // them by itself on Kubernetes (a CI runner may be a pod); here it is a developer machine.
  "server.forward-headers-strategy=none"
})
public abstract class FhirServerTest {

  @LocalServerPort protected int port;
  @Autowired protected FhirContext fhirContext;
  @Autowired private org.springframework.security.oauth2.jwt.JwtEncoder jwtEncoder;
  @Autowired private SecurityProperties security;

  protected SecurityProperties security() {
    return security;
  }

  /** Tokens signed by the development issuer, as any claims a test needs. */
  protected TestTokens tokens;
  /** The token every request of a test carries unless it names another: see {@link TestTokens#suite()}. */
  protected String token;

  protected IGenericClient client;
  protected final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
  }

  /** The shared examples under profiles/ go in once per run (one server, one database per JVM). */
  private static final AtomicBoolean EXAMPLES_LOADED = new AtomicBoolean();

  @BeforeEach
  void connectClient() {
    fhirContext.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    fhirContext.getRestfulClientFactory().setSocketTimeout(60_000);
    tokens = new TestTokens(jwtEncoder, security.devIssuer().issuer());
    token = tokens.suite();
    client = fhirContext.newRestfulGenericClient(baseUrl());
    client.registerInterceptor(new BearerTokenAuthInterceptor(token));
    if (!EXAMPLES_LOADED.get()) {
      loadProfileExamples();
      EXAMPLES_LOADED.set(true);
    }
  }

  /** Every example under profiles/ in one transaction of PUTs: idempotent, and all or nothing. */
  protected void loadProfileExamples() {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (Path file : ProfileExamples.all()) {
      Resource resource;
      try {
        resource = (Resource) fhirContext.newJsonParser().parseResource(Files.readString(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      transaction.addEntry().setResource(resource).getRequest()
          .setMethod(Bundle.HTTPVerb.PUT).setUrl(resource.fhirType() + "/" + resource.getIdPart());
    }
    HttpResponse<String> response = send("POST", "", json(transaction));
    if (response.statusCode() != 200) {
      throw new AssertionError("The profile examples were refused: " + response.body());
    }
  }

  /** The journey bundles under examples/, in file-name order; loading them again changes nothing. */
  protected void loadJourneys() {
    for (Path bundle : Journeys.bundles()) {
      HttpResponse<String> response;
      try {
        response = send("POST", "", Files.readString(bundle));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (response.statusCode() != 200) {
        throw new AssertionError(bundle + " was refused: " + response.body());
      }
    }
  }

  /** A search or operation that must answer 200 with a Bundle. */
  protected Bundle searchBundle(String pathAndQuery) {
    HttpResponse<String> response = get(pathAndQuery);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + pathAndQuery + " answered " + response.statusCode() + ": " + response.body());
    }
    return parse(Bundle.class, response);
  }

  /** How many resources a search finds, counted page by page (searches give no total: SearchTest). */
  protected int countAll(String pathAndQuery) {
    int count = 0;
    Bundle page = searchBundle(pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "_elements=id&_count=200");
    while (true) {
      count += page.getEntry().size();
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        return count;
      }
      page = searchBundle(page.getLink(Bundle.LINK_NEXT).getUrl());
    }
  }

  /** The server id of the one resource of a type with an identifier ({@code system|value}). */
  protected String idOf(String type, String identifier) {
    Bundle found = searchBundle("/" + type + "?identifier=" + identifier.replace("|", "%7C") + "&_elements=id");
    if (found.getEntry().size() != 1) {
      throw new AssertionError(type + " " + identifier + ": expected one, found " + found.getEntry().size());
    }
    return found.getEntryFirstRep().getResource().getIdElement().getIdPart();
  }

  protected String baseUrl() {
    return "http://localhost:" + port + "/fhir";
  }

  /**
   * A raw request for what the generic client hides: headers, status codes, malformed bodies. It
   * carries the suite's token unless the headers name an {@code Authorization} of their own (an
   * empty one sends none).
   */
  protected HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : baseUrl() + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    boolean contentTypeGiven = false;
    boolean authorizationGiven = false;
    for (int i = 0; i < headers.length; i += 2) {
      boolean authorization = "Authorization".equalsIgnoreCase(headers[i]);
      authorizationGiven |= authorization;
      if (!(authorization && headers[i + 1].isEmpty())) {
        request.header(headers[i], headers[i + 1]);
      }
      contentTypeGiven |= "Content-Type".equalsIgnoreCase(headers[i]);
    }
    if (!authorizationGiven) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null && !contentTypeGiven) {
      request.header("Content-Type", "application/fhir+json");
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  protected String json(IBaseResource resource) {
    return fhirContext.newJsonParser().encodeResourceToString(resource);
  }

  protected <T extends IBaseResource> T parse(Class<T> type, HttpResponse<String> response) {
    return fhirContext.newJsonParser().parseResource(type, response.body());
  }

  /** POSTs the resource (with the suite token unless the headers name another) and answers Type/id; 201 or fail. */
  protected IdType create(Resource resource, String... headers) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), headers);
    if (created.statusCode() != 201) {
      throw new AssertionError(resource.fhirType() + " was refused (" + created.statusCode() + "): " + created.body());
    }
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return new IdType(id.getResourceType(), id.getIdPart());
  }

  protected OperationOutcome outcome(HttpResponse<String> response) {
    return parse(OperationOutcome.class, response);
  }
}
