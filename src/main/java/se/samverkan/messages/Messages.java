package se.samverkan.messages;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The one message catalogue: {@code messages/samverkan.properties} (English, the default) and
 * {@code messages/samverkan_sv.properties} (Swedish), UTF-8, keyed by a stable id. Code writes a
 * message in English with {@link #english}; the answer is put into the caller's language at one
 * outgoing point ({@link MessageLanguageInterceptor}, {@code ErrorOutcomes}) by recognising the
 * English text ({@link #recognise}) and writing it anew ({@link #render}). Recognising the text,
 * rather than carrying ids through exceptions, also translates HAPI's own answers that ours copy
 * on purpose ("Resource Patient/1 is not known", HAPI-1094): a resource the caller may not see
 * must answer exactly as one that is not there, in every language.
 *
 * <p>Placeholders are {@code {0}}, {@code {1}}, … and nothing else: not {@link java.text.MessageFormat},
 * whose quoting would make every apostrophe ("the personnummer's") a trap.
 */
public final class Messages {

  public static final Locale ENGLISH = Locale.ENGLISH;
  public static final Locale SWEDISH = Locale.forLanguageTag("sv");
  /** A constraint of our profiles has its text under this prefix and its key. */
  public static final String CONSTRAINT_PREFIX = "constraint.";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d)}");
  private static final Map<String, String> EN = load("messages/samverkan.properties");
  private static final Map<String, String> SV = load("messages/samverkan_sv.properties");
  /** English templates, longest literal text first: the most specific one recognises a text. */
  private static final List<Template> TEMPLATES = templates();

  private Messages() {}

  /** A message of ours with its arguments: what was said, in no language yet. */
  public record Said(String id, List<String> arguments) {}

  private record Template(String id, Pattern pattern, int literal) {}

  /** The English text of a message: what code throws and logs. */
  public static String english(Message message, Object... arguments) {
    return fill(EN.get(message.id()), arguments);
  }

  /**
   * The English text of an entry that data names rather than code (a reservnummer's form): no
   * constant, so a missing one fails when its class loads, and in MessageCatalogueTest.
   */
  public static String english(String id) {
    return fill(EN.get(id), new Object[0]);
  }

  /** The message in a language (English unless Swedish), its arguments put into that language too. */
  public static String render(Said said, Locale language) {
    Map<String, String> texts = SWEDISH.getLanguage().equals(language.getLanguage()) ? SV : EN;
    Object[] arguments = said.arguments().stream().map(a -> nested(a, language)).toArray();
    return fill(texts.get(said.id()), arguments);
  }

  /** The message of ours an English text is, if it is one. */
  public static Optional<Said> recognise(String english) {
    if (english == null) {
      return Optional.empty();
    }
    for (Template template : TEMPLATES) {
      Matcher m = template.pattern().matcher(english);
      if (m.matches()) {
        List<String> arguments = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
          arguments.add(m.group(i));
        }
        Said said = new Said(template.id(), List.copyOf(arguments));
        if (understood(said)) {
          return Optional.of(said);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The validator's words for a failed constraint are ours only for our own constraints: one of
   * HL7's (dom-6, ele-1) would come out half Swedish, half English.
   */
  private static boolean understood(Said said) {
    return !said.id().equals(Message.CONSTRAINT_FAILED.id())
        || EN.containsKey(CONSTRAINT_PREFIX + said.arguments().get(0));
  }

  /**
   * An argument that is itself a message of ours is put into the language too, with its own
   * arguments: a constraint's text in {@code validation.constraint-failed}, the reason in
   * {@code subscription.endpoint.refused}, {@code search.value-of} in {@code value.decimal-too-large}.
   * An argument is shorter than the text it is in, so this ends.
   */
  private static String nested(String argument, Locale language) {
    return recognise(argument).map(said -> render(said, language)).orElse(argument);
  }

  /** Every id in a language's file, with its text. */
  public static Map<String, String> catalogue(Locale language) {
    return Collections.unmodifiableMap(SWEDISH.getLanguage().equals(language.getLanguage()) ? SV : EN);
  }

  private static String fill(String template, Object[] arguments) {
    if (template == null) {
      throw new IllegalStateException("A message is missing from the catalogue");
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(arguments[Integer.parseInt(m.group(1))])));
    }
    return m.appendTail(out).toString();
  }

  private static List<Template> templates() {
    List<Template> templates = new ArrayList<>();
    EN.forEach((id, text) -> {
      StringBuilder regex = new StringBuilder();
      Matcher m = PLACEHOLDER.matcher(text);
      int last = 0;
      int literal = 0;
      while (m.find()) {
        regex.append(Pattern.quote(text.substring(last, m.start()))).append("(.+?)");
        literal += m.start() - last;
        last = m.end();
      }
      regex.append(Pattern.quote(text.substring(last)));
      literal += text.length() - last;
      templates.add(new Template(id, Pattern.compile(regex.toString(), Pattern.DOTALL), literal));
    });
    templates.sort(Comparator.comparingInt(Template::literal).reversed());
    return List.copyOf(templates);
  }

  private static Map<String, String> load(String resource) {
    Properties properties = new Properties();
    try (InputStream in = Messages.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing");
      }
      properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> texts = new LinkedHashMap<>();
    properties.stringPropertyNames().stream().sorted().forEach(id -> texts.put(id, properties.getProperty(id)));
    return texts;
  }
}
