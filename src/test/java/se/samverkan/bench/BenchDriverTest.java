package se.samverkan.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import se.samverkan.journey.PopulationGenerator;

/**
 * The benchmark driver counts what it claims: the resources it says it ingested are the
 * generator's (every one accepted by strict profile enforcement) and are on the server, the
 * requests it says a query phase sent are those the server's access log saw, and every query kind
 * is answered. Its own server and in-memory database, closed after the class, like
 * PopulationGeneratorLoadTest: the shared test database must hold only what the other tests expect.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "samverkan.profiles.enforcement=strict")
@DirtiesContext
class BenchDriverTest {

  /**
   * Two population bundles of one patient each (a bundle holds up to five; one patient is some
   * 120 resources, which H2 with strict profiles takes a while over), so both ingest clients work
   * at once: two one-patient populations of different seeds, the second's bundle renamed.
   */
  private static final int PATIENTS = 2;
  private static final Path COUNTY = Path.of("examples/00-county.json");

  @LocalServerPort int port;
  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @DynamicPropertySource
  static void ownDatabase(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:h2:mem:samverkan-bench;DB_CLOSE_DELAY=-1");
  }

  @BeforeEach
  void listenToTheAccessLog() {
    accessLog.start();
    ((Logger) LoggerFactory.getLogger("se.samverkan.accesslog")).addAppender(accessLog);
  }

  @AfterEach
  void stopListening() {
    ((Logger) LoggerFactory.getLogger("se.samverkan.accesslog")).detachAppender(accessLog);
  }

  @Test
  void theDriverCountsWhatItIngestsAndWhatItQueries() throws Exception {
    Path results = dir.resolve("results.properties");
    Path population = dir.resolve("population");
    Path ids = dir.resolve("ids.tsv");
    BenchHttp http = new BenchHttp("http://localhost:" + port + "/fhir", "region-blekinge", Bench.SECRET);

    PopulationGenerator.Result first = Bench.generate(1, 1, 20261102L, COUNTY, population, results, out);
    PopulationGenerator.Result second = new PopulationGenerator(7L).write(1, dir.resolve("second"), COUNTY);
    Files.copy(dir.resolve("second/population-0001.json"), population.resolve("population-0002.json"));
    Ingest.Result ingested = Bench.ingest(http, population, 2, Duration.ofMinutes(5), ids, results, out);

    int countyEntries = new ObjectMapper().readTree(COUNTY.toFile()).path("entry").size();
    assertThat(ingested.failedEntries()).as(printed.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(ingested.bundles()).isEqualTo(3);
    assertThat(ingested.resources()).isEqualTo(countyEntries + first.resources() + second.resources());
    assertThat(ingested.created()).isEqualTo(ingested.resources());
    assertThat(ingested.bundleOutcomes()).containsExactly(org.assertj.core.api.Assertions.entry("200", 3));
    assertThat(serverSaw("POST /fhir 200 ")).as("transactions the server answered").isEqualTo(ingested.bundles());
    assertThat(Bench.count(http, "/Patient")).isEqualTo(PATIENTS);
    Population ingestedIds = Population.read(ids);
    assertThat(ingestedIds.patients()).hasSize(PATIENTS);
    assertThat(ingestedIds.organizations()).hasSize(13);

    // One short phase: the requests it counts are the requests the server answered.
    List<WorklistQueries.Query> queries = WorklistQueries.all(ingestedIds, WorklistQueries.now());
    WorklistQueries.Query byIdentifier = WorklistQueries.select(queries, "identifier").get(0);
    int before = serverSaw("GET /fhir/Patient 200 ");
    QueryPhase.Result phase =
        QueryPhase.run(http, byIdentifier, 2, Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(30), 1);
    LatencyStats stats = phase.stats();
    assertThat(stats.requests()).isPositive();
    assertThat(stats.outcomes().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(stats.requests());
    assertThat(stats.errors()).isZero();
    assertThat(stats.outcomes()).containsOnlyKeys("200");
    assertThat(stats.meanEntries()).as("each personnummer finds its one patient").isEqualTo(1.0);
    assertThat(serverSaw("GET /fhir/Patient 200 ") - before).as("searches the server answered")
        .isEqualTo(stats.requests());
    assertThat(phase.seconds()).isGreaterThanOrEqualTo(2.0);

    // Every query kind is answered 200 with the parameters the driver draws.
    Random random = new Random(3);
    for (WorklistQueries.Query query : queries) {
      for (int i = 0; i < 3; i++) {
        String request = query.request().apply(random);
        BenchHttp.Answer answer = http.get(request, Duration.ofSeconds(60));
        assertThat(answer.outcome()).as(query.name() + ": " + request + " " + answer.body()).isEqualTo("200");
        assertThat(QueryPhase.entries(answer)).as(query.name()).isGreaterThanOrEqualTo(0);
      }
    }

    // The results file holds the figures the report is made from.
    Properties figures = Results.read(results);
    assertThat(figures.getProperty("ingest.resources")).isEqualTo(String.valueOf(ingested.resources()));
    assertThat(figures.getProperty("ingest.patients-found")).isEqualTo(String.valueOf(PATIENTS));
    assertThat(figures.getProperty("generate.resources")).isEqualTo(String.valueOf(first.resources()));
    assertThat(BenchReport.render(figures)).contains("| 3 | " + String.format("%,d", ingested.resources()) + " | ");
  }

  /** Access-log lines starting so, once they stop arriving (a line is written after its answer). */
  private int serverSaw(String prefix) throws InterruptedException {
    int seen = -1;
    for (int i = 0; i < 50; i++) {
      int now;
      synchronized (accessLog) {
        now = (int) List.copyOf(accessLog.list).stream()
            .filter(e -> e.getFormattedMessage().startsWith(prefix)).count();
      }
      if (now == seen) {
        return now;
      }
      seen = now;
      Thread.sleep(100);
    }
    return seen;
  }
}
