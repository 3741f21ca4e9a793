package se.samverkan.profiles;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.ValueSet;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.errors.ErrorOutcomes;

/**
 * {@code ValueSet/$expand?url=…} of a value set that includes the whole of a code system this
 * server does not hold (condition-code: all of ICD-10-SE, KSH97-P and SNOMED CT; careplan-activity-code:
 * all of KVÅ) cannot be answered here.
 * HAPI 8.8 fails such an expansion as an internal error (TermReadSvcImpl#expandValueSetHandleIncludeOrExclude,
 * HAPI-0888: 500); this says so first, with 422 and issue code not-supported. The same holds for
 * a ValueSet sent inline ({@code POST ValueSet/$expand} with parameter {@code valueSet}).
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
    if (urls != null && urls.length == 1) {
      if (validationSupport.fetchValueSet(urls[0]) instanceof ValueSet valueSet) {
        refuseIfUnexpandable(valueSet);
      }
    } else if (request.getRequestType() == RequestTypeEnum.POST) {
      inlineValueSet(request).ifPresent(this::refuseIfUnexpandable);
    }
  }

  /**
   * The ValueSet sent in the body of {@code POST ValueSet/$expand} (parameter {@code valueSet}).
   * The body is read once and kept by HAPI ({@code loadRequestContents}), so the operation still sees it.
   * A body that is no Parameters with a ValueSet is left to HAPI, which answers it as it does now.
   */
  private Optional<ValueSet> inlineValueSet(RequestDetails request) {
    byte[] body = request.loadRequestContents();
    EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
    if (body == null || body.length == 0 || encoding == null) {
      return Optional.empty();
    }
    try {
      IBaseResource parsed = encoding.newParser(validationSupport.getFhirContext())
          .parseResource(new String(body, StandardCharsets.UTF_8));
      if (parsed instanceof Parameters parameters
          && parameters.getParameter("valueSet") != null
          && parameters.getParameter("valueSet").getResource() instanceof ValueSet valueSet) {
        return Optional.of(valueSet);
      }
    } catch (DataFormatException e) {
      // Not ours to answer: HAPI refuses an unparseable body itself, with 400.
    }
    return Optional.empty();
  }

  /**
   * Whether this server holds every code of a code system. It may know of one it does not hold:
   * for all of SNOMED CT, HAPI's in-memory expansion answered 200 with no codes at all.
   */
  private boolean heldInFull(String system) {
    return validationSupport.fetchCodeSystem(system) instanceof CodeSystem codeSystem
        && codeSystem.getContent() == CodeSystem.CodeSystemContentMode.COMPLETE;
  }

  private void refuseIfUnexpandable(ValueSet valueSet) {
    for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
      if (include.hasSystem() && !include.hasConcept() && !heldInFull(include.getSystem())) {
        OperationOutcome outcome = ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, valueSet.hasUrl()
            ? Messages.english(Message.VALUESET_NOT_EXPANDABLE, valueSet.getUrl(), include.getSystem())
            : Messages.english(Message.INLINE_VALUESET_NOT_EXPANDABLE, include.getSystem()));
        throw new UnprocessableEntityException(validationSupport.getFhirContext(), outcome);
      }
    }
  }
}
