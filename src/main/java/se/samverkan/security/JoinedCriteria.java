package se.samverkan.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
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
 * A nested {@code _has} is refused (400): it cannot be checked this way.
 */
final class JoinedCriteria {

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final MatchUrlService matchUrls;
  private final ProtectedIdentity identity;

  JoinedCriteria(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls, ProtectedIdentity identity) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.matchUrls = matchUrls;
    this.identity = identity;
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
