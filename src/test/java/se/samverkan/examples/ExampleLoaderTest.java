package se.samverkan.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import se.samverkan.journey.ExampleLoader;
import se.samverkan.support.FhirServerTest;

class ExampleLoaderTest extends FhirServerTest {

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void loadingTwiceReportsEveryEntryAndTheSecondTimeOnlyUpdates() throws Exception {
    ExampleLoader loader = new ExampleLoader(baseUrl(), ExampleLoader.clientCredentials(
        java.net.URI.create(baseUrl()).resolve("/oauth2/token"), "region-blekinge", "dev-only"), out);

    ExampleLoader.Summary first = loader.load(Path.of("examples"));
    ExampleLoader.Summary second = loader.load(Path.of("examples"));

    assertThat(first.failed()).isZero();
    assertThat(first.bundles()).isEqualTo(5);
    assertThat(first.created() + first.updated()).isGreaterThan(80);
    assertThat(second).isEqualTo(new ExampleLoader.Summary(5, 0, first.created() + first.updated(), 0));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("00-county.json")
        .contains("Summary: 0 created, " + second.updated() + " updated, 0 failed (5 bundles)");
  }

  @Test
  void anUnreachableServerIsSaidPlainly() {
    ExampleLoader loader = new ExampleLoader("http://localhost:9/fhir",
        ExampleLoader.clientCredentials(java.net.URI.create("http://localhost:9/oauth2/token"), "region-blekinge", "dev-only"), out);

    assertThatThrownBy(() -> loader.load(Path.of("examples")))
        .isInstanceOf(ExampleLoader.UnreachableException.class)
        .hasMessageContaining("not reachable at http://localhost:9/fhir");
  }
}
