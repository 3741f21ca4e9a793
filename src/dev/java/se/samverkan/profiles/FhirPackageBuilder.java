package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.MetadataResource;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Builds Samverkan's FHIR NPM package from the JSON files under {@code profiles/} (run by Maven in
 * {@code process-classes}; see pom.xml). Conformance resources go to {@code package/}, instances
 * (the examples) to {@code package/example/}; {@code package.json} and {@code .index.json} are
 * generated. Every conformance resource gets the package's version as its {@code version}.
 * Snapshots are not stored: HAPI generates them when it installs the package.
 *
 * <p>Usage: {@code FhirPackageBuilder <profiles dir> <version> <output .tgz> [more output .tgz]}
 */
public final class FhirPackageBuilder {

  public static final String PACKAGE_NAME = FhirPackageInstaller.PACKAGE_NAME;

  private static final Set<String> CONFORMANCE_TYPES =
      Set.of(
          "StructureDefinition", "CodeSystem", "ValueSet", "NamingSystem", "SearchParameter",
          "ConceptMap", "OperationDefinition", "CapabilityStatement", "ImplementationGuide");

  private final FhirContext fhirContext = FhirContext.forR4Cached();
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      throw new IllegalArgumentException(
          "usage: FhirPackageBuilder <profiles dir> <version> <output .tgz> [more outputs]");
    }
    byte[] tgz = new FhirPackageBuilder().build(Path.of(args[0]), args[1]);
    for (int i = 2; i < args.length; i++) {
      Path output = Path.of(args[i]);
      Files.createDirectories(output.toAbsolutePath().getParent());
      Files.write(output, tgz);
    }
    System.out.println(
        "FHIR package " + PACKAGE_NAME + "#" + args[1] + " (" + tgz.length + " bytes) written to "
            + String.join(", ", List.of(args).subList(2, args.length)));
  }

  /** The package as a gzipped tar, every entry under {@code package/}. */
  public byte[] build(Path profilesDir, String version) throws IOException {
    Map<String, byte[]> entries = new TreeMap<>();
    List<Map<String, Object>> index = new ArrayList<>();
    List<Map<String, Object>> exampleIndex = new ArrayList<>();

    for (Path file : jsonFiles(profilesDir)) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      IBaseResource resource = parse(file, text);
      String type = fhirContext.getResourceType(resource);
      if (resource instanceof MetadataResource metadata && metadata.hasUrl()) {
        text = withVersion(file, text, version);
        metadata.setVersion(version);
      }
      String name = type + "-" + resource.getIdElement().getIdPart() + ".json";
      boolean conformance = CONFORMANCE_TYPES.contains(type);
      String entry = conformance ? name : "example/" + name;
      if (entries.put(entry, text.getBytes(StandardCharsets.UTF_8)) != null) {
        throw new IllegalStateException("Two files define " + entry + " (the second is " + file + ")");
      }
      (conformance ? index : exampleIndex).add(indexEntry(name, type, resource));
    }

    entries.put("package.json", json.writeValueAsBytes(packageJson(version)));
    entries.put(".index.json", json.writeValueAsBytes(Map.of("index-version", 1, "files", index)));
    entries.put("example/.index.json", json.writeValueAsBytes(Map.of("index-version", 1, "files", exampleIndex)));
    return tgz(entries);
  }

  /**
   * The resource with the package's version as its {@code version}: the one place the version is
   * set is the build (pom.xml, {@code fhir.package.version}), so a file under profiles/ names none.
   */
  private String withVersion(Path file, String text, String version) throws IOException {
    ObjectNode resource = (ObjectNode) json.readTree(text);
    if (resource.has("version")) {
      throw new IllegalStateException(file + " names a version: remove it, every resource takes the package's ("
          + version + ", pom.xml fhir.package.version)");
    }
    ObjectNode stamped = json.createObjectNode();
    resource.fields().forEachRemaining(field -> {
      stamped.set(field.getKey(), field.getValue());
      if (field.getKey().equals("url")) {
        stamped.put("version", version);
      }
    });
    return json.writeValueAsString(stamped);
  }

  private static List<Path> jsonFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".json"))
          .filter(p -> !p.getFileName().toString().equals("package.json"))
          .sorted()
          .toList();
    }
  }

  private IBaseResource parse(Path file, String text) {
    try {
      return fhirContext.newJsonParser().parseResource(text);
    } catch (RuntimeException e) {
      throw new IllegalStateException(file + " is not a FHIR R4 JSON resource: " + e.getMessage(), e);
    }
  }

  private Map<String, Object> indexEntry(String fileName, String type, IBaseResource resource) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("filename", fileName);
    entry.put("resourceType", type);
    entry.put("id", resource.getIdElement().getIdPart());
    if (resource instanceof MetadataResource metadata && metadata.hasUrl()) {
      if (!metadata.getUrl().startsWith(Vocabulary.CANONICAL + "/")) {
        throw new IllegalStateException(fileName + ": url must start with " + Vocabulary.CANONICAL + "/");
      }
      entry.put("url", metadata.getUrl());
      entry.put("version", metadata.getVersion());
    }
    if (resource instanceof org.hl7.fhir.r4.model.StructureDefinition sd) {
      entry.put("kind", sd.getKind().toCode());
      entry.put("type", sd.getType());
      entry.put("derivation", sd.getDerivation().toCode());
    }
    return entry;
  }

  private static Map<String, Object> packageJson(String version) {
    Map<String, Object> pkg = new LinkedHashMap<>();
    pkg.put("name", PACKAGE_NAME);
    pkg.put("version", version);
    pkg.put("title", "Samverkan: shared care documentation of region and kommun");
    pkg.put("description",
        "Profiles and terminology for the coordinated care of frail older people between Swedish"
            + " regions and kommuner: Patient, Organization, Practitioner(Role), CareTeam,"
            + " CarePlan (AMP, SIP, discharge plan), Condition, assessment Observations and"
            + " coordination Tasks (LUSEN hand-offs, follow-up calls).");
    pkg.put("canonical", Vocabulary.CANONICAL);
    pkg.put("url", Vocabulary.CANONICAL);
    pkg.put("fhirVersions", List.of("4.0.1"));
    pkg.put("type", "fhir.ig");
    pkg.put("license", "Apache-2.0");
    pkg.put("author", "Samverkan");
    pkg.put("dependencies", Map.of("hl7.fhir.r4.core", "4.0.1"));
    return pkg;
  }

  private static byte[] tgz(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry("package/" + e.getKey());
        entry.setSize(e.getValue().length);
        entry.setModTime(0); // reproducible: the same sources give the same bytes
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
