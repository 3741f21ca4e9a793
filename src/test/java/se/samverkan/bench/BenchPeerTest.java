package se.samverkan.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import se.samverkan.journey.ExampleLoader;

/**
 * bench/run --peer: the peer is asked only what plain FHIR can answer, is sent no token, and the
 * report puts its figures next to Samverkan's with the right ratio and "—" where it was not measured.
 */
class BenchPeerTest {

  private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-11-02T12:00:00+01:00");

  @Test
  void aPeerGetsThePlainFhirKindsOnlyAndANamedSamverkanOnlyKindIsRefused() {
    List<WorklistQueries.Query> all = WorklistQueries.all(population(), NOW, true);

    assertThat(WorklistQueries.select(all, "all", true)).extracting(WorklistQueries.Query::name)
        .containsExactly("identifier", "careplans", "news2-trend", "ed-follow-up", "everything");
    assertThat(WorklistQueries.select(all, "everything,identifier", true)).extracting(WorklistQueries.Query::name)
        .containsExactly("identifier", "everything");
    for (String samverkanOnly : List.of("worklist", "worklist-page", "worklist-kommun-page", "lastn", "overdue-tasks")) {
      assertThatThrownBy(() -> WorklistQueries.select(all, "identifier," + samverkanOnly, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Query " + samverkanOnly + " is not plain FHIR");
    }
    // Samverkan itself still gets every kind.
    assertThat(WorklistQueries.select(WorklistQueries.all(population(), NOW), "all")).hasSize(10);
    assertThat(WorklistQueries.select(WorklistQueries.all(population(), NOW), "worklist,lastn")).hasSize(2);
  }

  @Test
  void aPeerIsAskedForThePersonnummerAsStoredSamverkanInEveryFormClinciansType() {
    WorklistQueries.Query forPeer = WorklistQueries.select(WorklistQueries.all(population(), NOW, true),
        "identifier").get(0);
    WorklistQueries.Query forSamverkan = WorklistQueries.select(WorklistQueries.all(population(), NOW),
        "identifier").get(0);
    Random random = new Random(1);
    List<String> toPeer = Stream.generate(() -> forPeer.request().apply(random)).limit(30).toList();
    List<String> toSamverkan = Stream.generate(() -> forSamverkan.request().apply(random)).limit(30).toList();

    assertThat(toPeer).allMatch(r -> r.matches("/Patient\\?identifier=(19390314|19451201)\\d{4}"));
    assertThat(toSamverkan).anyMatch(r -> r.matches("/Patient\\?identifier=\\d{6}-?\\d{4}"));
  }

  @Test
  void aPeerIsSentNoTokenAndAsksNoIssuerForOne() throws Exception {
    List<String> authorizations = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      synchronized (paths) {
        paths.add(exchange.getRequestURI().getPath());
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      }
      byte[] body = "{\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      BenchHttp http = BenchHttp.withoutToken("http://127.0.0.1:" + server.getAddress().getPort() + "/fhir");
      assertThat(http.get("/Patient?identifier=193903149825", Duration.ofSeconds(10)).outcome()).isEqualTo("200");
      assertThat(http.postBundle("{}", Duration.ofSeconds(10)).outcome()).isEqualTo("200");
    } finally {
      server.stop(0);
    }
    assertThat(paths).containsExactly("/fhir/Patient", "/fhir");
    assertThat(authorizations).containsExactly("null", "null");
  }

  @Test
  void theReportPutsThePeerNextToSamverkanWithSamverkanDividedByThePeer() {
    Properties samverkan = figures("identifier,worklist,everything");
    samverkan.setProperty("ingest.rate", "900");
    samverkan.setProperty("ingest.after-warm-up-rate", "-1");
    samverkan.setProperty("start.empty", "20.0");
    samverkan.setProperty("query.identifier.rps", "400");
    samverkan.setProperty("query.identifier.p99", "30");
    samverkan.setProperty("query.worklist.rps", "50");
    samverkan.setProperty("memory.after-start.rss", String.valueOf(600L << 20));
    Properties peer = figures("identifier,everything");
    peer.setProperty("ingest.rate", "300");
    peer.setProperty("ingest.after-warm-up-rate", "250");
    peer.setProperty("start.empty", "40.0");
    peer.setProperty("query.identifier.rps", "200");
    peer.setProperty("query.identifier.p99", "60");
    peer.setProperty("memory.after-start.rss", String.valueOf(800L << 20));
    peer.setProperty("peer.command", "java -Xmx1g -jar ROOT.war --server.port=18090");
    peer.setProperty("peer.software", "HAPI FHIR Server 8.8.0");
    peer.setProperty("ingest.first-failure", "population-0001.json answered 400: HAPI-0000: no");

    String report = BenchReport.render(samverkan, peer);

    assertThat(report).contains("## Samverkan and a peer")
        .contains("`java -Xmx1g -jar ROOT.war --server.port=18090`, answering as HAPI FHIR Server 8.8.0")
        .contains("| Ingest, resources/s | 900.0 | 300.0 | 3.00 |")
        // Too few bundles to tell on one side: no ratio.
        .contains("| Ingest, resources/s after warm-up | — | 250.0 | — |")
        .contains("| Cold start, empty database, s | 20.0 | 40.0 | 0.50 |")
        .contains("| RSS after start (empty database), MiB | 600 | 800 | 0.75 |")
        .contains("| 1 | identifier | 400.0 | 200.0 | 2.00 | 10.0 | 10.0 | 1.00 | 30.0 | 60.0 | 0.50 |")
        // A Samverkan-only kind: Samverkan's figures, the peer's "—".
        .contains("| 3 | worklist | 50.0 | — | — | 10.0 | — | — | 20.0 | — | — | 0 | — | 1.0 | — |")
        .contains("The peer refused bundles: 200×3; the first: population-0001.json answered 400: HAPI-0000: no");
    assertThat(BenchReport.render(samverkan)).doesNotContain("peer");
  }

  @Test
  void theFirstBundleRefusedIsKeptWithWhy() {
    ExampleLoader.Summary ok = new ExampleLoader.Summary(1, 10, 0, 0);
    ExampleLoader.Summary failed = new ExampleLoader.Summary(1, 0, 0, 10);
    Ingest.Result result = Ingest.summarise(List.of(
        new Ingest.Sent("population-0003.json", true, 10, "400", failed, 0, 2, "{\"issue\":\n \"c\"}", List.of()),
        new Ingest.Sent("population-0001.json", true, 10, "200", ok, 0, 1, null, List.of()),
        new Ingest.Sent("population-0002.json", true, 10, "timeout", failed, 0, 3, "no answer within 5 s", List.of())),
        0);

    assertThat(result.firstFailure()).isEqualTo("population-0002.json answered timeout: no answer within 5 s");
    assertThat(Ingest.summarise(List.of(
        new Ingest.Sent("population-0001.json", true, 10, "200", ok, 0, 1, null, List.of())), 0).firstFailure())
        .isEmpty();
  }

  /** Two patients and the county's units, as an ingest would have noted them. */
  private static Population population() {
    Population population = new Population();
    population.addPatient("p1", "193903149825");
    population.addPatient("p2", "194512019876");
    Stream.concat(WorklistQueries.VARDCENTRALER.stream(), WorklistQueries.KOMMUNER.stream())
        .forEach(hsa -> population.addOrganization("o-" + hsa, hsa));
    return population;
  }

  /** A run's figures with the named query kinds, each 10 ms p50, 20 ms p99, no errors, 1 entry. */
  private static Properties figures(String queries) {
    Properties p = new Properties();
    p.setProperty("query.names", queries);
    p.setProperty("ingest.outcomes", "200×3");
    p.setProperty("settings.query-client", "kommun-ronneby");
    for (String q : queries.split(",")) {
      p.setProperty("query." + q + ".number", q.equals("identifier") ? "1" : q.equals("worklist") ? "3" : "6");
      p.setProperty("query." + q + ".rps", "100");
      p.setProperty("query." + q + ".p50", "10");
      p.setProperty("query." + q + ".p99", "20");
      p.setProperty("query." + q + ".errors", "0");
      p.setProperty("query." + q + ".entries", "1");
    }
    return p;
  }
}
