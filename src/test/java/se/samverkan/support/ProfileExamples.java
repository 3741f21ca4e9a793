package se.samverkan.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The example instances under profiles/&lt;folder&gt;/examples, read as they are committed. */
public final class ProfileExamples {

  public static final Path PROFILES = Path.of("profiles");

  /** Load order: what others refer to first. */
  private static final Map<String, Integer> ORDER =
      Map.of("Organization", 0, "Practitioner", 1, "PractitionerRole", 2, "Patient", 3, "RelatedPerson", 4, "Encounter", 4,
          "Consent", 5, "Goal", 6, "CareTeam", 7, "Condition", 8);

  private ProfileExamples() {}

  public static List<Path> all() {
    try (Stream<Path> files = Files.walk(PROFILES)) {
      return files
          .filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("examples"))
          .filter(p -> p.toString().endsWith(".json"))
          .sorted(Comparator.comparing((Path p) -> ORDER.getOrDefault(type(p), 9)).thenComparing(Path::toString))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String type(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.indexOf('-'));
  }

  public static String read(String relative) {
    try {
      return Files.readString(PROFILES.resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
