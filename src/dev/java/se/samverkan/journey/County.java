package se.samverkan.journey;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The sample county of {@code examples/00-county.json} as the generated population refers to it:
 * its units and staff by HSA-id, and which vårdcentral serves which kommun. The population
 * bundles never write these resources; they point at them by conditional reference, so the
 * county file must be loaded first.
 */
final class County {


  /** An Organization of the county. */
  record Unit(String hsaId, String name) {
    Reference reference() {
      return new Reference("Organization?identifier=" + Vocabulary.HSA_ID + "|" + hsaId).setDisplay(name);
    }

    /** Without display, as the journeys write onBehalfOf and managingOrganization. */
    Reference bareReference() {
      return new Reference("Organization?identifier=" + Vocabulary.HSA_ID + "|" + hsaId);
    }
  }

  /** A role code of https://samverkan.se/fhir/CodeSystem/role with its display. */
  enum Role {
    SAMORDNARE_VARDCENTRAL("samordningssjukskoterska-vardcentral", "Samordningssjuksköterska, vårdcentral"),
    SAMORDNARE_KOMMUN("samordningssjukskoterska-kommun", "Samordningssjuksköterska, kommun"),
    SAMORDNARE_SLUTENVARD("samordningssjukskoterska-slutenvard", "Samordningssjuksköterska, slutenvård"),
    LAKARE("patientansvarig-lakare", "Patientansvarig läkare"),
    HEMSJUKVARD("hemsjukvardssjukskoterska", "Hemsjukvårdssjuksköterska"),
    BISTAND("bistandshandlaggare", "Biståndshandläggare");

    final String code;
    final String display;

    Role(String code, String display) {
      this.code = code;
      this.display = display;
    }
  }

  /** A Practitioner and their one PractitionerRole (the assignment has its own HSA-id). */
  record Staff(String practitionerHsaId, String roleHsaId, String name, Role role, Unit unit) {
    Reference practitioner() {
      return new Reference("Practitioner?identifier=" + Vocabulary.HSA_ID + "|" + practitionerHsaId).setDisplay(name);
    }

    /** As the journeys write it: "Per Läkarsson, patientansvarig läkare". */
    Reference practitionerRole() {
      return new Reference("PractitionerRole?identifier=" + Vocabulary.HSA_ID + "|" + roleHsaId)
          .setDisplay(name + ", " + role.display.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /**
   * A kommun with the vårdcentral its residents are listed at, its postal-code prefix and its
   * weight (roughly its share of the county's population, in percent).
   */
  record Kommun(String code, String name, Unit organization, Unit vardcentral, String postalPrefix, int weight) {}

  static final Unit ED = new Unit("SE2321000081-SV1010", "Akutmottagningen, Blekingesjukhuset (exempel)");
  static final Unit GERIATRIC_WARD =
      new Unit("SE2321000081-SV1020", "Geriatriska avdelningen, Blekingesjukhuset (exempel)");

  static final Unit VC_KARLSKRONA = new Unit("SE2321000081-SV2080", "Vårdcentralen Karlskrona (exempel)");
  static final Unit VC_RONNEBY = new Unit("SE2321000081-SV2081", "Vårdcentralen Ronneby (exempel)");
  static final Unit VC_KARLSHAMN = new Unit("SE2321000081-SV2082", "Vårdcentralen Karlshamn (exempel)");
  static final Unit VC_SOLVESBORG = new Unit("SE2321000081-SV2083", "Vårdcentralen Sölvesborg (exempel)");

  static final Unit OLOFSTROM_KOMMUN = new Unit("SE2120000811-SV1060", "Olofström kommun (exempel)");
  static final Unit KARLSKRONA_KOMMUN = new Unit("SE2120000829-SV1080", "Karlskrona kommun (exempel)");
  static final Unit RONNEBY_KOMMUN = new Unit("SE2120000837-SV1081", "Ronneby kommun (exempel)");
  static final Unit KARLSHAMN_KOMMUN = new Unit("SE2120000845-SV1082", "Karlshamn kommun (exempel)");
  static final Unit SOLVESBORG_KOMMUN = new Unit("SE2120000852-SV1083", "Sölvesborg kommun (exempel)");

  /**
   * Olofström has no vårdcentral in the sample county; its residents are listed in Karlshamn,
   * the nearest one with a coordination nurse.
   */
  static final List<Kommun> KOMMUNER = List.of(
      new Kommun("1080", "Karlskrona", KARLSKRONA_KOMMUN, VC_KARLSKRONA, "371", 42),
      new Kommun("1081", "Ronneby", RONNEBY_KOMMUN, VC_RONNEBY, "372", 18),
      new Kommun("1082", "Karlshamn", KARLSHAMN_KOMMUN, VC_KARLSHAMN, "374", 20),
      new Kommun("1083", "Sölvesborg", SOLVESBORG_KOMMUN, VC_SOLVESBORG, "294", 11),
      new Kommun("1060", "Olofström", OLOFSTROM_KOMMUN, VC_KARLSHAMN, "293", 9));

  /** Every staff member of 00-county.json, in its order. */
  static final List<Staff> STAFF = List.of(
      new Staff("SE2321000081-SVP001", "SE2321000081-SVU001", "Sara Samordnarsson", Role.SAMORDNARE_VARDCENTRAL, VC_RONNEBY),
      new Staff("SE2321000081-SVP002", "SE2321000081-SVU002", "Karin Kontaktsdotter", Role.SAMORDNARE_VARDCENTRAL, VC_KARLSKRONA),
      new Staff("SE2321000081-SVP003", "SE2321000081-SVU003", "Johan Slutensson", Role.SAMORDNARE_SLUTENVARD, GERIATRIC_WARD),
      new Staff("SE2321000081-SVP004", "SE2321000081-SVU004", "Per Läkarsson", Role.LAKARE, VC_RONNEBY),
      new Staff("SE2321000081-SVP005", "SE2321000081-SVU005", "Eva Doktorsdotter", Role.LAKARE, VC_KARLSKRONA),
      new Staff("SE2321000081-SVP006", "SE2321000081-SVU006", "Ali Geriatriksson", Role.LAKARE, GERIATRIC_WARD),
      new Staff("SE2321000081-SVP007", "SE2321000081-SVU007", "Maja Mottagningsdotter", Role.LAKARE, VC_SOLVESBORG),
      new Staff("SE2120000829-SVP101", "SE2120000829-SVU101", "Lena Kommunsdotter", Role.SAMORDNARE_KOMMUN, KARLSKRONA_KOMMUN),
      new Staff("SE2120000837-SVP102", "SE2120000837-SVU102", "Maria Samverkansdotter", Role.SAMORDNARE_KOMMUN, RONNEBY_KOMMUN),
      new Staff("SE2120000837-SVP103", "SE2120000837-SVU103", "Ida Hemsjukvårdsson", Role.HEMSJUKVARD, RONNEBY_KOMMUN),
      new Staff("SE2120000829-SVP104", "SE2120000829-SVU104", "Nils Hembesöksson", Role.HEMSJUKVARD, KARLSKRONA_KOMMUN),
      new Staff("SE2120000829-SVP105", "SE2120000829-SVU105", "Fatima Biståndsdotter", Role.BISTAND, KARLSKRONA_KOMMUN),
      new Staff("SE2321000081-SVP008", "SE2321000081-SVU008", "Olle Karlshamnsson", Role.SAMORDNARE_VARDCENTRAL, VC_KARLSHAMN),
      new Staff("SE2321000081-SVP009", "SE2321000081-SVU009", "Lisa Karlshamnsdotter", Role.LAKARE, VC_KARLSHAMN),
      new Staff("SE2120000845-SVP106", "SE2120000845-SVU106", "Tove Kustdotter", Role.SAMORDNARE_KOMMUN, KARLSHAMN_KOMMUN));

  /** The ED's screening nurse, as in journey (a). */
  static final Staff ED_SCREENER = STAFF.get(2);

  private County() {}

  static List<Staff> staffAt(Unit unit) {
    return STAFF.stream().filter(s -> s.unit().equals(unit)).toList();
  }

  static Optional<Staff> staff(Unit unit, Role role) {
    return STAFF.stream().filter(s -> s.unit().equals(unit) && s.role() == role).findFirst();
  }

  /** Every vårdcentral of the county has a patientansvarig läkare. */
  static Staff physician(Unit vardcentral) {
    return staff(vardcentral, Role.LAKARE).orElseThrow();
  }

  /** The vårdcentral's coordination nurse, or its physician where it has none (Sölvesborg). */
  static Staff coordinator(Unit vardcentral) {
    return staff(vardcentral, Role.SAMORDNARE_VARDCENTRAL).orElseGet(() -> physician(vardcentral));
  }
}
