package se.samverkan.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's "Repository layout" is where a newcomer learns which package answers which question:
 * it names every Java package of the server and names none that is gone (a package split or moved
 * without the table following it is a wrong map).
 */
class RepositoryLayoutTest {

  private static final Path MAIN = Path.of("src/main/java");
  private static final Pattern ROW = Pattern.compile("^\\| `(src/main/java/[^`]+)` \\|", Pattern.MULTILINE);

  @Test
  void theLayoutTableNamesEveryPackageOfTheServerAndNoOther() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String layout = readme.substring(readme.indexOf("## Repository layout"));
    List<String> rows = new ArrayList<>();
    Matcher row = ROW.matcher(layout);
    while (row.find()) {
      rows.add(row.group(1));
    }
    assertThat(rows).as("README's layout table, rows naming a package").containsExactlyInAnyOrderElementsOf(packages());
  }

  /** Every directory under src/main/java holding a class, except the root's one application class. */
  private static List<String> packages() throws IOException {
    try (Stream<Path> files = Files.walk(MAIN)) {
      return files.filter(f -> f.toString().endsWith(".java"))
          .map(Path::getParent)
          .filter(dir -> !dir.equals(MAIN.resolve("se/samverkan")))
          .distinct()
          .map(dir -> dir.toString().replace('\\', '/'))
          .toList();
    }
  }
}
