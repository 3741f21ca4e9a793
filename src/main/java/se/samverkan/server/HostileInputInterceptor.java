package se.samverkan.server;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.NumberParam;
import ca.uhn.fhir.rest.param.QuantityParam;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.util.IModelVisitor2;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IBaseXhtml;
import org.hl7.fhir.instance.model.api.IPrimitiveType;

/**
 * Turns input that HAPI or the database would fail on with a 500 into a 4xx that says what is
 * wrong, before anything is stored or searched (docs/reliability.md, "Hostile input"). Each rule
 * answers a failure seen with hostile input on H2 or PostgreSQL:
 *
 * <ul>
 *   <li>strings with control characters (U+0000–U+001F except tab, line feed, carriage return) or
 *       unpaired UTF-16 surrogates: FHIR strings should not hold the first and cannot hold the
 *       second, and PostgreSQL refuses both in an index (NUL: 409 with SQL in the message;
 *       surrogates: 500), in written resources and in search values alike;
 *   <li>decimals beyond what the search index holds: ±10^17 (HAPI's number index is
 *       {@code numeric(19,2)}: 409 with SQL), beyond a double (quantity index: 500), or with more
 *       than {@value #MAX_DECIMAL_PLACES} decimal places (1e-999999 was stored as a million digits
 *       that the JSON parser then refused to read back: every later read of it failed);
 *   <li>JSON numbers with an exponent beyond ±{@value #MAX_EXPONENT}: HAPI expands them to all
 *       their digits and parses those again, 14 s of CPU for {@code 1e999999};
 *   <li>a negative {@code _offset} (500 from the paging layer);
 *   <li>a body HAPI's parser trips over instead of reporting (a {@code Bundle.entry.resource} that
 *       is a string, number, array or null: "theResource must not be null", 500), a {@code near}
 *       value that is not {@code latitude|longitude[|distance[|units]]}, and an operation parameter
 *       not of its type ({@code $everything?_count=abc}): HAPI answered these with 500;
 *   <li>a missing or non-FHIR {@code Content-Type} on a body: 415 Unsupported Media Type, with
 *       HAPI's message, rather than 400;
 *   <li>Java names in HAPI's parse messages (Jackson's "from `StreamReadConstraints.…()`", HAPI's
 *       "DataFormatException at …") are left out.
 * </ul>
 *
 * <p>Last, any other failure answered with 500 gets a plain message instead of the exception's,
 * which may carry Java class names or SQL with values; {@link se.samverkan.ops.ServerErrorLogger}
 * logs the original (class, HAPI codes, stack trace).
 */
@Interceptor
public class HostileInputInterceptor implements ServerInterceptor {

  /** Exclusive bound on a decimal's magnitude: what HAPI's number index (numeric(19,2)) holds. */
  static final BigDecimal MAX_DECIMAL = BigDecimal.TEN.pow(17);
  static final int MAX_DECIMAL_PLACES = 100;
  static final int MAX_EXPONENT = 1000;
  private static final JsonFactory JSON_TOKENS = new JsonFactory();

  static final String INTERNAL_ERROR_MESSAGE =
      "The server failed to process this request. The failure has been logged; if it persists,"
          + " tell the server's operators when it happened.";

  /** HAPI's codes for a missing or non-FHIR Content-Type on a request with a resource body. */
  private static final Set<String> UNSUPPORTED_CONTENT_TYPE = Set.of("HAPI-0446", "HAPI-0448", "HAPI-0449");
  private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{4}");
  /**
   * Java names in HAPI's parse messages: Jackson names the method of the limit a body broke
   * ("from `StreamReadConstraints.getMaxNestingDepth()`"), HAPI the exception class.
   */
  private static final Pattern JAVA_NAMES =
      Pattern.compile(", from `[^`]*`|(?:\\b[a-z][a-z0-9_]*\\.)*\\b[A-Z]\\w*Exception\\b:? ?");

  private final FhirContext fhirContext;

  public HostileInputInterceptor(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  // --- Bodies, before HAPI parses them

  /**
   * HAPI's JSON parser hands a decimal to the model as {@code toPlainString()}: "1e999999" becomes a
   * million digits, which then take quadratic time to parse back (14 s of CPU for an 80-byte body,
   * a minute for 1e2000000). Numbers with an exponent beyond ±{@value #MAX_EXPONENT} are refused
   * before that happens; Jackson's token scan costs milliseconds per megabyte.
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkJsonNumbers(RequestDetails request) {
    if (RestfulServerUtils.determineRequestEncodingNoDefault(request) != EncodingEnum.JSON) {
      return true;
    }
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return true;
    }
    try (JsonParser parser = JSON_TOKENS.createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.VALUE_NUMBER_FLOAT && exponentTooLarge(parser.getText())) {
          String number = parser.getText();
          throw new InvalidRequestException("The number " + (number.length() > 40 ? number.substring(0, 40) + "…" : number)
              + " in the request body has an exponent beyond ±" + MAX_EXPONENT + ", which this server does not take");
        }
      }
    } catch (IOException malformed) {
      // Not well-formed JSON, or over Jackson's limits: HAPI's parser says what is wrong.
    }
    return true;
  }

  static boolean exponentTooLarge(String number) {
    int e = Math.max(number.indexOf('e'), number.indexOf('E'));
    if (e < 0) {
      return false;
    }
    String digits = number.substring(e + 1).replaceFirst("^[+-]?0*", "");
    return digits.length() > 4 || (!digits.isEmpty() && Integer.parseInt(digits) > MAX_EXPONENT);
  }

  // --- Writes

  /** First among the storage hooks, before any of them encodes the resource. */
  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = -100)
  public void created(IBaseResource resource) {
    checkValues(resource);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = -100)
  public void updated(IBaseResource previous, IBaseResource resource) {
    checkValues(resource);
  }

  private void checkValues(IBaseResource resource) {
    fhirContext.newTerser().visit(resource, new IModelVisitor2() {
      @Override
      public boolean acceptElement(IBase element, List<IBase> containing,
          List<BaseRuntimeChildDefinition> children, List<BaseRuntimeElementDefinition<?>> definitions) {
        if (element instanceof IPrimitiveType<?> primitive && !(element instanceof IBaseXhtml)) {
          problem(primitive).ifPresent(problem -> {
            throw new UnprocessableEntityException(path(resource, children, definitions) + " " + problem);
          });
        }
        return true;
      }
    });
  }

  private static Optional<String> problem(IPrimitiveType<?> primitive) {
    if (primitive.getValue() instanceof BigDecimal decimal) {
      return decimalProblem(decimal);
    }
    return stringProblem(primitive.getValueAsString());
  }

  /** FHIRPath-like location of an element, e.g. {@code Observation.valueQuantity.value}. */
  private static String path(IBaseResource resource, List<BaseRuntimeChildDefinition> children,
      List<BaseRuntimeElementDefinition<?>> definitions) {
    StringBuilder path = new StringBuilder(resource.fhirType());
    for (int i = 0; i < children.size(); i++) {
      BaseRuntimeChildDefinition child = children.get(i);
      String name = null;
      if (i + 1 < definitions.size()) {
        name = child.getChildNameByDatatype(definitions.get(i + 1).getImplementingClass());
      }
      path.append('.').append(name != null ? name : child.getElementName());
    }
    return path.toString();
  }

  static Optional<String> decimalProblem(BigDecimal value) {
    if (value.abs().compareTo(MAX_DECIMAL) >= 0) {
      return Optional.of("is too large: this server stores decimals between -10^17 and 10^17");
    }
    if (value.scale() > MAX_DECIMAL_PLACES) {
      return Optional.of("has more than " + MAX_DECIMAL_PLACES + " decimal places, more than this server stores");
    }
    return Optional.empty();
  }

  static Optional<String> stringProblem(String value) {
    if (value == null) {
      return Optional.empty();
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return Optional.of(String.format(
            "contains the control character U+%04X, which FHIR strings may not hold", (int) c));
      }
      if (Character.isHighSurrogate(c) && (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1)))
          || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1)))) {
        return Optional.of("contains an unpaired UTF-16 surrogate, which is not a Unicode character");
      }
    }
    return Optional.empty();
  }

  // --- Searches, wherever they come from (search URL, transaction GET entry, operation)

  /** Also called for the GET entries of a transaction or batch. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void checkOffset(RequestDetails request) {
    String[] offset = request.getParameters() == null ? null : request.getParameters().get(Constants.PARAM_OFFSET);
    if (offset != null && offset.length > 0 && offset[0] != null && offset[0].trim().matches("-[0-9]+")) {
      throw new InvalidRequestException("_offset must be 0 or more, not " + offset[0].trim());
    }
  }

  @Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
  public void checkSearch(SearchParameterMap search) {
    for (Map.Entry<String, List<List<IQueryParameterType>>> param : search.entrySet()) {
      for (List<IQueryParameterType> orList : param.getValue()) {
        for (IQueryParameterType value : orList) {
          checkSearchValue(param.getKey(), value);
        }
      }
    }
  }

  private void checkSearchValue(String name, IQueryParameterType value) {
    BigDecimal number = value instanceof NumberParam n ? n.getValue()
        : value instanceof QuantityParam q ? q.getValue()
        : null;
    Optional<String> problem = number == null ? Optional.empty() : decimalProblem(number);
    if (problem.isEmpty()) {
      problem = stringProblem(value.getValueAsQueryToken(fhirContext));
    }
    problem.ifPresent(p -> {
      throw new InvalidRequestException("The value of search parameter " + name + " " + p);
    });
  }

  // --- Failures HAPI answers with 500 although the request caused them

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException clientErrorsAndPlainInternalErrors(RequestDetails request, Throwable exception) {
    if (exception instanceof InvalidRequestException invalid && invalid.getMessage() != null) {
      String code = HAPI_CODE.matcher(invalid.getMessage()).lookingAt() ? invalid.getMessage().substring(0, 9) : "";
      if (UNSUPPORTED_CONTENT_TYPE.contains(code)) {
        return withCause(new UnclassifiedServerFailureException(415, invalid.getMessage()), exception);
      }
      String plain = JAVA_NAMES.matcher(invalid.getMessage()).replaceAll("");
      if (!plain.equals(invalid.getMessage())) {
        return withCause(new InvalidRequestException(plain), exception);
      }
    }
    // As HAPI's ExceptionHandlingInterceptor will answer it: a parse error 400, anything unknown 500.
    boolean internal = exception instanceof BaseServerResponseException answered
        ? answered.getStatusCode() == 500
        : !(exception instanceof DataFormatException);
    if (!internal) {
      return null;
    }
    if (find(exception, HostileInputInterceptor::failedParsingRequestBody) != null) {
      return withCause(new InvalidRequestException("The request body could not be read as a FHIR resource: an"
          + " element holds a value of the wrong kind (for instance a Bundle.entry.resource that is not a JSON"
          + " object with a resourceType)"), exception);
    }
    Throwable nearFormat = find(exception, e -> e.getMessage() != null && e.getMessage().startsWith("HAPI-1230:"));
    if (nearFormat != null) {
      return withCause(new InvalidRequestException(nearFormat.getMessage()), exception);
    }
    if (find(exception, HostileInputInterceptor::failedBindingOperationParameter) != null) {
      String operation = request == null || request.getOperation() == null ? "the operation" : request.getOperation();
      return withCause(new InvalidRequestException("A parameter of " + operation + " has a value that is not of"
          + " the parameter's type (for instance _count=abc, where a whole number is expected)"), exception);
    }
    return withCause(new InternalErrorException(INTERNAL_ERROR_MESSAGE), exception);
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

  /** A value HAPI could not convert while binding an operation's parameters, before calling it. */
  private static boolean failedBindingOperationParameter(Throwable e) {
    if (!(e instanceof IllegalArgumentException || e instanceof DataFormatException)) {
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

  /** The original stays the cause, so that the 5xx log (ServerErrorLogger) shows where it failed. */
  private static BaseServerResponseException withCause(BaseServerResponseException answer, Throwable original) {
    answer.initCause(original);
    return answer;
  }
}
