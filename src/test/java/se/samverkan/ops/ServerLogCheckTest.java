package se.samverkan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build fails when the suite's server log records a 5xx, and only then. */
class ServerLogCheckTest {

  private static final String PREFIX = "2026-12-06T04:30:00.123Z  INFO 4711 --- [samverkan] [nio-1-exec-1] se.samverkan.accesslog                      : ";

  @TempDir Path dir;

  @Test
  void aLogOfOnlyClientErrorsAndSuccessesPasses() throws IOException {
    Path log = write("ok.log", PREFIX + "GET /fhir/Patient/{id} 200 5ms", PREFIX + "POST /fhir/Patient 422 12ms",
        PREFIX + "GET /fhir/Patient 400 3ms");

    ServerLogCheck.main(new String[] {log.toString()});

    assertThat(ServerLogCheck.read(log).requests()).isEqualTo(3);
  }

  @Test
  void anAccessLogLineWithA5xxStatusFailsTheBuildNamingThePathPattern() throws IOException {
    Path log = write("bad.log", PREFIX + "GET /fhir/Patient 200 5ms", PREFIX + "GET /fhir/Patient 500 40ms",
        PREFIX + "GET /fhir/Patient 500 41ms", PREFIX + "DELETE /fhir/Patient/{id} 503 5001ms");

    assertThatThrownBy(() -> ServerLogCheck.main(new String[] {log.toString()}))
        .hasMessageContaining("2 × GET /fhir/Patient 500")
        .hasMessageContaining("1 × DELETE /fhir/Patient/{id} 503");
  }

  @Test
  void anInternalErrorLoggedByTheServerFailsTheBuildEvenWithoutAnAccessLogLine() throws IOException {
    Path log = write("internal.log", "2026-12-06T04:30:00.123Z ERROR 4711 --- [samverkan] [nio-1-exec-1] "
        + "s.samverkan.ops.ServerErrorLogger        : Internal error 500 on GET /fhir/Patient");

    assertThatThrownBy(() -> ServerLogCheck.main(new String[] {log.toString()}))
        .hasMessageContaining("Internal error 500 on GET /fhir/Patient");
  }

  @Test
  void aMissingLogIsAnErrorNotAPass() {
    assertThatThrownBy(() -> ServerLogCheck.main(new String[] {dir.resolve("absent.log").toString()}))
        .hasMessageContaining("No server log");
  }

  private Path write(String name, String... lines) throws IOException {
    return Files.write(dir.resolve(name), java.util.List.of(lines));
  }
}
