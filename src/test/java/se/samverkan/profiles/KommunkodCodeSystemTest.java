package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed kommunkod CodeSystem is exactly what the TSV of SCB's codes generates. */
class KommunkodCodeSystemTest {

  @Test
  void theCommittedCodeSystemIsWhatTheTsvGenerates() throws Exception {
    assertThat(Files.readString(KommunkodCodeSystemGenerator.CODE_SYSTEM))
        .as("profiles/terminology/CodeSystem-kommunkod.json is out of date with source/kommunkoder.tsv:"
            + " regenerate it as profiles/terminology/source/README.md says")
        .isEqualTo(KommunkodCodeSystemGenerator.generate(KommunkodCodeSystemGenerator.TSV));
  }

  @Test
  void itListsAll290KommunerWithTheirLan() throws Exception {
    String generated = KommunkodCodeSystemGenerator.generate(KommunkodCodeSystemGenerator.TSV);
    assertThat(generated).contains("\"count\": 290", "\"content\": \"complete\"", "\"code\": \"1081\"", "Blekinge län",
        "\"code\": \"0114\"", "\"code\": \"2584\"");
  }
}
