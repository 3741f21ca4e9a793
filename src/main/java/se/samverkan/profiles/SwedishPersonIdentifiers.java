package se.samverkan.profiles;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The rules of Swedish person identifiers (Skatteverket): personnummer and samordningsnummer
 * share the layout {@code YYYYMMDDNNNK} with a Luhn check digit over the last ten digits; a
 * samordningsnummer has 60 added to the day. Systems are HL7 Sweden's URIs; Inera's OIDs are
 * accepted as input and mapped to them.
 */
public final class SwedishPersonIdentifiers {


  /** OID forms (RIV-TA / Inera) of the same identifier systems, as clients may send them. */
  static final Map<String, String> OID_TO_URI =
      Map.of(
          Vocabulary.PERSONNUMMER_OID, Vocabulary.PERSONNUMMER,
          Vocabulary.SAMORDNINGSNUMMER_OID, Vocabulary.SAMORDNINGSNUMMER,
          Vocabulary.NATIONELLT_RESERVNUMMER_OID, Vocabulary.NATIONELLT_RESERVNUMMER);

  /** 12 or 10 digits, optionally with the separator "-" (or "+" for people aged 100 or more). */
  private static final Pattern WRITTEN =
      Pattern.compile("^(\\d{2})?(\\d{6})([-+]?)(\\d{4})$");


  /**
   * A system that identifies a patient who has no personnummer or samordningsnummer, with the
   * form its values take where one is documented ({@code form} null: none is, so none is checked),
   * and where both are documented ({@code source}).
   */
  public record ReserveIdentifierSystem(String system, String name, String source, Pattern form, String formInWords) {
    public boolean accepts(String value) {
      return form == null || (value != null && form.matcher(value).matches());
    }
  }

  private static final String HL7_SWEDEN_BASE = "HL7 Sweden, hl7se.fhir.base 1.1.0 (system); the form from basprofiler-r4"
      + " branch 51-restrict-the-personnummer-slice, PatientIdentifierConformancePatternSE.fsh (2025-02-10)";
  private static final String HL7_SWEDEN_LMA = "HL7 Sweden, hl7se.fhir.base 1.1.0, SEBaseLMANummer (system only)";
  private static final String HL7_SWEDEN_BRANCH = "HL7 Sweden, basprofiler-r4 branch 51-restrict-the-personnummer-slice,"
      + " patient.fsh and PatientIdentifierConformancePatternSE.fsh (2025-02-10, not released)";
  private static final String INERA_RIV_OIDS = "Inera's RIV list of OIDs (\"SLL reservnummer\"); the form is HL7 Sweden's"
      + " for Region Stockholm's URI (basprofiler-r4 branch 51-restrict-the-personnummer-slice)";

  private static final Pattern STOCKHOLM_FORM = Pattern.compile("^99[0-9]{10}$");
  private static final String STOCKHOLM_FORM_IN_WORDS = form("stockholm");

  private static final String DATE8 = "(1[89]|2[01])\\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])";

  /**
   * Every other system a Samverkan patient may be identified by: the nationellt reservnummer,
   * HL7 Sweden's LMA-nummer (hl7se.fhir.base 1.1.0, SEBaseLMANummer: system only, no form), and
   * the regional reservnummer systems with the forms HL7 Sweden lists for them (basprofiler-r4,
   * branch 51-restrict-the-personnummer-slice, PatientIdentifierConformancePatternSE.fsh, 2025-02-10).
   * Where that branch writes {@code [K|M|X]} (which also allows "|"), the class is {@code [KMX]}.
   */
  public static final List<ReserveIdentifierSystem> RESERVE_SYSTEMS = List.of(
      // The branch's national form, and the form of HL7 Sweden 1.1.0's own national example
      // (20210325K069: eight digits, K/M/X, three digits), which the branch's regex refuses.
      new ReserveIdentifierSystem(Vocabulary.NATIONELLT_RESERVNUMMER, "nationellt reservnummer", HL7_SWEDEN_BASE,
          Pattern.compile("^[0-9]{8}(-?([A-HJ-NPR-UXYZ]{2}[0-9]{2}|[A-HJ-NPR-UXYZ]{3}[0-9])|[KMX][0-9]{3})$"),
          form("national")),
      new ReserveIdentifierSystem(Vocabulary.LMA_NUMMER, "LMA-nummer", HL7_SWEDEN_LMA, null, null),
      new ReserveIdentifierSystem("urn:oid:1.2.752.74.9.5", "Region Blekinge reservnummer", HL7_SWEDEN_BRANCH,
          // The branch's regex has no hyphen; its own example (20200501-AA8A) has one.
          Pattern.compile("^" + DATE8 + "-?[A-Z]{2}[0-9][A-Z]$"),
          form("blekinge")),
      // The branch gives the form 99 + ten digits to Region Stockholm's URI; Inera's RIV list
      // names the OID "SLL reservnummer", which we take (no source says so) to be the same series
      // under the county council's old name.
      new ReserveIdentifierSystem("https://uid.regionstockholm.se/reservnummer", "Region Stockholm reservnummer", HL7_SWEDEN_BRANCH,
          STOCKHOLM_FORM, STOCKHOLM_FORM_IN_WORDS),
      new ReserveIdentifierSystem("urn:oid:1.2.752.97.3.1.3", "Region Stockholm (SLL) reservnummer", INERA_RIV_OIDS,
          STOCKHOLM_FORM, STOCKHOLM_FORM_IN_WORDS),
      new ReserveIdentifierSystem("urn:oid:1.2.752.113.11.0.2.1.1.1", "Västra Götalandsregionen reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^[0-9]{8}[KMX](0[6-9]|[1-8][0-9])[0-9]$"),
          form("vastra-gotaland")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.219.1.10.10.1", "Region Skåne reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^([0-9]{6}|[0-9]{8})[DEF][A-Z][01][A-Z]$"),
          form("skane")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.74.9.2", "Region Värmland reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^[0-9]{8}S[FUXPL][0-9]([A-UW-Z]|[1-9])$"),
          form("varmland")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.74.9.3", "Region Örebro län reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^" + DATE8 + "T[A-Z][0-9][A-J]$"), form("orebro")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.269.1.1", "Region Västernorrland reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^" + DATE8 + "[0-9]{3}R$"), form("vasternorrland")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.266.1.1.1", "Region Sörmland reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^" + DATE8 + "[A-Z]{2}[0-9][A-Z]$"), form("sormland")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.266.1.1.2", "Region Sörmland reservnummer (series 2)", HL7_SWEDEN_BRANCH,
          Pattern.compile("^(18500101|18600101)[MNKP](00[1-9]|[0-9][1-9][0-9]|[1-9][0-9]{2})$"),
          form("sormland-2")),
      new ReserveIdentifierSystem("urn:oid:1.2.752.129.2.1.3.2", "Inera CareLink reservnummer", HL7_SWEDEN_BRANCH,
          Pattern.compile("^(1[7-9]|20)[0-9]{2}(0[1-9]|1[0-2])(3[2-9]|[45][0-9])[0-9]{4}$"),
          form("carelink")));

  /** A form in words, from the message catalogue (reserve-form.*), where its Swedish is too. */
  private static String form(String name) {
    return Messages.english("reserve-form." + name);
  }

  private static final Map<String, ReserveIdentifierSystem> RESERVE_BY_SYSTEM =
      RESERVE_SYSTEMS.stream().collect(Collectors.toUnmodifiableMap(ReserveIdentifierSystem::system, r -> r));

  private SwedishPersonIdentifiers() {}

  /** The URI for an identifier system, whether given as URI or as OID. */
  public static String canonicalSystem(String system) {
    return system == null ? null : OID_TO_URI.getOrDefault(system, system);
  }

  public static boolean isPersonnummerOrSamordningsnummer(String system) {
    return Vocabulary.PERSONNUMMER.equals(system) || Vocabulary.SAMORDNINGSNUMMER.equals(system);
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
      return Optional.of(Messages.english(Message.IDENTIFIER_TWELVE_DIGITS, kind));
    }
    if (birthDate(value, samordningsnummer).isEmpty()) {
      return Optional.of(Messages.english(
          samordningsnummer ? Message.SAMORDNINGSNUMMER_NO_DATE : Message.PERSONNUMMER_NO_DATE));
    }
    int expected = luhn(value.substring(2, 11));
    if (expected != value.charAt(11) - '0') {
      return Optional.of(Messages.english(
          samordningsnummer ? Message.SAMORDNINGSNUMMER_CHECK_DIGIT : Message.PERSONNUMMER_CHECK_DIGIT, expected));
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

  /** The reserve identifier system (reservnummer, LMA-nummer) a canonical system is, if it is one. */
  public static Optional<ReserveIdentifierSystem> reserveSystem(String system) {
    return Optional.ofNullable(system).map(RESERVE_BY_SYSTEM::get);
  }

  /** Every system that identifies a Samverkan patient (samverkan-pat-1). */
  public static List<String> patientSystems() {
    return Stream.concat(Stream.of(Vocabulary.PERSONNUMMER, Vocabulary.SAMORDNINGSNUMMER), RESERVE_SYSTEMS.stream().map(ReserveIdentifierSystem::system))
        .toList();
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
