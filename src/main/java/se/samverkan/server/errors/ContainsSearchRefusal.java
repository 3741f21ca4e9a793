package se.samverkan.server.errors;

import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.OperationOutcome;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Substring search ({@code :contains}) is off (storage.JpaStorageConfig says why). HAPI refuses it
 * only when it builds the SQL, with 405 Method Not Allowed and "HAPI-1258: :contains modifier is
 * disabled on this server" (StringPredicateBuilder, 8.8), although the method is fine and the
 * modifier is the problem. Here it is refused first, with 400, issue code not-supported and what to
 * search with instead: the modifier ends the parameter's name whether the parameter is searched
 * directly, at the end of a chain ({@code subject:Patient.name:contains}) or in {@code _has}. The
 * hook also runs for each GET entry of a transaction or batch, whose entry then answers 400.
 */
@Interceptor
public class ContainsSearchRefusal implements ServerInterceptor {

  static final String MODIFIER = ":contains";
  static final String MESSAGE = Messages.english(Message.SEARCH_CONTAINS_UNSUPPORTED);

  private final JpaStorageSettings storageSettings;

  public ContainsSearchRefusal(JpaStorageSettings storageSettings) {
    this.storageSettings = storageSettings;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void refuseSubstringSearch(RequestDetails request) {
    if (storageSettings.isAllowContainsSearches() || request.getParameters() == null) {
      return;
    }
    for (String parameter : request.getParameters().keySet()) {
      if (parameter.endsWith(MODIFIER)) {
        throw new InvalidRequestException(MESSAGE, ErrorOutcomes.outcome(OperationOutcome.IssueType.NOTSUPPORTED, MESSAGE));
      }
    }
  }
}
