package se.samverkan.profiles;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of Swedish person identifiers (Skatteverket): personnummer and samordningsnummer
 * share the layout {@code YYYYMMDDNNNK} with a Luhn check digit over the last ten digits; a
 * samordningsnummer has 60 added to the day. Systems are HL7 Sweden's URIs; Inera's OIDs are
 * accepted as input and mapped to them.
 */
public final class SwedishPersonIdentifiers {

  public static final String PERSONNUMMER = "http://electronichealth.se/identifier/personnummer";
  public static final String SAMORDNINGSNUMMER =
      "http://electronichealth.se/identifier/samordningsnummer";
  public static final String NATIONELLT_RESERVNUMMER =
      "http://electronichealth.se/identifier/nationelltReservnummer";

  /** OID forms (RIV-TA / Inera) of the same identifier systems, as clients may send them. */
  static final Map<String, String> OID_TO_URI =
      Map.of(
          "urn:oid:1.2.752.129.2.1.3.1", PERSONNUMMER,
          "urn:oid:1.2.752.129.2.1.3.3", SAMORDNINGSNUMMER,
          "urn:oid:1.2.752.74.9.1", NATIONELLT_RESERVNUMMER);

  /** 12 or 10 digits, optionally with the separator "-" (or "+" for people aged 100 or more). */
  private static final Pattern WRITTEN =
      Pattern.compile("^(\\d{2})?(\\d{6})([-+]?)(\\d{4})$");

  private static final Pattern RESERVNUMMER =
      Pattern.compile("^[0-9]{8}-?([A-HJ-NPR-UXYZ]{2}[0-9]{2}|[A-HJ-NPR-UXYZ]{3}[0-9])$");

  private SwedishPersonIdentifiers() {}

  /** The URI for an identifier system, whether given as URI or as OID. */
  public static String canonicalSystem(String system) {
    return system == null ? null : OID_TO_URI.getOrDefault(system, system);
  }

  public static boolean isPersonnummerOrSamordningsnummer(String system) {
    return PERSONNUMMER.equals(system) || SAMORDNINGSNUMMER.equals(system);
  }

  /**
   * The 12-digit form of a personnummer or samordningsnummer written in any common way
   * ({@code 19121212-1212}, {@code 121212-1212}, {@code 1212121212}, {@code 121212+1212}), taking
   * the century from today's date as Skatteverket does; empty if it is not such a number at all.
   */
  public static Optional<String> normalise(String value, LocalDate today, boolean samordningsnummer) {
    if (value == null) {
      return Optional.empty();
    }
    Matcher m = WRITTEN.matcher(value.replace(" ", ""));
    if (!m.matches()) {
      return Optional.empty();
    }
    String yymmdd = m.group(2);
    if (m.group(1) != null) {
      return Optional.of(m.group(1) + yymmdd + m.group(4));
    }
    int yy = Integer.parseInt(yymmdd.substring(0, 2));
    int century = today.getYear() / 100;
    int year = century * 100 + yy;
    if (year > today.getYear()) {
      year -= 100;
    }
    if ("+".equals(m.group(3))) {
      year -= 100;
    }
    // A birthday later this year still belongs to this century's year only if it is not in the future.
    Optional<LocalDate> birth = birthDate(year + yymmdd.substring(2), samordningsnummer);
    if (birth.isPresent() && birth.get().isAfter(today)) {
      year -= 100;
    }
    return Optional.of(String.format("%04d", year) + yymmdd.substring(2) + m.group(4));
  }

  /** Whether a number written in any common form has a samordningsnummer's day (61–91). */
  public static boolean looksLikeSamordningsnummer(String value) {
    Matcher m = value == null ? null : WRITTEN.matcher(value.replace(" ", ""));
    return m != null && m.matches() && Integer.parseInt(m.group(2).substring(4, 6)) > 60;
  }

  /** What is wrong with a 12-digit personnummer or samordningsnummer, or empty if nothing. */
  public static Optional<String> problem(String value, boolean samordningsnummer) {
    String kind = samordningsnummer ? "samordningsnummer" : "personnummer";
    if (value == null || !value.matches("\\d{12}")) {
      return Optional.of("A " + kind + " must be 12 digits, YYYYMMDDNNNK");
    }
    if (birthDate(value, samordningsnummer).isEmpty()) {
      return Optional.of(
          samordningsnummer
              ? "The samordningsnummer does not hold a possible date of birth: its day must be the"
                  + " day of birth plus 60 (61–91)"
              : "The personnummer does not hold a possible date of birth");
    }
    int expected = luhn(value.substring(2, 11));
    if (expected != value.charAt(11) - '0') {
      return Optional.of("The " + kind + "'s check digit is wrong: by the Luhn rule it would be " + expected);
    }
    return Optional.empty();
  }

  /** The date of birth a 12-digit number holds (samordningsnummer: day minus 60). */
  public static Optional<LocalDate> birthDate(String twelveDigits, boolean samordningsnummer) {
    try {
      int year = Integer.parseInt(twelveDigits.substring(0, 4));
      int month = Integer.parseInt(twelveDigits.substring(4, 6));
      int day = Integer.parseInt(twelveDigits.substring(6, 8));
      if (samordningsnummer) {
        if (day < 61) {
          return Optional.empty();
        }
        day -= 60;
      }
      return Optional.of(LocalDate.of(year, month, day));
    } catch (DateTimeException | NumberFormatException | IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  public static boolean isReservnummer(String value) {
    return value != null && RESERVNUMMER.matcher(value).matches();
  }

  /** The Luhn (mod 10) check digit of the given digits, weights 2,1,2,1,… from the left. */
  public static int luhn(String digits) {
    int sum = 0;
    for (int i = 0; i < digits.length(); i++) {
      int product = (digits.charAt(i) - '0') * (i % 2 == 0 ? 2 : 1);
      sum += product / 10 + product % 10;
    }
    return (10 - sum % 10) % 10;
  }
}
