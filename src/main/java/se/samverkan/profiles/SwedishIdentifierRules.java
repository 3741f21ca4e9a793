package se.samverkan.profiles;

import ca.uhn.fhir.validation.IValidationContext;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The Patient rules that FHIRPath cannot express: a personnummer's or samordningsnummer's date
 * and Luhn check digit, the form of a national or regional reservnummer where one is documented,
 * a warning when the birthDate differs from the date in the number; and an organisationsnummer's
 * Luhn check digit, also where it is embedded in an HSA-id (Organization, Practitioner,
 * PractitionerRole).
 * Part of every validation, on write and in {@code $validate}.
 */
public class SwedishIdentifierRules implements IValidatorModule {


  @Override
  public void validateResource(IValidationContext<IBaseResource> context) {
    if (context.getResource() instanceof Organization organization) {
      validateOrganisationsnummer(context, organization);
      validateHsaIds(context, "Organization", organization.getIdentifier());
    } else if (context.getResource() instanceof Practitioner practitioner) {
      validateHsaIds(context, "Practitioner", practitioner.getIdentifier());
    } else if (context.getResource() instanceof PractitionerRole role) {
      validateHsaIds(context, "PractitionerRole", role.getIdentifier());
    }
    if (!(context.getResource() instanceof Patient patient)) {
      return;
    }
    List<Identifier> identifiers = patient.getIdentifier();
    for (int i = 0; i < identifiers.size(); i++) {
      Identifier identifier = identifiers.get(i);
      String system = SwedishPersonIdentifiers.canonicalSystem(identifier.getSystem());
      String path = "Patient.identifier[" + i + "].value";
      if (SwedishPersonIdentifiers.isPersonnummerOrSamordningsnummer(system)) {
        boolean samordningsnummer = Vocabulary.SAMORDNINGSNUMMER.equals(system);
        Optional<String> problem = SwedishPersonIdentifiers.problem(identifier.getValue(), samordningsnummer);
        if (problem.isPresent()) {
          error(context, path, problem.get());
        } else if (patient.hasBirthDate()) {
          LocalDate fromNumber =
              SwedishPersonIdentifiers.birthDate(identifier.getValue(), samordningsnummer).orElseThrow();
          String birthDate = patient.getBirthDateElement().getValueAsString();
          if (!fromNumber.toString().startsWith(birthDate)) {
            // Not an error: when a day's birth numbers run out, Skatteverket gives a personnummer
            // with a nearby date, so the person's real birthDate differs from it. Neither date is
            // repeated: both are personal data.
            message(context, ResultSeverityEnum.WARNING, "Patient.birthDate", Messages.english(samordningsnummer
                ? Message.BIRTHDATE_DIFFERS_SAMORDNINGSNUMMER : Message.BIRTHDATE_DIFFERS_PERSONNUMMER));
          }
        }
      } else {
        SwedishPersonIdentifiers.reserveSystem(system)
            .filter(reserve -> !reserve.accepts(identifier.getValue()))
            .ifPresent(reserve -> error(context, path,
                Messages.english(Message.RESERVE_FORM, reserve.name(), reserve.formInWords())));
      }
    }
  }

  /**
   * The form (ten digits, the third 2 or more) is samverkan-orgnr-1 in the profile, where other
   * validators see it too; the Luhn check digit, which FHIRPath cannot compute, is checked here.
   */
  private static void validateOrganisationsnummer(IValidationContext<IBaseResource> context, Organization organization) {
    List<Identifier> identifiers = organization.getIdentifier();
    for (int i = 0; i < identifiers.size(); i++) {
      String value = identifiers.get(i).getValue();
      if (Vocabulary.ORGANISATIONSNUMMER.equals(identifiers.get(i).getSystem()) && value != null && value.matches("\\d{10}")) {
        int expected = SwedishPersonIdentifiers.luhn(value.substring(0, 9));
        if (expected != value.charAt(9) - '0') {
          error(context, "Organization.identifier[" + i + "].value",
              Messages.english(Message.ORGANISATIONSNUMMER_CHECK_DIGIT, expected));
        }
      }
    }
  }

  /**
   * An HSA-id is issued under its organisation's number: {@code SE}, the ten digits of the
   * organisationsnummer (or, for a sole trader, the personnummer's ten digits), {@code -}, a local
   * part (HL7 Sweden's example SE2321000131-P000000123457: VGR, 232100-0131). Both kinds of number
   * end in a Luhn check digit, so a wrong one means a mistyped HSA-id. The form itself is
   * samverkan-hsa-1 in the profiles.
   */
  private static void validateHsaIds(IValidationContext<IBaseResource> context, String type, List<Identifier> identifiers) {
    for (int i = 0; i < identifiers.size(); i++) {
      Identifier identifier = identifiers.get(i);
      String value = identifier.getValue();
      if (Vocabulary.HSA_ID.equals(identifier.getSystem()) && value != null && value.matches("SE\\d{10}-.+")) {
        int expected = SwedishPersonIdentifiers.luhn(value.substring(2, 11));
        if (expected != value.charAt(11) - '0') {
          error(context, type + ".identifier[" + i + "].value",
              Messages.english(Message.HSA_ID_CHECK_DIGIT, expected));
        }
      }
    }
  }

  private static void error(IValidationContext<IBaseResource> context, String path, String message) {
    message(context, ResultSeverityEnum.ERROR, path, message);
  }

  private static void message(
      IValidationContext<IBaseResource> context, ResultSeverityEnum severity, String path, String message) {
    SingleValidationMessage m = new SingleValidationMessage();
    m.setSeverity(severity);
    m.setLocationString(path);
    m.setMessage(message);
    m.setMessageId("samverkan-swedish-identifier");
    context.addValidationMessage(m);
  }
}
