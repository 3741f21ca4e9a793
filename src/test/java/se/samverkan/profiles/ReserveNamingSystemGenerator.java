package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.NamingSystem;
import se.samverkan.profiles.SwedishPersonIdentifiers.ReserveIdentifierSystem;

/**
 * Writes a NamingSystem for every reserve identifier system a patient may have
 * ({@link SwedishPersonIdentifiers#RESERVE_SYSTEMS}: nationellt and regional reservnummer,
 * LMA-nummer) to profiles/terminology/, so the package describes exactly the systems the server
 * accepts. The systems are HL7 Sweden's and the regions'; these resources only describe them.
 * {@code ReserveNamingSystemTest} fails while a committed file differs from what this generates.
 *
 * <p>{@code ./mvnw -o -q test-compile exec:java -Dexec.mainClass=se.samverkan.profiles.ReserveNamingSystemGenerator -Dexec.classpathScope=test}
 */
final class ReserveNamingSystemGenerator {

  static final Path FOLDER = Path.of("profiles/terminology");
  /** The date the descriptions were last checked against their sources (NamingSystem.date is required). */
  private static final String CHECKED = "2026-12-06";
  private static final String OID = "urn:oid:";

  private ReserveNamingSystemGenerator() {}

  public static void main(String[] args) throws IOException {
    for (Map.Entry<Path, String> file : generate().entrySet()) {
      Files.writeString(file.getKey(), file.getValue(), StandardCharsets.UTF_8);
      System.out.println(file.getKey() + " written");
    }
  }

  /** File and content of each NamingSystem, in the order of the list. */
  static Map<Path, String> generate() {
    Map<Path, String> files = new LinkedHashMap<>();
    for (ReserveIdentifierSystem reserve : SwedishPersonIdentifiers.RESERVE_SYSTEMS) {
      String id = id(reserve.name());
      files.put(FOLDER.resolve("NamingSystem-" + id + ".json"), json(namingSystem(id, reserve)));
    }
    return files;
  }

  private static NamingSystem namingSystem(String id, ReserveIdentifierSystem reserve) {
    NamingSystem ns = new NamingSystem();
    ns.setId(id);
    ns.setName(computerName(reserve.name()));
    ns.setStatus(Enumerations.PublicationStatus.ACTIVE);
    ns.setKind(NamingSystem.NamingSystemType.IDENTIFIER);
    ns.setDateElement(new DateTimeType(CHECKED));
    ns.setPublisher("Samverkan");
    ns.setDescription(reserve.name().substring(0, 1).toUpperCase(Locale.ROOT) + reserve.name().substring(1)
        + ", for a patient without personnummer or samordningsnummer. "
        + (reserve.form() == null
            ? "No form is documented, so any value is accepted."
            : "Values are checked to be " + reserve.formInWords() + ".")
        + " Source: " + reserve.source() + ". Samverkan only describes this system; it is not ours.");
    ns.addJurisdiction().addCoding().setSystem("urn:iso:std:iso:3166").setCode("SE");
    addUniqueId(ns, reserve.system(), true);
    SwedishPersonIdentifiers.OID_TO_URI.forEach((oid, uri) -> {
      if (uri.equals(reserve.system())) {
        addUniqueId(ns, oid, false); // accepted on input and mapped to the URI
      }
    });
    return ns;
  }

  private static void addUniqueId(NamingSystem ns, String system, boolean preferred) {
    boolean oid = system.startsWith(OID);
    ns.addUniqueId()
        .setType(oid ? NamingSystem.NamingSystemIdentifierType.OID : NamingSystem.NamingSystemIdentifierType.URI)
        .setValue(oid ? system.substring(OID.length()) : system)
        .setPreferred(preferred);
  }

  /** "Region Stockholm (SLL) reservnummer" -> "region-stockholm-sll-reservnummer". */
  static String id(String name) {
    String ascii = Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
    return ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
  }

  /** "Region Stockholm (SLL) reservnummer" -> "RegionStockholmSLLReservnummer". */
  private static String computerName(String name) {
    StringBuilder out = new StringBuilder();
    for (String word : Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "").split("[^A-Za-z0-9]+")) {
      if (!word.isEmpty()) {
        out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
      }
    }
    return out.toString();
  }

  private static String json(NamingSystem ns) {
    return FhirContext.forR4Cached().newJsonParser().setPrettyPrint(true).encodeResourceToString(ns) + "\n";
  }
}
