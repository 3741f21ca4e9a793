package se.samverkan.messages;

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
 * Issue 18 asks for all our own rules' messages in Swedish and English. A message is translated
 * only if it is in the catalogue ({@link Messages}), so no answer of ours may be written as a bare
 * string: every text handed to an exception HAPI answers with, to an OperationOutcome's
 * diagnostics, or to {@code ErrorOutcomes} comes from {@link Messages#english}. HAPI's own wording
 * that ours must repeat word for word (a hidden resource answers as an absent one: "Resource … is
 * not known", HAPI-1094) is in the catalogue too, under HAPI's words, so that both are translated
 * alike; there is no exception to the rule. The tooling under {@code journey/} writes to the
 * console, not to an OperationOutcome, and is not scanned.
 */
class NoMessageOutsideTheCatalogueTest {

  /** Where an answer's text is handed over: HAPI's exceptions, an issue's diagnostics, ErrorOutcomes. */
  private static final Pattern ANSWER = Pattern.compile("new (?:InvalidRequest|UnprocessableEntity|ForbiddenOperation"
      + "|ResourceNotFound|ResourceGone|PreconditionFailed|ResourceVersionConflict|PayloadTooLarge|MethodNotAllowed"
      + "|NotImplementedOperation|Authentication|InternalError|UnclassifiedServerFailure|BaseServerResponse)Exception\\("
      + "|\\.setDiagnostics\\(|ErrorOutcomes\\.(?:write|json|outcome|addIssue)\\(");
  /**
   * Calls whose string literals are no message of their own: the arguments of a catalogue message
   * (a separator, "…"), and HAPI's localised messages, named by key, which ours repeat word for
   * word (TransactionConditions: a conditional reference to a hidden resource answers as HAPI
   * answers one to no resource, HAPI-1091).
   */
  private static final Pattern FROM_A_CATALOGUE = Pattern.compile("Messages\\.english\\(|getLocalizer\\(\\)\\s*\\.getMessage\\(");
  private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern CONSTANT = Pattern.compile("\\b[A-Z][A-Z0-9_]+\\b");

  @Test
  void everyAnswerOfOursTakesItsTextFromTheCatalogue() throws IOException {
    List<String> bare = new ArrayList<>();
    int answers = 0;
    for (Path file : sources()) {
      String source = Files.readString(file);
      Matcher answer = ANSWER.matcher(source);
      while (answer.find()) {
        answers++;
        String arguments = withoutCatalogueCalls(arguments(source, answer.end()));
        if (STRING_LITERAL.matcher(arguments).find() || bareConstant(source, arguments)) {
          bare.add(file + ":" + line(source, answer.start()) + ": " + arguments.strip());
        }
      }
    }
    assertThat(answers).as("the scan finds the places that answer").isGreaterThan(40);
    assertThat(bare).as("texts written outside the catalogue (use Messages.english(Message.X, ...))").isEmpty();
  }

  /** The scan would miss nothing it should see: it finds a bare text, directly or through a constant. */
  @Test
  void theScanFindsABareTextDirectlyOrThroughAConstantButNotACatalogueMessagesArguments() {
    String direct = "throw new InvalidRequestException(\"$lastn: max must be 1 or more\");";
    String constant = "static final String STALLED = \"This search cannot be completed\";\n"
        + "void f() { throw new InvalidRequestException(STALLED); }";
    String catalogued = "static final String STALLED = Messages.english(Message.SEARCH_STALLED);\n"
        + "void f() { throw new InvalidRequestException(STALLED); }";
    String withArguments = "Messages.english(Message.NOT_KNOWN, type + \"/\" + id), outcome";

    assertThat(STRING_LITERAL.matcher(arguments(direct, direct.indexOf('(') + 1)).find()).isTrue();
    assertThat(bareConstant(constant, arguments(constant, constant.indexOf("Exception(") + 10))).isTrue();
    assertThat(bareConstant(catalogued, "STALLED")).isFalse();
    assertThat(withoutCatalogueCalls(withArguments)).isEqualTo(", outcome");
  }

  /** The server's sources and the development issuer and package builder (src/dev/java), as before they moved there. */
  private static List<Path> sources() throws IOException {
    try (Stream<Path> main = Files.walk(Path.of("src/main/java/se/samverkan"));
        Stream<Path> dev = Files.walk(Path.of("src/dev/java/se/samverkan"))) {
      return Stream.concat(main, dev).filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.toString().contains("/journey/"))
          .sorted()
          .toList();
    }
  }

  /** The text of a call's arguments, from after its '(' to the matching ')', string literals kept whole. */
  private static String arguments(String source, int start) {
    int depth = 1;
    int i = start;
    while (i < source.length() && depth > 0) {
      char c = source.charAt(i);
      if (c == '"') {
        Matcher literal = STRING_LITERAL.matcher(source).region(i, source.length());
        i = literal.lookingAt() ? literal.end() : i + 1;
        continue;
      }
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      i++;
    }
    return source.substring(start, Math.max(start, i - 1));
  }

  /** The arguments with every call that takes its text from a catalogue left out. */
  private static String withoutCatalogueCalls(String arguments) {
    Matcher call = FROM_A_CATALOGUE.matcher(arguments);
    if (!call.find()) {
      return arguments;
    }
    String inside = arguments(arguments, call.end());
    return arguments.substring(0, call.start())
        + withoutCatalogueCalls(arguments.substring(Math.min(arguments.length(), call.end() + inside.length() + 1)));
  }

  /** A constant of the same class, named in the arguments, that is a string literal. */
  private static boolean bareConstant(String source, String arguments) {
    Matcher name = CONSTANT.matcher(STRING_LITERAL.matcher(arguments).replaceAll(""));
    while (name.find()) {
      if (Pattern.compile("static final String " + name.group() + "\\s*=\\s*\"").matcher(source).find()) {
        return true;
      }
    }
    return false;
  }

  private static long line(String source, int offset) {
    return source.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
  }
}
