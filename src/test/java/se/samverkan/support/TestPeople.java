package se.samverkan.support;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Patient;
import se.samverkan.profiles.SwedishPersonIdentifiers;

/**
 * Synthetic people for tests. Personnummer use birth numbers 980–999, the series Skatteverket
 * keeps for test persons, with a correct check digit; each call gives a new one.
 */
public final class TestPeople {

  public static final String PERSONNUMMER = "http://electronichealth.se/identifier/personnummer";
  /** Identifier system for test data that needs only to be unique. */
  public static final String TEST_ID = "urn:samverkan:test";

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final LocalDate FIRST_BIRTH_DATE = LocalDate.of(1931, 1, 1);

  private TestPeople() {}

  /** A fresh 12-digit test personnummer, e.g. 193101019801 with its Luhn digit. */
  public static String personnummer() {
    int n = SEQUENCE.getAndIncrement();
    LocalDate birth = FIRST_BIRTH_DATE.plusDays(n / 20);
    String nine = birth.format(DateTimeFormatter.ofPattern("yyMMdd")) + (980 + n % 20);
    return birth.getYear() / 100 + nine + SwedishPersonIdentifiers.luhn(nine);
  }

  public static String uniqueId() {
    return UUID.randomUUID().toString();
  }

  /** An elderly synthetic patient identified by a fresh personnummer. */
  public static Patient patient() {
    String pnr = personnummer();
    Patient patient = new Patient();
    patient.addIdentifier().setSystem(PERSONNUMMER).setValue(pnr);
    patient.addName().setFamily("Testsson").addGiven("Greta");
    patient.setGender(Enumerations.AdministrativeGender.FEMALE);
    patient.setBirthDateElement(
        new org.hl7.fhir.r4.model.DateType(
            pnr.substring(0, 4) + "-" + pnr.substring(4, 6) + "-" + pnr.substring(6, 8)));
    return patient;
  }
}
