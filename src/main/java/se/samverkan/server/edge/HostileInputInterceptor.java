package se.samverkan.server.edge;

import se.samverkan.server.spi.HookOrder;
import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.NumberParam;
import ca.uhn.fhir.rest.param.QuantityParam;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.util.IModelVisitor2;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IBaseXhtml;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Turns input that HAPI or the database would fail on with a 500 into a 4xx that says what is
 * wrong, before anything is stored or searched (docs/reliability.md, "Hostile input"). Each rule
 * answers a failure seen with hostile input on H2 or PostgreSQL (those HAPI meets only as it runs
 * are answered after it fails; see the end):
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
 *       not of its type ({@code $everything?_count=abc}, {@code $validate} with a {@code resource}
 *       that is a valueString): HAPI answered these with 500;
 *   <li>a null in a JSON array that keeps no place ({@code "given": [null]}): the validator behind
 *       {@code $validate} failed on it with 500;
 *   <li>XML Patch, refused with 415 (its library resolved external entities, and failed with 500 on
 *       a selector that matched nothing); a FHIRPath Patch HAPI's model fails to apply (500), and a
 *       JSON Patch whose parse error names Java classes;
 *   <li>a missing or non-FHIR {@code Content-Type} on a body: 415 Unsupported Media Type, with
 *       HAPI's message, rather than 400.
 * </ul>
 *
 * <p>What HAPI fails on only as it runs (a body its parser trips over, a patch it cannot apply, an
 * operation parameter of the wrong type, a missing Content-Type, Java names in its parse messages)
 * is answered with its 4xx by the error translation ({@code server.errors.ErrorTranslation},
 * ClientErrors), which also gives any other 500 a plain message.
 */
@Interceptor
public class HostileInputInterceptor implements ServerInterceptor {

  /** Exclusive bound on a decimal's magnitude: what HAPI's number index (numeric(19,2)) holds. */
  static final BigDecimal MAX_DECIMAL = BigDecimal.TEN.pow(17);
  static final int MAX_DECIMAL_PLACES = 100;
  static final int MAX_EXPONENT = 1000;
  private static final JsonFactory JSON_TOKENS = new JsonFactory();


  private final FhirContext fhirContext;

  public HostileInputInterceptor(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  // --- Bodies, before HAPI parses them

  /**
   * One scan of a JSON body's tokens before HAPI parses it (Jackson's token scan costs
   * milliseconds per megabyte), for two things HAPI's parsers fail on:
   *
   * <ul>
   *   <li>numbers with an exponent beyond ±{@value #MAX_EXPONENT}: HAPI's JSON parser hands a
   *       decimal to the model as {@code toPlainString()}, so "1e999999" becomes a million digits,
   *       which then take quadratic time to parse back (14 s of CPU for an 80-byte body, a minute
   *       for 1e2000000);
   *   <li>a null in an array that holds no place ({@link NullPlaces}): the validator behind
   *       {@code $validate} re-reads the body and failed with a NullPointerException on it
   *       (org.hl7.fhir.r5.elementmodel.JsonParser#parseChildPrimitiveInstance, 6.7.9: 500).
   * </ul>
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkJsonBody(RequestDetails request) {
    if (RestfulServerUtils.determineRequestEncodingNoDefault(request) != EncodingEnum.JSON) {
      return true;
    }
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return true;
    }
    NullPlaces nulls = new NullPlaces();
    try (JsonParser parser = JSON_TOKENS.createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.VALUE_NUMBER_FLOAT && exponentTooLarge(parser.getText())) {
          String number = parser.getText();
          throw new InvalidRequestException(Messages.english(Message.INPUT_NUMBER_EXPONENT,
              number.length() > 40 ? number.substring(0, 40) + "…" : number, MAX_EXPONENT));
        }
        nulls.next(token, parser.currentName());
      }
    } catch (IOException malformed) {
      // Not well-formed JSON, or over Jackson's limits: HAPI's parser says what is wrong.
    }
    return true;
  }

  /**
   * In FHIR JSON a null may stand in an array only to keep the place of a primitive's value whose
   * id or extensions, or of an id or extensions whose value, are at the same index of the matching
   * array ({@code "given": ["A", null], "_given": [null, {"extension": […]}]}; FHIR R4 json.html,
   * "Representing primitive elements"). Any other null in an array is refused with 400 naming where
   * it is; HAPI's own parser drops it, the validator failed on it.
   */
  static final class NullPlaces {

    /** An object or array being read: an object's arrays so far, an array's items, each as whether it is null. */
    private record Scope(String path, String name, Map<String, List<Boolean>> arrays, List<Boolean> items) {}

    private final Deque<Scope> open = new ArrayDeque<>();

    /** The next token, and the name of the field it is the value of (Jackson's currentName). */
    void next(JsonToken token, String name) {
      Scope parent = open.peek();
      switch (token) {
        case START_OBJECT, START_ARRAY -> {
          String path = parent == null ? "" : parent.items() != null
              ? parent.path() + "[" + parent.items().size() + "]" : child(parent.path(), name);
          item(parent, false);
          open.push(token == JsonToken.START_OBJECT
              ? new Scope(path, name, new HashMap<>(), null) : new Scope(path, name, null, new ArrayList<>()));
        }
        case END_ARRAY -> {
          Scope array = open.pop();
          Scope owner = open.peek();
          if (owner != null && owner.arrays() != null && array.name() != null) {
            owner.arrays().put(array.name(), array.items());
          }
        }
        case END_OBJECT -> check(open.pop());
        case VALUE_NULL -> item(parent, true);
        case FIELD_NAME -> { }
        default -> item(parent, false);
      }
    }

    private static void item(Scope parent, boolean isNull) {
      if (parent != null && parent.items() != null) {
        parent.items().add(isNull);
      }
    }

    private static String child(String path, String name) {
      return path.isEmpty() ? name : path + "." + name;
    }

    private static void check(Scope object) {
      for (Map.Entry<String, List<Boolean>> array : object.arrays().entrySet()) {
        String name = array.getKey();
        String matching = name.startsWith("_") ? name.substring(1) : "_" + name;
        List<Boolean> other = object.arrays().get(matching);
        List<Boolean> items = array.getValue();
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i) && (other == null || i >= other.size() || other.get(i))) {
            throw new InvalidRequestException(Messages.english(Message.INPUT_NULL_KEEPS_NO_PLACE, child(object.path(), name), i,
                name.startsWith("_") ? matching : name, name.startsWith("_") ? name : matching));
          }
        }
      }
    }
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
  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = HookOrder.HOSTILE_VALUES_REFUSED)
  public void created(IBaseResource resource) {
    checkValues(resource);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = HookOrder.HOSTILE_VALUES_REFUSED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    checkValues(resource);
  }

  private void checkValues(IBaseResource resource) {
    if (resource instanceof DomainResource domain) {
      // Only a FHIRPath Patch can put a value that is no resource here ("add" of a valueString named
      // "contained"); HAPI then failed indexing it with a ClassCastException (FhirTerser#containResources, 8.8).
      for (Object contained : domain.getContained()) {
        if (!(contained instanceof IBaseResource)) {
          throw new UnprocessableEntityException(Messages.english(Message.INPUT_CONTAINED_NOT_RESOURCE, resource.fhirType()));
        }
      }
    }
    fhirContext.newTerser().visit(resource, new IModelVisitor2() {
      @Override
      public boolean acceptElement(IBase element, List<IBase> containing,
          List<BaseRuntimeChildDefinition> children, List<BaseRuntimeElementDefinition<?>> definitions) {
        if (element instanceof IPrimitiveType<?> primitive && !(element instanceof IBaseXhtml)) {
          problem(path(resource, children, definitions), primitive).ifPresent(problem -> {
            throw new UnprocessableEntityException(problem);
          });
        }
        return true;
      }
    });
  }

  /** What is wrong with the value, said of {@code where} it is (an element's path, a search parameter's value). */
  private static Optional<String> problem(String where, IPrimitiveType<?> primitive) {
    if (primitive.getValue() instanceof BigDecimal decimal) {
      return decimalProblem(where, decimal);
    }
    return stringProblem(where, primitive.getValueAsString());
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

  static Optional<String> decimalProblem(String where, BigDecimal value) {
    if (value.abs().compareTo(MAX_DECIMAL) >= 0) {
      return Optional.of(Messages.english(Message.VALUE_DECIMAL_TOO_LARGE, where));
    }
    if (value.scale() > MAX_DECIMAL_PLACES) {
      return Optional.of(Messages.english(Message.VALUE_DECIMAL_PLACES, where, MAX_DECIMAL_PLACES));
    }
    return Optional.empty();
  }

  static Optional<String> stringProblem(String where, String value) {
    if (value == null) {
      return Optional.empty();
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return Optional.of(Messages.english(Message.VALUE_CONTROL_CHARACTER, where, String.format("%04X", (int) c)));
      }
      if (Character.isHighSurrogate(c) && (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1)))
          || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1)))) {
        return Optional.of(Messages.english(Message.VALUE_UNPAIRED_SURROGATE, where));
      }
    }
    return Optional.empty();
  }

  // --- Patches

  static final String XML_PATCH_UNSUPPORTED = Messages.english(Message.PATCH_XML_UNSUPPORTED,
      Constants.CT_XML_PATCH, Constants.CT_JSON_PATCH, Constants.CT_FHIR_JSON_NEW);

  /**
   * XML Patch is refused with 415, as a PATCH request and as a transaction or batch entry (a
   * Binary of that content type), before anything is looked up. It was never offered (README:
   * JSON Patch and FHIRPath Patch), and the library HAPI applies it with (xml-patch 0.3.1, from
   * XmlPatchUtils#apply, 8.8) resolves external entities: a patch could copy a file of the
   * server's into a stored resource. It also answered 500 for any selector that matched nothing.
   */
  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = HookOrder.XML_PATCH_REFUSED)
  public void refuseXmlPatch(RequestDetails request) {
    if (request.getRestOperationType() == RestOperationTypeEnum.PATCH
        && isXmlPatch(request.getHeader(Constants.HEADER_CONTENT_TYPE))) {
      throw new UnclassifiedServerFailureException(415, XML_PATCH_UNSUPPORTED);
    }
    if (request.getResource() instanceof Bundle bundle) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        if (entry.getRequest().getMethod() == Bundle.HTTPVerb.PATCH && entry.getResource() instanceof Binary binary
            && isXmlPatch(binary.getContentType())) {
          throw new UnclassifiedServerFailureException(415, XML_PATCH_UNSUPPORTED);
        }
      }
    }
  }

  /** As HAPI reads a patch's content type (PatchTypeEnum#forContentTypeOrThrowInvalidRequestException, 8.8). */
  private static boolean isXmlPatch(String contentType) {
    if (contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    return (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim().equals(Constants.CT_XML_PATCH);
  }

  // --- Searches, wherever they come from (search URL, transaction GET entry, operation)

  /** Also called for the GET entries of a transaction or batch. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void checkOffset(RequestDetails request) {
    String[] offset = request.getParameters() == null ? null : request.getParameters().get(Constants.PARAM_OFFSET);
    if (offset != null && offset.length > 0 && offset[0] != null && offset[0].trim().matches("-[0-9]+")) {
      throw new InvalidRequestException(Messages.english(Message.SEARCH_OFFSET_NEGATIVE, offset[0].trim()));
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
    String where = Messages.english(Message.SEARCH_VALUE_OF, name);
    Optional<String> problem = number == null ? Optional.empty() : decimalProblem(where, number);
    if (problem.isEmpty()) {
      problem = stringProblem(where, value.getValueAsQueryToken(fhirContext));
    }
    problem.ifPresent(p -> {
      throw new InvalidRequestException(p);
    });
  }
}
