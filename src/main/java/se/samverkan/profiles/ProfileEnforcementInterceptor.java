package se.samverkan.profiles;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.interceptor.ValidationResultEnrichingInterceptor;
import ca.uhn.fhir.util.ResourceUtil;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * Checks every create and update — single requests and transaction entries alike — against the
 * Samverkan profiles, as configured by {@code samverkan.profiles.enforcement}, and refuses a
 * non-conforming resource with 422 and an OperationOutcome naming each problem's element.
 */
@Interceptor(order = HookOrder.PROFILES_ENFORCED)
public class ProfileEnforcementInterceptor implements ServerInterceptor {

  private final ProfilesProperties.Enforcement mode;
  private final ProfileCatalog catalog;
  private final FhirValidator validator;
  private final FhirContext fhirContext;
  private final IParser prettyJson;
  private final ValidationMemo memo;

  public ProfileEnforcementInterceptor(ProfilesProperties properties, ProfileCatalog catalog, FhirContext fhirContext,
      SamverkanValidator module, ValidationMemo memo) {
    this.mode = properties.enforcement();
    this.catalog = catalog;
    this.fhirContext = fhirContext;
    this.prettyJson = fhirContext.newJsonParser().setPrettyPrint(true);
    this.memo = memo;
    this.validator = fhirContext.newValidator();
    this.validator.registerValidatorModule(module);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    enforce(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    enforce(resource, request);
  }

  void enforce(IBaseResource stored, RequestDetails request) {
    if (mode == ProfilesProperties.Enforcement.OFF || !(stored instanceof Resource resource)) {
      return;
    }
    Set<String> profiles = catalog.profilesAWriteApplies(resource, mode);
    if (profiles.isEmpty()) {
      return;
    }
    List<SingleValidationMessage> messages = judge(resource, profiles);
    List<SingleValidationMessage> errors = messages.stream()
        .filter(m -> m.getSeverity() != null && m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .toList();
    if (errors.isEmpty()) {
      // A stored resource's warnings (a birthDate other than the personnummer's, a code the server
      // cannot check) go into the OperationOutcome a client gets with Prefer: return=OperationOutcome,
      // by HAPI's own mechanism (ValidationResultEnrichingInterceptor#addValidationResultToRequestDetails, 8.8).
      List<SingleValidationMessage> warnings = messages.stream()
          .filter(m -> m.getSeverity() == ResultSeverityEnum.WARNING)
          .toList();
      if (!warnings.isEmpty()) {
        ValidationResultEnrichingInterceptor.addValidationResultToRequestDetails(
            request, new ValidationResult(fhirContext, warnings));
      }
      return;
    }
    OperationOutcome outcome = (OperationOutcome) new ValidationResult(fhirContext, errors).toOperationOutcome();
    throw new UnprocessableEntityException(
        fhirContext,
        outcome.addIssue(new OperationOutcome.OperationOutcomeIssueComponent()
            .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
            .setCode(OperationOutcome.IssueType.INFORMATIONAL)
            .setDiagnostics(Messages.english(Message.DOES_NOT_CONFORM, resource.fhirType(), String.join(", ", profiles)))));
  }

  /** The validator's messages on the resource against these profiles, reused where the memo may. */
  List<SingleValidationMessage> judge(Resource resource, Set<String> profiles) {
    // HAPI keeps the request body beside the parsed resource and would validate that; what is
    // stored is the resource as interceptors (e.g. IdentifierNormalizer) have left it. It is
    // validated as pretty-printed JSON, which the validator then reads instead of encoding the
    // resource itself: a message's line and column depend on the structure only (ValidationMemo).
    // The encoding is recorded too: for an XML request the validator would otherwise read the
    // JSON as XML and refuse every XML write ("not valid XML").
    String json = prettyJson.encodeResourceToString(resource);
    ValidationOptions options = new ValidationOptions();
    profiles.forEach(options::addProfile);
    try {
      return memo.messages(json, profiles, () -> {
        ResourceUtil.addRawDataToResource(resource, EncodingEnum.JSON, json);
        return validator.validateWithResult(resource, options).getMessages();
      });
    } finally {
      ResourceUtil.addRawDataToResource(resource, EncodingEnum.JSON, null);
    }
  }
}
