package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * Search criteria that look into other resources — chains ({@code encounter.class=EMER}) and
 * {@code _has} — are matched by the database over all data, including what the caller may not
 * see. A result is therefore kept only when the criteria also hold over what the caller sees:
 * <ul>
 *   <li>chain: every resource the result refers to (of the chain's type, if named) is visible to
 *       the caller — a conservative check, since which reference matched is not known;
 *   <li>{@code _has:Y:ref:param=v}: at least one Y that the caller sees refers to the result and
 *       matches {@code param=v} (itself checked the same way when {@code param} is a chain).
 * </ul>
 * {@code _list=X} is HAPI's {@code _has:List:item:_id=X} and is checked as that.
 * Refused with 400, since they cannot be checked this way:
 * <ul>
 *   <li>a {@code _has} nested in another or inside a chain ({@code Observation?subject._has:…}):
 *       HAPI matched them over all data, and they ran for minutes and ended in 500;
 *   <li>sorting through a reference ({@code _sort=Patient:subject.family}), or by a reference
 *       ({@code _sort=subject}, which orders by the referenced resource's storage number): the order
 *       of one's own results would tell what the referenced resources hold;
 *   <li>chains, {@code _has} and {@code _list} in an operation ({@code Observation/$lastn}): an
 *       operation searches inside as the server, where this check does not reach.
 * </ul>
 * The check reads resources the database matched, most of them perhaps withheld from the caller
 * (a kommun asking {@code Patient?_has:Observation:subject:code=…} about patients whose
 * observations it may not see: every observation of every such patient). HAPI runs it in the
 * search's own thread, where it once ran for 60–140 s, past HAPI's 60 s wait for a page (500,
 * SearchCoordinatorSvcImpl#getResources, 8.8), and on after the answer. So one request's checks
 * read at most {@code samverkan.fhir.join-scan-limit} resources; past that the search is stopped
 * and refused with 400 saying how to narrow it (HAPI marks the search failed with the status
 * thrown, SearchTask#markSearchAsFailedWithExceptionDetails).
 */
final class JoinedCriteria {

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final MatchUrlService matchUrls;
  private final ProtectedIdentity identity;
  private final ISearchParamRegistry searchParams;
  private final int readLimit;

  /** The reads of one request's checks so far: an AtomicInteger in the request's user data. */
  private static final String READS = JoinedCriteria.class.getName() + ".reads";
  /** Candidates of a {@code _has} read at a time: most results have a visible one among the first. */
  private static final int CANDIDATES_PER_READ = 20;

  JoinedCriteria(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls, ProtectedIdentity identity,
      ISearchParamRegistry searchParams, int readLimit) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.matchUrls = matchUrls;
    this.identity = identity;
    this.searchParams = searchParams;
    this.readLimit = readLimit;
  }

  /** What cannot be checked against what the caller sees is refused before anything is searched. */
  void refuseWhatCannotBeChecked(RequestDetails request) {
    refuseNestedHas(request);
    refuseSortThroughReferences(request);
    refuseJoinsInOperations(request);
    // Made here, in the request's thread, before HAPI's search thread checks any result.
    request.getUserData().put(READS, new AtomicInteger());
  }

  /**
   * A {@code _has} inside another ({@code _has:Observation:subject:_has:…}) or inside a chain
   * ({@code subject._has:…}, {@code subject:Patient._has:…}) cannot be checked against what the
   * caller sees: refused up front.
   */
  static void refuseNestedHas(RequestDetails request) {
    for (String name : request.getParameters().keySet()) {
      if (name.indexOf("_has:", 1) >= 0) {
        throw new InvalidRequestException(Messages.english(Message.SEARCH_NESTED_HAS));
      }
    }
  }

  /**
   * {@code _sort}, {@code _sort:asc} and {@code _sort:desc} (comma-separated keys, {@code -} for
   * descending): a key naming a chain, a typed chain ({@code Patient:subject.family}) or a reference
   * parameter is refused. Sorting by the resource's own fields orders what the caller sees by what
   * it sees, and stays.
   */
  private void refuseSortThroughReferences(RequestDetails request) {
    for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
      String name = parameter.getKey();
      if (!name.equals("_sort") && !name.startsWith("_sort:")) {
        continue;
      }
      for (String value : parameter.getValue()) {
        for (String key : value.split(",")) {
          String field = key.trim().startsWith("-") ? key.trim().substring(1) : key.trim();
          if (field.contains(".") || field.contains(":") || isReference(request.getResourceName(), field)) {
            throw new InvalidRequestException(Messages.english(Message.SEARCH_SORT_THROUGH_REFERENCE, field));
          }
        }
      }
    }
  }

  private boolean isReference(String resourceType, String parameter) {
    if (resourceType == null || parameter.isEmpty() || !fhirContext.getResourceTypes().contains(resourceType)) {
      return false;
    }
    RuntimeSearchParam definition = searchParams.getActiveSearchParam(
        resourceType, parameter, ISearchParamRegistry.SearchParamLookupContextEnum.SORT);
    return definition != null && definition.getParamType() == RestSearchParameterTypeEnum.REFERENCE;
  }

  /** An operation's own searches run as the server: criteria that look into other resources are refused. */
  private static void refuseJoinsInOperations(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation != RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
        && operation != RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
        && operation != RestOperationTypeEnum.EXTENDED_OPERATION_SERVER) {
      return;
    }
    for (String name : request.getParameters().keySet()) {
      if (name.startsWith("_has") || name.equals("_list") || isChain(name)) {
        throw new InvalidRequestException(Messages.english(isChain(name) ? Message.OPERATION_NO_CHAIN
            : Message.OPERATION_NO_JOINED_CRITERIA, request.getOperation(), name.split(":", 2)[0]));
      }
    }
  }

  /** Whether the request's joined criteria hold for this result over what {@code visible} accepts. */
  boolean holdFor(RequestDetails request, IBaseResource result, Predicate<IBaseResource> visible) {
    if (request.getResourceName() == null || !request.getResourceName().equals(result.fhirType())) {
      return true; // an included resource, not a match: the criteria were about the matches
    }
    for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
      for (String value : parameter.getValue()) {
        if (!holds(request, parameter.getKey(), value, result, visible)) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean holds(RequestDetails request, String name, String value, IBaseResource result,
      Predicate<IBaseResource> visible) {
    if (name.equals("_sort")) {
      // The order of the results spells what they are sorted by.
      for (String sort : value.split(",")) {
        String parameter = sort.trim().startsWith("-") ? sort.trim().substring(1) : sort.trim();
        if (!parameter.isEmpty() && identity.hidesMatch(request, result.fhirType(), parameter, result)) {
          return false;
        }
      }
      return true;
    }
    if (identity.hidesMatch(request, result.fhirType(), name, result)) {
      return false; // protected identity: a hidden value matches as nothing does
    }
    if (name.startsWith("_has:")) {
      return hasHolds(request, name, value, result, visible);
    }
    if (name.equals("_list")) {
      // HAPI searches _list=X as _has:List:item:_id=X: so it is checked.
      return hasHolds(request, "_has:List:item:_id", value, result, visible);
    }
    if (isChain(name)) {
      return referencesVisible(request, result, chainTargetType(name), visible);
    }
    return true;
  }

  static boolean isChain(String name) {
    return !name.startsWith("_") && name.contains(".");
  }

  /** {@code subject:Patient.name} → Patient; {@code encounter.class} → any type. */
  private static String chainTargetType(String name) {
    String reference = name.substring(0, name.indexOf('.'));
    int colon = reference.indexOf(':');
    return colon < 0 ? null : reference.substring(colon + 1);
  }

  private boolean referencesVisible(RequestDetails request, IBaseResource resource, String targetType,
      Predicate<IBaseResource> visible) {
    for (IBaseReference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
      IIdType target = reference.getReferenceElement();
      if (target == null || !target.hasIdPart() || !target.hasResourceType() || target.isAbsolute()
          || target.getValue().startsWith("#")) {
        continue;
      }
      if (targetType != null && !targetType.equals(target.getResourceType())) {
        continue;
      }
      IBaseResource referenced;
      try {
        count(request, 1);
        referenced = daos.getResourceDao(target.getResourceType()).read(target.toUnqualifiedVersionless(), new SystemRequestDetails());
      } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
        continue; // nothing there to leak
      }
      if (!visible.test(referenced)) {
        return false;
      }
    }
    return true;
  }

  /** {@code _has:Y:ref:param=value}: some Y the caller sees refers to the result and matches. */
  private boolean hasHolds(RequestDetails request, String name, String value, IBaseResource result,
      Predicate<IBaseResource> visible) {
    String[] parts = name.split(":", 4);
    if (parts.length < 4) {
      return true; // malformed: HAPI has refused it already
    }
    String type = parts[1];
    String reference = parts[2];
    String parameter = parts[3];
    String url = type + "?" + reference + "=" + encode(result.fhirType() + "/" + result.getIdElement().getIdPart())
        + "&" + parameter + "=" + encode(value);
    Caller caller = Caller.of(request);
    if (caller != null && caller.careProvider() != null && anyVisible(request, url + "&" + Constants.PARAM_TAG + "="
        + encode(Vocabulary.OWNER_CARE_PROVIDER + "|" + caller.careProvider()), type, parameter, visible)) {
      return true; // the caller's own first: where it wrote one, found in one small read
    }
    return anyVisible(request, url, type, parameter, visible);
  }

  /** Whether the search finds one the caller sees: a page at a time, in a fixed order, until one is found. */
  private boolean anyVisible(RequestDetails request, String url, String type, String parameter,
      Predicate<IBaseResource> visible) {
    for (int offset = 0; ; offset += CANDIDATES_PER_READ) {
      SearchParameterMap search = matchUrls.translateMatchUrl(url, fhirContext.getResourceDefinition(type));
      search.setLoadSynchronous(true);
      search.setSort(new SortSpec(Constants.PARAM_ID));
      search.setOffset(offset);
      search.setCount(CANDIDATES_PER_READ);
      // Not getAllResources(): a full page of a synchronous search has no size (HAPI-0464).
      List<IBaseResource> candidates =
          daos.getResourceDao(type).search(search, new SystemRequestDetails()).getResources(0, CANDIDATES_PER_READ);
      count(request, candidates.size());
      for (IBaseResource candidate : candidates) {
        if (visible.test(candidate)
            && (!isChain(parameter) || referencesVisible(request, candidate, chainTargetType(parameter), visible))
            && !identity.hidesMatch(request, type, parameter, candidate)) {
          return true;
        }
      }
      if (candidates.size() < CANDIDATES_PER_READ) {
        return false;
      }
    }
  }

  /** Counts reads for the request's checks; past the limit, the search is refused. */
  private void count(RequestDetails request, int reads) {
    Object counted = request.getUserData().get(READS);
    if (counted instanceof AtomicInteger total && total.addAndGet(reads) > readLimit) {
      throw new InvalidRequestException(Messages.english(Message.SEARCH_JOIN_SCAN_LIMIT, readLimit));
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
