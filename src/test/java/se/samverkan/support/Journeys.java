package se.samverkan.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The sample county and its journeys (examples/*.json) and the business ids they use. */
public final class Journeys {

  public static final String EXAMPLE_ID = "https://samverkan.se/fhir/example-id";
  public static final String HSA = "urn:oid:1.2.752.29.4.19";

  public static final String ASTRID = "http://electronichealth.se/identifier/personnummer|193903149825";
  public static final String BERTIL = "http://electronichealth.se/identifier/personnummer|194207089840";
  public static final String CARL = "http://electronichealth.se/identifier/samordningsnummer|193709779882";
  public static final String DAGNY = "http://electronichealth.se/identifier/personnummer|194501259867";

  public static final String VC_KARLSKRONA = HSA + "|SE2321000081-SV2080";
  public static final String VC_RONNEBY = HSA + "|SE2321000081-SV2081";
  public static final String VC_KARLSHAMN = HSA + "|SE2321000081-SV2082";
  public static final String VC_SOLVESBORG = HSA + "|SE2321000081-SV2083";
  public static final String KOMMUN_KARLSKRONA = HSA + "|SE2120000829-SV1080";
  public static final String KOMMUN_RONNEBY = HSA + "|SE2120000837-SV1081";
  public static final String KOMMUN_KARLSHAMN = HSA + "|SE2120000845-SV1082";

  private Journeys() {}

  public static List<Path> bundles() {
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
