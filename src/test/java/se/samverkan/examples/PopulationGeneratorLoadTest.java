package se.samverkan.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import se.samverkan.journey.ExampleLoader;
import se.samverkan.journey.PopulationGenerator;

/**
 * A generated population loads into a server with strict profile enforcement without one
 * rejected entry, and loading it again creates nothing.
 *
 * <p>It has a server and an in-memory database of its own, closed after the class: the shared
 * test server's database must hold only what the other tests expect (worklists over the journey
 * organisations are asserted exactly). Not tagged {@code database}, so it runs on H2 only.
 */
// Strict named here so the test keeps its meaning should the default change.
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "samverkan.profiles.enforcement=strict")
@DirtiesContext
class PopulationGeneratorLoadTest {

  /** Two bundles with SIPs and ED visits among them (asserted below); each load takes a minute or two. */
  private static final int PATIENTS = 10;
  private static final Path COUNTY = Path.of("examples/00-county.json");
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort int port;
  @TempDir Path dir;

  @DynamicPropertySource
  static void ownDatabase(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:h2:mem:samverkan-population;DB_CLOSE_DELAY=-1");
  }

  @Test
  void aPopulationLoadsWithoutRejectionAndASecondLoadOnlyUpdates() throws Exception {
    PopulationGenerator.Result generated =
        new PopulationGenerator(20261102L).write(PATIENTS, dir, COUNTY);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ExampleLoader loader = new ExampleLoader(baseUrl(),
        ExampleLoader.clientCredentials(URI.create(baseUrl()).resolve("/oauth2/token"), "region-blekinge", "dev-only"),
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    ExampleLoader.Summary first = loader.load(dir);
    ExampleLoader.Summary second = loader.load(dir);

    int entries = JSON.readTree(COUNTY.toFile()).path("entry").size() + generated.resources();
    assertThat(first.failed()).as(printed.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(first).isEqualTo(new ExampleLoader.Summary(3, entries, 0, 0));
    assertThat(second).as(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo(new ExampleLoader.Summary(3, 0, entries, 0));
    assertThat(count("Patient")).isEqualTo(PATIENTS);
    assertThat(count("Encounter")).as("ED visits").isPositive();
    assertThat(count("Consent")).as("SIPs").isPositive();
  }

  private String baseUrl() {
    return "http://localhost:" + port + "/fhir";
  }

  /** Counted page by page: searches give no total while access is filtered (SearchTest). */
  private int count(String type) throws Exception {
    String token = ExampleLoader.clientCredentials(URI.create(baseUrl()).resolve("/oauth2/token"), "region-blekinge", "dev-only").get();
    String url = baseUrl() + "/" + type + "?_elements=id&_count=200";
    int count = 0;
    while (url != null) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode page = JSON.readTree(response.body());
      count += page.path("entry").size();
      url = null;
      for (JsonNode link : page.path("link")) {
        if ("next".equals(link.path("relation").asText())) {
          url = link.path("url").asText();
        }
      }
    }
    return count;
  }

}
