package se.samverkan.profiles;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.ValueSet;
import se.samverkan.server.ServerInterceptor;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * {@code ValueSet/$expand?url=…} of a value set that includes the whole of a code system this
 * server does not hold (condition-code: all of ICD-10-SE, KSH97-P and SNOMED CT; careplan-activity-code:
 * all of KVÅ) cannot be answered here.
 * HAPI 8.8 fails such an expansion as an internal error (TermReadSvcImpl#expandValueSetHandleIncludeOrExclude,
 * HAPI-0888: 500); this says so first, with 422 and issue code not-supported.
 */
@Interceptor
public class UnexpandableValueSets implements ServerInterceptor {

  private final IValidationSupport validationSupport;

  public UnexpandableValueSets(IValidationSupport validationSupport) {
    this.validationSupport = validationSupport;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void beforeExpand(RequestDetails request) {
    if (!"$expand".equals(request.getOperation()) || !"ValueSet".equals(request.getResourceName())) {
      return;
    }
    String[] urls = request.getParameters().get("url");
    if (urls == null || urls.length != 1) {
      return;
    }
    IBaseResource found = validationSupport.fetchValueSet(urls[0]);
    if (!(found instanceof ValueSet valueSet)) {
      return;
    }
    for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
      if (include.hasSystem() && !include.hasConcept() && validationSupport.fetchCodeSystem(include.getSystem()) == null) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(OperationOutcome.IssueType.NOTSUPPORTED)
            .setDiagnostics(Messages.english(Message.VALUESET_NOT_EXPANDABLE, valueSet.getUrl(), include.getSystem()));
        throw new UnprocessableEntityException(validationSupport.getFhirContext(), outcome);
      }
    }
  }
}
