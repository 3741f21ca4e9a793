package se.samverkan.messages;

import java.util.List;
import java.util.Locale;

/**
 * The language of the answer: Swedish when {@code Accept-Language} prefers it (sv, sv-SE, with
 * q-values as RFC 9110 §12.5.4 says; "de, sv;q=0.5" too, since German is not spoken here), otherwise English, also when the header is absent or not
 * understood.
 */
public final class MessageLanguage {

  /** The languages of the catalogue. */
  private static final List<Locale> SPOKEN = List.of(Messages.ENGLISH, Messages.SWEDISH);

  private MessageLanguage() {}

  public static Locale of(String acceptLanguage) {
    if (acceptLanguage == null || acceptLanguage.isBlank()) {
      return Messages.ENGLISH;
    }
    try {
      // RFC 4647 §3.4 lookup: "sv-SE" falls back to "sv"; a language we do not speak is passed over.
      Locale best = Locale.lookup(Locale.LanguageRange.parse(acceptLanguage), SPOKEN);
      return best == null ? Messages.ENGLISH : best;
    } catch (IllegalArgumentException notAHeader) {
      return Messages.ENGLISH;
    }
  }

  /** The value of {@code Content-Language} for an answer in that language. */
  public static String tag(Locale language) {
    return language.toLanguageTag();
  }
}
