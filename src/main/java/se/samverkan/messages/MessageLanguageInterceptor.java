package se.samverkan.messages;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * The one outgoing point of the FHIR endpoint where our messages take the caller's language
 * ({@link MessageLanguage}): the OperationOutcome of every refusal, and OperationOutcome answers
 * that are no refusal ({@code $validate}'s 200, {@code Prefer: return=OperationOutcome}, the
 * outcomes of a batch's entries). Throw sites stay as they are: they say their message in English
 * ({@link Messages#english}). An answer that holds a message of ours names its language in
 * {@code Content-Language}. Refusals before HAPI (token, size, malformed URL) are put into the
 * language by {@code ErrorOutcomes}.
 */
@Component
@Interceptor
public class MessageLanguageInterceptor implements ServerInterceptor {

  @Hook(value = Pointcut.SERVER_OUTGOING_FAILURE_OPERATIONOUTCOME, order = HookOrder.MESSAGES_LOCALISED)
  public void refusal(RequestDetails request, IBaseOperationOutcome outcome) {
    if (outcome instanceof OperationOutcome r4) {
      answered(request, OutcomeLanguage.localise(r4, languageOf(request)));
    }
  }

  @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = HookOrder.MESSAGES_LOCALISED)
  public void answer(RequestDetails request, ResponseDetails response) {
    Locale language = languageOf(request);
    boolean ours = false;
    if (response.getResponseResource() instanceof OperationOutcome outcome) {
      ours = OutcomeLanguage.localise(outcome, language);
    } else if (response.getResponseResource() instanceof Bundle bundle
        && (bundle.getType() == Bundle.BundleType.BATCHRESPONSE || bundle.getType() == Bundle.BundleType.TRANSACTIONRESPONSE)) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        if (entry.getResponse().getOutcome() instanceof OperationOutcome outcome) {
          ours |= OutcomeLanguage.localise(outcome, language);
        }
      }
    }
    answered(request, ours);
  }

  private static Locale languageOf(RequestDetails request) {
    return MessageLanguage.of(request.getHeader("Accept-Language"));
  }

  private static void answered(RequestDetails request, boolean ours) {
    if (ours && request instanceof ServletRequestDetails servlet && servlet.getServletResponse() != null
        && !servlet.getServletResponse().isCommitted()) {
      servlet.getServletResponse().setHeader("Content-Language", MessageLanguage.tag(languageOf(request)));
    }
  }
}
