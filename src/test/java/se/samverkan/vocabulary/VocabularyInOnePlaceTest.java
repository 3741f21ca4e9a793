package se.samverkan.vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 found the HSA OID typed in four files: a URI written twice can drift apart, and a
 * reader cannot tell whose it is. {@link Vocabulary} holds each URI and OID once, with its source,
 * so no other main class may write one of its values as a string literal (whole, or as the system
 * of a {@code system|code} token), nor any URI under our canonical base, which only we mint. Main
 * code is every source folder under {@code src/} but the tests, so tooling moved out of
 * {@code src/main} is still covered. Comments may quote a URI: they are not scanned.
 */
class VocabularyInOnePlaceTest {

  private static final Path VOCABULARY = Path.of("src/main/java/se/samverkan/vocabulary/Vocabulary.java");

  @Test
  void noMainClassButTheVocabularyWritesAUriOrOidOfTheVocabulary() throws IOException {
    List<String> elsewhere = new ArrayList<>();
    List<Path> files = mainSources();
    for (Path file : files) {
      if (!file.equals(VOCABULARY)) {
        offences(Files.readString(file)).forEach(offence -> elsewhere.add(file + ":" + offence));
      }
    }
    assertThat(files).as("the scan reads main code, the vocabulary included").hasSizeGreaterThan(50).contains(VOCABULARY);
    assertThat(values()).as("the vocabulary's values").hasSizeGreaterThan(30).contains("urn:oid:1.2.752.29.4.19");
    assertThat(elsewhere).as("URIs written outside the vocabulary (use se.samverkan.vocabulary.Vocabulary)").isEmpty();
  }

  /** The scan would miss nothing it should see, and flag nothing it should not. */
  @Test
  void theScanFindsAValueOrOneOfOurUrisInCodeButNotInACommentOrAsPartOfAnotherUri() {
    String source = """
        /** HSA-id, "urn:oid:1.2.752.29.4.19" (HL7 Sweden). */
        // see "https://samverkan.se/fhir/CodeSystem/role"
        char quote = '"'; String other = "http://example.org//not-a-comment/urn:oid:1.2.752.29.4.19";
        String hsa = "urn:oid:1.2.752.29.4.19";
        String search = "Organization?identifier=urn:oid:2.5.4.97|2321000131";
        String ours = "https://samverkan.se/fhir/CodeSystem/new-one"; String a = "\\"", b = "http://loinc.org";
        """;

    assertThat(offences(source)).containsExactly(
        "4: urn:oid:1.2.752.29.4.19",
        "5: Organization?identifier=urn:oid:2.5.4.97|2321000131",
        "6: https://samverkan.se/fhir/CodeSystem/new-one",
        "6: http://loinc.org");
  }

  /** Each string literal of the source that writes a vocabulary value or a URI of ours, as "line: literal". */
  private static List<String> offences(String source) {
    List<String> values = values();
    List<String> found = new ArrayList<>();
    for (Literal literal : literals(source)) {
      String text = literal.text();
      if (text.startsWith(Vocabulary.CANONICAL)
          || values.stream().anyMatch(v -> text.equals(v) || text.contains(v + "|"))) {
        found.add(literal.line() + ": " + text);
      }
    }
    return found;
  }

  private static List<String> values() {
    return Arrays.stream(Vocabulary.class.getDeclaredFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .map(VocabularyInOnePlaceTest::value)
        .toList();
  }

  private static String value(Field field) {
    try {
      return (String) field.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(field.getName(), e);
    }
  }

  private static List<Path> mainSources() throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("src"))) {
      return files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.startsWith(Path.of("src/test")))
          .sorted()
          .toList();
    }
  }

  private record Literal(long line, String text) {}

  /**
   * The string literals of Java source, text blocks included, with the line each starts on; what
   * is inside comments and char literals is skipped ("//" in a URL does not start a comment).
   */
  private static List<Literal> literals(String source) {
    List<Literal> literals = new ArrayList<>();
    long line = 1;
    int i = 0;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (source.startsWith("//", i)) {
        i = source.indexOf('\n', i) < 0 ? source.length() : source.indexOf('\n', i);
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? source.length() : end + 2;
        line += source.substring(i, end).chars().filter(ch -> ch == '\n').count();
        i = end;
      } else if (c == '\'') {
        i = endOfQuoted(source, i + 1, "'");
      } else if (c == '"') {
        String quote = source.startsWith("\"\"\"", i) ? "\"\"\"" : "\"";
        int start = i + quote.length();
        int end = endOfQuoted(source, start, quote);
        String text = source.substring(start, Math.max(start, end - quote.length()));
        literals.add(new Literal(line, text));
        line += text.chars().filter(ch -> ch == '\n').count();
        i = end;
      } else {
        i++;
      }
    }
    return literals;
  }

  /** The index just after the closing quote, skipping escaped characters. */
  private static int endOfQuoted(String source, int from, String quote) {
    int i = from;
    while (i < source.length() && !source.startsWith(quote, i)) {
      i += source.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(source.length(), i + quote.length());
  }
}
