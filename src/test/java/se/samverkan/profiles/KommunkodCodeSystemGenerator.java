package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.StringType;

/**
 * Generates {@code profiles/terminology/CodeSystem-kommunkod.json} — all of Sweden's kommuner with
 * their län — from {@code profiles/terminology/source/kommunkoder.tsv} (SCB's codes; source named in
 * that folder's README). Run from the repository root:
 * {@code ./mvnw -o -q test-compile exec:java -Dexec.mainClass=se.samverkan.profiles.KommunkodCodeSystemGenerator -Dexec.classpathScope=test};
 * {@code KommunkodCodeSystemTest} fails while the committed file differs from what this generates.
 */
public final class KommunkodCodeSystemGenerator {

  static final Path TSV = Path.of("profiles/terminology/source/kommunkoder.tsv");
  static final Path CODE_SYSTEM = Path.of("profiles/terminology/CodeSystem-kommunkod.json");

  private KommunkodCodeSystemGenerator() {}

  public static void main(String[] args) throws IOException {
    Files.writeString(CODE_SYSTEM, generate(TSV), StandardCharsets.UTF_8);
    System.out.println(CODE_SYSTEM + " written from " + TSV);
  }

  /** The CodeSystem as JSON, the same text for the same TSV. */
  static String generate(Path tsv) throws IOException {
    List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
    if (!lines.get(0).equals("kommunkod\tkommun\tlän")) {
      throw new IllegalArgumentException(tsv + ": expected the header kommunkod, kommun, län");
    }
    CodeSystem codeSystem = new CodeSystem();
    codeSystem.setId("kommunkod");
    codeSystem.setUrl("https://samverkan.se/fhir/CodeSystem/kommunkod");
    codeSystem.setName("Kommunkod");
    codeSystem.setTitle("Kommunkod (SCB)");
    codeSystem.setStatus(Enumerations.PublicationStatus.ACTIVE);
    codeSystem.setPublisher("Samverkan");
    codeSystem.setDescription(
        "SCB's four-digit codes of Sweden's " + (lines.size() - 1) + " kommuner: two digits of län, two of"
            + " kommun. Generated from profiles/terminology/source/kommunkoder.tsv (SCB's codes as of"
            + " 2015-03-09) by KommunkodCodeSystemGenerator; do not edit by hand.");
    codeSystem.setCaseSensitive(true);
    codeSystem.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
    codeSystem.setCount(lines.size() - 1);
    codeSystem.addProperty().setCode("lanskod").setType(CodeSystem.PropertyType.CODE)
        .setDescription("SCB's two-digit code of the kommun's län (the kommunkod's first two digits)");
    codeSystem.addProperty().setCode("lan").setType(CodeSystem.PropertyType.STRING)
        .setDescription("The name of the kommun's län");
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split("\t");
      if (fields.length != 3 || !fields[0].matches("\\d{4}")) {
        throw new IllegalArgumentException(tsv + ": not kommunkod, kommun, län: " + line);
      }
      CodeSystem.ConceptDefinitionComponent concept = codeSystem.addConcept().setCode(fields[0]).setDisplay(fields[1]);
      concept.addProperty().setCode("lanskod").setValue(new CodeType(fields[0].substring(0, 2)));
      concept.addProperty().setCode("lan").setValue(new StringType(fields[2]));
    }
    return FhirContext.forR4Cached().newJsonParser().setPrettyPrint(true).encodeResourceToString(codeSystem) + "\n";
  }
}
