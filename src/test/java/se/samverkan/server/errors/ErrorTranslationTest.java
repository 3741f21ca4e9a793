package se.samverkan.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.IBaseInterceptorBroadcaster.IInvoker;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Constructor;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.transaction.CannotCreateTransactionException;
import se.samverkan.access.HiddenAsAbsentInterceptor;
import se.samverkan.server.VersionPreconditionInterceptor;
import se.samverkan.server.edge.HostileInputInterceptor;

/**
 * The answer to a failure is decided by ErrorTranslation's rules in their fixed order (database
 * unavailable, precondition, client errors, 500), whatever order Spring registers the
 * interceptors in (issue 19: "outage -> 503 even with the catch-all present").
 */
class ErrorTranslationTest {

  private final ErrorTranslation translation = new ErrorTranslation();

  @Test
  void aDatabaseOutageAnswers503WithRetryAfterThoughTheCatchAllWouldAnswerIt500() {
    Throwable outage = noConnectionFromThePool();
    assertThat(ErrorTranslation.plainInternalError(null, outage)).as("the catch-all recognises it too").isNotNull();

    assertUnavailable(translation.translate(null, outage));
  }

  @Test
  void aDatabaseOutageAnswers503ThoughAClientErrorRuleWouldAnswerIt400() {
    Throwable outage = outageWhileHapiReadsTheBody();
    assertThat(ClientErrors.translate(null, outage)).as("a client-error rule recognises it too").isNotNull();

    assertUnavailable(translation.translate(null, outage));
  }

  @Test
  void aVersionConflictOnAStaleVersionAnswers412() {
    BaseServerResponseException answer = translation.translate(null, staleVersion());

    assertThat(answer).isInstanceOf(PreconditionFailedException.class);
    assertThat(answer.getStatusCode()).isEqualTo(412);
  }

  @Test
  void aBodyHapiFailsToReadAnswers400ThoughHapiWouldAnswerIt500() {
    Throwable failure = hapiFailsToReadTheBody();
    assertThat(ErrorTranslation.plainInternalError(null, failure)).as("the catch-all recognises it too").isNotNull();

    BaseServerResponseException answer = translation.translate(null, failure);

    assertThat(answer).isInstanceOf(InvalidRequestException.class);
    assertThat(answer.getStatusCode()).isEqualTo(400);
    assertThat(answer.getMessage()).isNotEqualTo(ErrorOutcomes.INTERNAL_ERROR_MESSAGE);
  }

  @Test
  void aBodyWithoutAFhirContentTypeAnswers415() {
    assertThat(translation.translate(null, wrongContentType()).getStatusCode()).isEqualTo(415);
  }

  @Test
  void anyOtherFailureAnswers500WithTheGenericMessage() {
    IllegalStateException bug = new IllegalStateException("could not execute statement [select ... where x = '19121212']");

    BaseServerResponseException answer = translation.translate(null, bug);

    assertThat(answer).isInstanceOf(InternalErrorException.class);
    assertThat(answer.getMessage()).isEqualTo(ErrorOutcomes.INTERNAL_ERROR_MESSAGE);
  }

  /**
   * The answers on a RestfulServer with the interceptors that once answered failures each at order 0
   * (and ContainsSearchRefusal, the other refusal of this package), registered in every order.
   */
  @Test
  void theAnswersAreTheSameInWhateverOrderTheInterceptorsAreRegistered() {
    List<Supplier<Object>> interceptors = List.of(
        ErrorTranslation::new,
        () -> new HostileInputInterceptor(FhirContext.forR4Cached()),
        VersionPreconditionInterceptor::new,
        () -> new ContainsSearchRefusal(new JpaStorageSettings()));

    for (List<Supplier<Object>> order : permutations(interceptors)) {
      RestfulServer server = new RestfulServer(FhirContext.forR4Cached());
      order.forEach(interceptor -> server.registerInterceptor(interceptor.get()));
      String registered = server.getInterceptorService().getAllRegisteredInterceptors().stream()
          .map(i -> i.getClass().getSimpleName()).toList().toString();

      assertUnavailable(answer(server, noConnectionFromThePool()), registered);
      assertUnavailable(answer(server, outageWhileHapiReadsTheBody()), registered);
      assertThat(answer(server, staleVersion()).getStatusCode()).as(registered).isEqualTo(412);
      assertThat(answer(server, hapiFailsToReadTheBody()).getStatusCode()).as(registered).isEqualTo(400);
      assertThat(answer(server, wrongContentType()).getStatusCode()).as(registered).isEqualTo(415);
      BaseServerResponseException other = answer(server, new IllegalStateException("bug"));
      assertThat(other.getStatusCode()).as(registered).isEqualTo(500);
      assertThat(other.getMessage()).as(registered).isEqualTo(ErrorOutcomes.INTERNAL_ERROR_MESSAGE);
    }
  }

  /**
   * HiddenAsAbsentInterceptor's answers to failures (access: a hidden referrer, HAPI's 404 and 410
   * texts) see the exception before the translation, in either order of registration:
   * HookOrder#HIDDEN_AS_ABSENT_ANSWERS says why.
   */
  @Test
  void theAccessRulesSeeAFailureBeforeTheTranslation() throws Exception {
    Object hiddenAsAbsent = hiddenAsAbsentInterceptor();
    for (boolean translationFirst : new boolean[] {true, false}) {
      RestfulServer server = new RestfulServer(FhirContext.forR4Cached());
      server.registerInterceptor(translationFirst ? translation : hiddenAsAbsent);
      server.registerInterceptor(translationFirst ? hiddenAsAbsent : translation);

      List<Object> called = server.getInterceptorService()
          .getInvokersForPointcut(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION).stream()
          .map(IInvoker::getInterceptor).toList();

      assertThat(called).containsExactly(hiddenAsAbsent, hiddenAsAbsent, translation);
    }
  }

  // --- Failures

  /** HAPI's wrapping of a transaction the pool had no connection for. */
  private static Throwable noConnectionFromThePool() {
    return new InternalErrorException("HAPI-0389",
        new CannotCreateTransactionException("Could not open JPA EntityManager",
            new SQLTransientConnectionException("Connection is not available, request timed out")));
  }

  /** The pool's timeout while HAPI reads the request body, which a client-error rule reads as HAPI's parser failing. */
  private static Throwable outageWhileHapiReadsTheBody() {
    RuntimeException failure = new RuntimeException("HikariPool-1 - Connection is not available, request timed out");
    failure.setStackTrace(new StackTraceElement[] {readingTheBody()});
    return failure;
  }

  private static Throwable hapiFailsToReadTheBody() {
    NullPointerException failure = new NullPointerException("theResource must not be null");
    failure.setStackTrace(new StackTraceElement[] {readingTheBody()});
    return failure;
  }

  private static StackTraceElement readingTheBody() {
    return new StackTraceElement("ca.uhn.fhir.rest.server.method.ResourceParameter", "loadResourceFromRequest",
        "ResourceParameter.java", 1);
  }

  private static Throwable staleVersion() {
    return new ResourceVersionConflictException(
        "HAPI-0989: Trying to update Patient/1/_history/1 but this is not the current version");
  }

  private static Throwable wrongContentType() {
    return new InvalidRequestException(
        "HAPI-0449: Incorrect Content-Type header value of \"text/plain\" was provided in the request.");
  }

  // --- Helpers

  private static void assertUnavailable(BaseServerResponseException answer, String... as) {
    String description = as.length == 0 ? "" : as[0];
    assertThat(answer.getStatusCode()).as(description).isEqualTo(503);
    assertThat(answer.getResponseHeaders()).as(description).containsEntry("Retry-After", List.of("10"));
    assertThat(((OperationOutcome) answer.getOperationOutcome()).getIssueFirstRep().getCode())
        .as(description).isEqualTo(OperationOutcome.IssueType.TRANSIENT);
  }

  /** What the server's hooks answer the failure with, as RestfulServer#handleRequest asks them. */
  private static BaseServerResponseException answer(RestfulServer server, Throwable failure) {
    ServletRequestDetails request = new ServletRequestDetails();
    HookParams params = new HookParams()
        .add(RequestDetails.class, request)
        .add(ServletRequestDetails.class, request)
        .add(Throwable.class, failure)
        .add(HttpServletRequest.class, new MockHttpServletRequest())
        .add(HttpServletResponse.class, new MockHttpServletResponse());
    return (BaseServerResponseException) server.getInterceptorService()
        .callHooksAndReturnObject(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, params);
  }

  /** Its hooks' order is what matters here, not its collaborators; its constructor is its package's. */
  private static Object hiddenAsAbsentInterceptor() throws Exception {
    Constructor<?> constructor = HiddenAsAbsentInterceptor.class.getDeclaredConstructors()[0];
    constructor.setAccessible(true);
    return constructor.newInstance(new Object[constructor.getParameterCount()]);
  }

  private static <T> List<List<T>> permutations(List<T> items) {
    if (items.isEmpty()) {
      return List.of(List.of());
    }
    List<List<T>> all = new ArrayList<>();
    for (T first : items) {
      List<T> rest = new ArrayList<>(items);
      rest.remove(first);
      for (List<T> tail : permutations(rest)) {
        List<T> order = new ArrayList<>();
        order.add(first);
        order.addAll(tail);
        all.add(order);
      }
    }
    return all;
  }
}
