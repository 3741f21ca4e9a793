package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.validation.IInstanceValidatorModule;
import ca.uhn.fhir.validation.IValidationContext;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.beans.factory.ObjectProvider;

/**
 * HAPI's instance validator (structure, profiles, terminology) followed by the Swedish identifier
 * rules. Registered as the primary {@link IInstanceValidatorModule}, so HAPI's own
 * {@code $validate} runs the same checks as the write-time enforcement, and against the same
 * profiles unless the client names one.
 */
public class SamverkanValidator implements IInstanceValidatorModule {

  private final IValidatorModule instanceValidator;
  private final IValidatorModule swedishRules;
  private final IValidationSupport validationSupport;
  /** Lazily: the catalog reads the installed package, which needs validation support first. */
  private final ObjectProvider<ProfileCatalog> catalog;
  private final ProfilesProperties.Enforcement mode;

  public SamverkanValidator(
      IValidatorModule instanceValidator, IValidatorModule swedishRules, IValidationSupport validationSupport,
      ObjectProvider<ProfileCatalog> catalog, ProfilesProperties.Enforcement mode) {
    this.instanceValidator = instanceValidator;
    this.swedishRules = swedishRules;
    this.validationSupport = validationSupport;
    this.catalog = catalog;
    this.mode = mode;
  }

  @Override
  public void validateResource(IValidationContext<IBaseResource> context) {
    IValidationContext<IBaseResource> judged = judgedAsAWriteWould(context);
    reportUnknownProfiles(judged);
    instanceValidator.validateResource(judged);
    swedishRules.validateResource(judged);
  }

  /**
   * {@code $validate} without {@code ?profile=} validated against the base specification and
   * {@code meta.profile} only (HAPI 8.8, BaseHapiFhirResourceDao#validate), so a CarePlan that a
   * write refuses with errors passed with a warning. With no profile asked for, it is judged by the
   * profiles a write would apply (the write-time check always names its profiles).
   */
  private IValidationContext<IBaseResource> judgedAsAWriteWould(IValidationContext<IBaseResource> context) {
    if (!context.getOptions().getProfiles().isEmpty() || !(context.getResource() instanceof Resource resource)) {
      return context;
    }
    Set<String> profiles = catalog.getObject().profilesAWriteApplies(resource, mode);
    if (profiles.isEmpty()) {
      return context;
    }
    // A copy: the caller's options may be HAPI's immutable empty ones (ValidationOptions#empty).
    ValidationOptions options = new ValidationOptions().setAppContext(context.getOptions().getAppContext());
    profiles.forEach(options::addProfile);
    return new WithOptions(context, options);
  }

  /** The same validation, messages collected in the same place, against other profiles. */
  private record WithOptions(IValidationContext<IBaseResource> context, ValidationOptions options)
      implements IValidationContext<IBaseResource> {
    @Override
    public FhirContext getFhirContext() {
      return context.getFhirContext();
    }

    @Override
    public IBaseResource getResource() {
      return context.getResource();
    }

    @Override
    public String getResourceAsString() {
      return context.getResourceAsString();
    }

    @Override
    public EncodingEnum getResourceAsStringEncoding() {
      return context.getResourceAsStringEncoding();
    }

    @Override
    public void addValidationMessage(SingleValidationMessage message) {
      context.addValidationMessage(message);
    }

    @Override
    public List<SingleValidationMessage> getMessages() {
      return context.getMessages();
    }

    @Override
    public ValidationResult toResult() {
      return context.toResult();
    }

    @Override
    public ValidationOptions getOptions() {
      return options;
    }
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
