package se.samverkan.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

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
 *   <li>a nested {@code _has};
 *   <li>sorting through a reference ({@code _sort=Patient:subject.family}), or by a reference
 *       ({@code _sort=subject}, which orders by the referenced resource's storage number): the order
 *       of one's own results would tell what the referenced resources hold;
 *   <li>chains, {@code _has} and {@code _list} in an operation ({@code Observation/$lastn}): an
 *       operation searches inside as the server, where this check does not reach.
 * </ul>
 */
final class JoinedCriteria {

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final MatchUrlService matchUrls;
  private final ProtectedIdentity identity;
  private final ISearchParamRegistry searchParams;

  JoinedCriteria(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls, ProtectedIdentity identity,
      ISearchParamRegistry searchParams) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.matchUrls = matchUrls;
    this.identity = identity;
    this.searchParams = searchParams;
  }

  /** What cannot be checked against what the caller sees is refused before anything is searched. */
  void refuseWhatCannotBeChecked(RequestDetails request) {
    refuseNestedHas(request);
    refuseSortThroughReferences(request);
    refuseJoinsInOperations(request);
  }

  /** A nested {@code _has} cannot be checked against what the caller sees: refused up front. */
  static void refuseNestedHas(RequestDetails request) {
    for (String name : request.getParameters().keySet()) {
      if (name.startsWith("_has:") && name.contains(":_has:")) {
        throw new InvalidRequestException("A nested _has cannot be checked against what you may see; "
            + "search step by step instead");
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
            throw new InvalidRequestException("_sort=" + field + " sorts through a reference: the order of your "
                + "results would depend on the referenced resources, which you may not be allowed to see. Sort by "
                + "the resource's own search parameters (e.g. date, _lastUpdated), or read the referenced resources "
                + "and sort them yourself");
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
        throw new InvalidRequestException(request.getOperation() + " does not take " + name.split(":", 2)[0]
            + (isChain(name) ? " (a chain)" : "") + ": criteria that look into other resources cannot be checked "
            + "against what you may see there; search for the resources first, then ask about them by id");
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
      return referencesVisible(result, chainTargetType(name), visible);
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

  private boolean referencesVisible(IBaseResource resource, String targetType, Predicate<IBaseResource> visible) {
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
    SearchParameterMap search = matchUrls.translateMatchUrl(url, fhirContext.getResourceDefinition(type));
    search.setLoadSynchronous(true);
    List<IBaseResource> candidates = new ArrayList<>(
        daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources());
    for (IBaseResource candidate : candidates) {
      if (visible.test(candidate) && (!isChain(parameter) || referencesVisible(candidate, chainTargetType(parameter), visible))
          && !identity.hidesMatch(request, type, parameter, candidate)) {
        return true;
      }
    }
    return false;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
