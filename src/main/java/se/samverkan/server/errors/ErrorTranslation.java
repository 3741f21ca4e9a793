package se.samverkan.server.errors;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.List;
import se.samverkan.server.spi.HookOrder;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * The one translation from a failure to the status and OperationOutcome the client is answered
 * with. Its rules are tried in the order of {@link #RULES}, and the first that recognises the
 * failure answers it; a failure none recognises is left as HAPI answers it (a 4xx HAPI or a rule of
 * ours threw keeps its status and text).
 *
 * <p>The order is this list, not the order of Spring beans: HAPI takes the first non-null answer
 * of {@code SERVER_PRE_PROCESS_OUTGOING_EXCEPTION} and, among hooks of equal order, calls them in
 * the order their interceptors were registered (BaseInterceptorService, HAPI 8.8). When these rules
 * were three interceptors at order 0, a database outage answered 503 rather than 500 only because
 * one bean was declared before another. ErrorTranslationTest holds the order.
 *
 * <p>{@code access.HiddenAsAbsentInterceptor} answers some failures (404, 410, a delete's 409)
 * before this hook; {@link HookOrder#HIDDEN_AS_ABSENT_ANSWERS} says why. {@code ops.ServerErrorLogger}
 * logs the answer afterwards ({@code SERVER_HANDLE_EXCEPTION}), with the original failure as its
 * cause.
 */
@Interceptor
public class ErrorTranslation implements ServerInterceptor {

  /** One rule: the answer to the failures it recognises, null for the others. */
  @FunctionalInterface
  interface Rule {
    BaseServerResponseException translate(RequestDetails request, Throwable exception);
  }

  /**
   * In this order, each before the next for a reason:
   *
   * <ol>
   *   <li>{@link DatabaseUnavailable}, 503 with Retry-After: first, because an outage reaches here
   *       in whatever exception the failing step threw (HAPI's InternalErrorException HAPI-0389, a
   *       search's failure rebuilt from the root cause's message), and the request itself was fine;
   *       after the catch-all it would be a 500, and the client would not retry.
   *   <li>{@link PreconditionFailures}, HAPI's 409 version conflict on a write conditional on a
   *       version, 412.
   *   <li>{@link ClientErrors}, failures the request caused, 4xx: before the catch-all, since most
   *       of them are failures HAPI would answer with 500.
   *   <li>{@link #plainInternalError}, any other failure HAPI would answer with 500: a plain 500,
   *       last, because it recognises everything of that kind.
   * </ol>
   */
  static final List<Rule> RULES = List.of(
      DatabaseUnavailable::translate,
      PreconditionFailures::translate,
      ClientErrors::translate,
      ErrorTranslation::plainInternalError);

  @Hook(value = Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, order = HookOrder.ERROR_TRANSLATION)
  public BaseServerResponseException translate(RequestDetails request, Throwable exception) {
    for (Rule rule : RULES) {
      BaseServerResponseException answer = rule.translate(request, exception);
      if (answer != null) {
        return answer;
      }
    }
    return null;
  }

  /**
   * A failure HAPI would answer with 500 gets a plain message instead of the exception's, which
   * may carry Java class names or SQL with values; {@code ops.ServerErrorLogger} logs the original
   * (class, HAPI codes, stack trace), which stays the cause.
   */
  static BaseServerResponseException plainInternalError(RequestDetails request, Throwable exception) {
    return answeredWith500(exception)
        ? withCause(new InternalErrorException(ErrorOutcomes.INTERNAL_ERROR_MESSAGE), exception)
        : null;
  }

  /**
   * Whether HAPI answers the failure with 500 when no hook answers it: a
   * BaseServerResponseException keeps its status, a DataFormatException (a parse error) becomes
   * 400, anything else 500 (ExceptionHandlingInterceptor#preProcessOutgoingException, 8.8).
   */
  static boolean answeredWith500(Throwable exception) {
    return exception instanceof BaseServerResponseException answered
        ? answered.getStatusCode() == 500
        : !(exception instanceof DataFormatException);
  }

  /** The original stays the cause, so that the 5xx log (ServerErrorLogger) shows where it failed. */
  static BaseServerResponseException withCause(BaseServerResponseException answer, Throwable original) {
    answer.initCause(original);
    return answer;
  }
}
