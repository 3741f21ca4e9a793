package se.samverkan.profiles;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.IInstanceValidatorModule;
import ca.uhn.fhir.validation.IValidationContext;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's instance validator (structure, profiles, terminology) followed by the Swedish identifier
 * rules. Registered as the primary {@link IInstanceValidatorModule}, so HAPI's own
 * {@code $validate} runs the same checks as the write-time enforcement.
 */
public class SamverkanValidator implements IInstanceValidatorModule {

  private final IValidatorModule instanceValidator;
  private final IValidatorModule swedishRules;
  private final IValidationSupport validationSupport;

  public SamverkanValidator(
      IValidatorModule instanceValidator, IValidatorModule swedishRules, IValidationSupport validationSupport) {
    this.instanceValidator = instanceValidator;
    this.swedishRules = swedishRules;
    this.validationSupport = validationSupport;
  }

  @Override
  public void validateResource(IValidationContext<IBaseResource> context) {
    reportUnknownProfiles(context);
    instanceValidator.validateResource(context);
    swedishRules.validateResource(context);
  }

  /**
   * FHIR's $validate must fail when it cannot validate against the profile asked for; HAPI 8.8
   * passes over an unknown profile in silence.
   */
  private void reportUnknownProfiles(IValidationContext<IBaseResource> context) {
    for (String profile : context.getOptions().getProfiles()) {
      if (validationSupport.fetchStructureDefinition(profile.split("\\|")[0]) == null) {
        SingleValidationMessage message = new SingleValidationMessage();
        message.setSeverity(ResultSeverityEnum.ERROR);
        message.setMessage("The profile " + profile + " is not known to this server, so nothing was validated against it");
        message.setMessageId("samverkan-unknown-profile");
        context.addValidationMessage(message);
      }
    }
  }
}
