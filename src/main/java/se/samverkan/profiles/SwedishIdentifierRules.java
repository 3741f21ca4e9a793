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
import org.hl7.fhir.r4.model.Patient;

/**
 * The Patient rules that FHIRPath cannot express: a personnummer's or samordningsnummer's date
 * and Luhn check digit, a reservnummer's format, and a birthDate that agrees with the number.
 * Part of every validation, on write and in {@code $validate}.
 */
public class SwedishIdentifierRules implements IValidatorModule {

  @Override
  public void validateResource(IValidationContext<IBaseResource> context) {
    if (!(context.getResource() instanceof Patient patient)) {
      return;
    }
    List<Identifier> identifiers = patient.getIdentifier();
    for (int i = 0; i < identifiers.size(); i++) {
      Identifier identifier = identifiers.get(i);
      String system = SwedishPersonIdentifiers.canonicalSystem(identifier.getSystem());
      String path = "Patient.identifier[" + i + "].value";
      if (SwedishPersonIdentifiers.isPersonnummerOrSamordningsnummer(system)) {
        boolean samordningsnummer = SwedishPersonIdentifiers.SAMORDNINGSNUMMER.equals(system);
        Optional<String> problem = SwedishPersonIdentifiers.problem(identifier.getValue(), samordningsnummer);
        if (problem.isPresent()) {
          error(context, path, problem.get());
        } else if (patient.hasBirthDate()) {
          LocalDate fromNumber =
              SwedishPersonIdentifiers.birthDate(identifier.getValue(), samordningsnummer).orElseThrow();
          String birthDate = patient.getBirthDateElement().getValueAsString();
          if (!fromNumber.toString().startsWith(birthDate)) {
            error(context, "Patient.birthDate",
                "birthDate " + birthDate + " contradicts the date of birth in the "
                    + (samordningsnummer ? "samordningsnummer" : "personnummer") + " (" + fromNumber + ")");
          }
        }
      } else if (SwedishPersonIdentifiers.NATIONELLT_RESERVNUMMER.equals(system)
          && !SwedishPersonIdentifiers.isReservnummer(identifier.getValue())) {
        error(context, path,
            "A nationellt reservnummer is 8 digits, an optional hyphen, and two letters and two digits"
                + " or three letters and one digit (not I, O, Q, V or W)");
      }
    }
  }

  private static void error(IValidationContext<IBaseResource> context, String path, String message) {
    SingleValidationMessage m = new SingleValidationMessage();
    m.setSeverity(ResultSeverityEnum.ERROR);
    m.setLocationString(path);
    m.setMessage(message);
    m.setMessageId("samverkan-swedish-identifier");
    context.addValidationMessage(m);
  }
}
