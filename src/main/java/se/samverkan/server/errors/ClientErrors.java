package se.samverkan.server.errors;

import ca.uhn.fhir.context.ConfigurationException;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Failures the request caused that HAPI answers with 500, or with a 400 whose text names Java
 * classes: each is answered with the 4xx that says what is wrong. The third of
 * {@link ErrorTranslation}'s rules; what is refused before anything is stored or searched is in
 * {@code server.edge.HostileInputInterceptor} (docs/reliability.md, "Hostile input").
 */
final class ClientErrors {

  /** HAPI's codes for a missing or non-FHIR Content-Type on a request with a resource body. */
  private static final Set<String> UNSUPPORTED_CONTENT_TYPE = Set.of("HAPI-0446", "HAPI-0448", "HAPI-0449");
  private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{4}");
  /**
   * Java names in HAPI's parse messages: Jackson names the method of the limit a body broke
   * ("from `StreamReadConstraints.getMaxNestingDepth()`"), HAPI the exception class.
   */
  private static final Pattern JAVA_NAMES =
      Pattern.compile(", from `[^`]*`|(?:\\b[a-z][a-z0-9_]*\\.)*\\b[A-Z]\\w*Exception\\b:? ?");

  private static final Pattern QUALIFIED_JAVA_NAME = Pattern.compile("\\b(?:java|javax|com|org|ca)\\.[a-z]\\w*\\.");

  private ClientErrors() {}

  /** The 4xx for a failure the request caused; null for any other failure. */
  static BaseServerResponseException translate(RequestDetails request, Throwable exception) {
    if (exception instanceof InvalidRequestException invalid && invalid.getMessage() != null) {
      String code = HAPI_CODE.matcher(invalid.getMessage()).lookingAt() ? invalid.getMessage().substring(0, 9) : "";
      if (UNSUPPORTED_CONTENT_TYPE.contains(code)) {
        return ErrorTranslation.withCause(new UnclassifiedServerFailureException(415, invalid.getMessage()), exception);
      }
      if (code.equals("HAPI-1272") && QUALIFIED_JAVA_NAME.matcher(invalid.getMessage()).find()) {
        // Jackson's message on a JSON Patch that is no list of operations names its classes.
        return ErrorTranslation.withCause(new InvalidRequestException(Messages.english(Message.PATCH_JSON_MALFORMED)), exception);
      }
      String plain = JAVA_NAMES.matcher(invalid.getMessage()).replaceAll("");
      if (!plain.equals(invalid.getMessage())) {
        return ErrorTranslation.withCause(new InvalidRequestException(plain), exception);
      }
    }
    if (!ErrorTranslation.answeredWith500(exception)) {
      return null;
    }
    if (find(exception, ClientErrors::failedParsingRequestBody) != null) {
      return ErrorTranslation.withCause(new InvalidRequestException(Messages.english(Message.INPUT_BODY_UNREADABLE)), exception);
    }
    if (find(exception, ClientErrors::failedApplyingPatch) != null) {
      return ErrorTranslation.withCause(new InvalidRequestException(Messages.english(Message.PATCH_NOT_APPLICABLE)), exception);
    }
    Throwable nearFormat = find(exception, e -> e.getMessage() != null && e.getMessage().startsWith("HAPI-1230:"));
    if (nearFormat != null) {
      return ErrorTranslation.withCause(new InvalidRequestException(nearFormat.getMessage()), exception);
    }
    if (find(exception, ClientErrors::failedBindingOperationParameter) != null) {
      String operation = request == null ? null : request.getOperation();
      return ErrorTranslation.withCause(new InvalidRequestException(operation == null
          ? Messages.english(Message.OPERATION_PARAMETER_WRONG_TYPE_UNNAMED)
          : Messages.english(Message.OPERATION_PARAMETER_WRONG_TYPE, operation)), exception);
    }
    return null;
  }

  /** HAPI's parser failing with a bug rather than a parse error on a malformed request body. */
  private static boolean failedParsingRequestBody(Throwable e) {
    if (e instanceof BaseServerResponseException || !(e instanceof RuntimeException)) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().equals("ca.uhn.fhir.rest.server.method.ResourceParameter")
          && frame.getMethodName().equals("loadResourceFromRequest")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A patch HAPI could not apply, or whose result it then failed on, with the model's own
   * exception rather than a client error (8.8, FhirPatch: an element name the type lacks gives a
   * NullPointerException, a value of the wrong type an IllegalArgumentException from Field#set, a
   * code not in the value set one from the enum factory, a function in the path a
   * FhirPathExecutionException). So: a failure inside BaseStorageResourceDao#patchInTransaction that
   * is not the database's, and not thrown in this server's own code (an interceptor's failure
   * there stays a 500).
   */
  private static boolean failedApplyingPatch(Throwable e) {
    if (!(e instanceof RuntimeException) || e instanceof BaseServerResponseException answered
        && answered.getStatusCode() != 500 || isPersistence(e)) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().startsWith("se.samverkan.")) {
        return false;
      }
      if (frame.getClassName().equals("ca.uhn.fhir.jpa.dao.BaseStorageResourceDao")
          && frame.getMethodName().equals("patchInTransaction")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPersistence(Throwable e) {
    String name = e.getClass().getName();
    return name.startsWith("org.hibernate.") || name.startsWith("jakarta.persistence.")
        || name.startsWith("org.springframework.dao.") || name.startsWith("org.springframework.transaction.")
        || name.startsWith("org.springframework.jdbc.") || find(e, cause -> cause instanceof java.sql.SQLException) != null;
  }

  /**
   * A value HAPI could not convert while binding an operation's parameters, before calling it:
   * {@code _count=abc} (IllegalArgumentException, DataFormatException), or a resource parameter
   * given a value that is no resource ({@code $validate} with {@code resource} as a valueString:
   * OperationParameter#tryToAddValues, 8.8, asks for the definition of the interface IBaseResource
   * and gets a ConfigurationException).
   */
  private static boolean failedBindingOperationParameter(Throwable e) {
    if (!(e instanceof IllegalArgumentException || e instanceof DataFormatException
        || e instanceof ConfigurationException)) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().equals("ca.uhn.fhir.rest.server.method.OperationParameter")) {
        return true;
      }
    }
    return false;
  }

  private static Throwable find(Throwable exception, Predicate<Throwable> test) {
    for (Throwable e = exception; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (test.test(e)) {
        return e;
      }
    }
    return null;
  }
}
