package se.samverkan.access;

import se.samverkan.server.spi.HookOrder;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.i18n.Msg;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.BaseStorageDao;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ICachedSearchDetails;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.server.edge.MatchUrls;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * The conditions inside a transaction or batch — {@code ifNoneExist}, conditional PUT, PATCH and
 * DELETE URLs, and conditional references ({@code Patient?identifier=…}) — see only what the caller
 * may see, as single requests do (CareRelationConsentService, OwnMatchesFirst). HAPI's transaction
 * processor resolves simple conditions up front, straight from the search index, and never shows
 * those matches to the consent interceptor (TransactionProcessor#preFetchConditionalUrls, HAPI
 * 8.8). So before HAPI sees the Bundle, each condition on patient data is evaluated here: when the
 * caller may see every match (the usual case) it stays as it is; otherwise it is narrowed to the
 * matches the caller may see ({@code &_id=…}, the caller's own first), or — when it sees none — to
 * a match of nothing, so that HAPI creates, finds nothing or refuses exactly as for a condition
 * nothing matches. A conditional reference nothing visible matches is refused with HAPI's own
 * message for the condition as written.
 *
 * <p>A conditional DELETE — plain or as an entry — is searched by HAPI straight from the index
 * too, and every match is deleted (BaseHapiFhirResourceDao#doDeleteByUrl over
 * MatchResourceUrlService#search: no STORAGE_PRESHOW_RESOURCES, HAPI 8.8). Its search is narrowed
 * the same way as it starts, so that HAPI's answer still quotes the condition as written: a hidden
 * match deletes nothing and answers as no match does.
 */
@Interceptor(order = HookOrder.CONDITIONS_NARROWED)
public class TransactionConditions implements ServerInterceptor {

  /** More candidates than this for one condition: HAPI answers 412 "multiple matches" anyway. */
  private static final int CANDIDATES = 20;

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final MatchUrlService matchUrls;
  private final AccessPolicy policy;

  TransactionConditions(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls, AccessPolicy policy) {
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.matchUrls = matchUrls;
    this.policy = policy;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void narrowConditions(RequestDetails request) {
    Caller caller = Caller.of(request);
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (caller == null || caller.isSystem() || !(request.getResource() instanceof Bundle bundle)
        || (operation != RestOperationTypeEnum.TRANSACTION && operation != RestOperationTypeEnum.BATCH)) {
      return;
    }
    Map<String, String> narrowed = new HashMap<>();
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
      if (entryRequest.hasIfNoneExist() && entryRequest.getUrl() != null) {
        String type = typeOf(entryRequest.getUrl());
        String condition = type + "?" + entryRequest.getIfNoneExist();
        String seen = narrowed.computeIfAbsent(condition, c -> narrow(c, caller, request));
        entryRequest.setIfNoneExist(seen.substring(seen.indexOf('?') + 1));
      } else if (entryRequest.getUrl() != null && entryRequest.getUrl().contains("?")
          && (entryRequest.getMethod() == Bundle.HTTPVerb.PUT || entryRequest.getMethod() == Bundle.HTTPVerb.PATCH)) {
        entryRequest.setUrl(narrowed.computeIfAbsent(entryRequest.getUrl(), c -> narrow(c, caller, request)));
      }
      if (entry.getResource() != null) {
        for (IBaseReference reference : fhirContext.newTerser()
            .getAllPopulatedChildElementsOfType(entry.getResource(), IBaseReference.class)) {
          String value = reference.getReferenceElement().getValue();
          if (MatchUrls.isConditionalReference(value)) {
            String seen = narrowed.computeIfAbsent(value, c -> narrow(c, caller, request));
            if (seen.contains("_id=" + NOTHING)) {
              throw new ResourceNotFoundException(Msg.code(1091) + fhirContext.getLocalizer()
                  .getMessage(BaseStorageDao.class, "invalidMatchUrlNoMatches", value));
            }
            reference.setReference(seen);
          }
        }
      }
    }
  }

  /** An id no resource has: a condition narrowed to it matches nothing. */
  private static final String NOTHING = "nothing-";

  /** A conditional delete's own search, as HAPI starts it: narrowed to what the caller sees. */
  @Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
  public void narrowConditionalDelete(RequestDetails request, SearchParameterMap search, ICachedSearchDetails details) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem() || request.getRequestType() != RequestTypeEnum.DELETE) {
      return;
    }
    visibleMatches(details.getResourceType(), search, caller, request).ifPresent(ids -> {
      TokenOrListParam only = new TokenOrListParam();
      (ids.isEmpty() ? List.of(NOTHING + UUID.randomUUID()) : ids).forEach(id -> only.add(null, id));
      search.add("_id", only);
    });
  }

  /** The condition as written, or narrowed to what the caller sees. */
  private String narrow(String condition, Caller caller, RequestDetails request) {
    String type = typeOf(condition);
    Optional<List<String>> matches;
    try {
      matches = visibleMatches(type, matchUrls.translateMatchUrl(condition, fhirContext.getResourceDefinition(type)),
          caller, request);
    } catch (BaseServerResponseException | IllegalArgumentException e) {
      return condition; // malformed: HAPI answers for it as usual
    }
    return matches
        .map(ids -> condition + "&_id=" + (ids.isEmpty() ? NOTHING + UUID.randomUUID() : String.join(",", ids)))
        .orElse(condition);
  }

  /**
   * The ids of a condition's matches the caller may see, its own only where it has some; none
   * when the caller sees every match (the usual case) and the condition can stay as it is.
   */
  private Optional<List<String>> visibleMatches(String type, SearchParameterMap condition, Caller caller,
      RequestDetails request) {
    if (policy.kinds().kindOf(type) != ResourceKinds.Kind.PATIENT_DATA) {
      return Optional.empty(); // reference data: every caller sees all of it
    }
    List<IBaseResource> candidates;
    try {
      SearchParameterMap search = condition.clone();
      search.setLoadSynchronousUpTo(CANDIDATES);
      candidates = daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources();
    } catch (BaseServerResponseException | IllegalArgumentException e) {
      return Optional.empty(); // HAPI answers for it as usual
    }
    List<String> seen = new ArrayList<>();
    List<String> own = new ArrayList<>();
    for (IBaseResource candidate : candidates) {
      if (policy.decide(caller, candidate, request.getUserData()).allowed()) {
        seen.add(candidate.getIdElement().getIdPart());
        if (Ownership.careProvider(candidate).map(caller.careProvider()::equals).orElse(false)) {
          own.add(candidate.getIdElement().getIdPart());
        }
      }
    }
    List<String> matches = own.isEmpty() ? seen : own;
    return matches.size() == candidates.size() ? Optional.empty() : Optional.of(matches);
  }

  private static String typeOf(String url) {
    String path = url.startsWith("/") ? url.substring(1) : url;
    int end = path.indexOf('?');
    return end < 0 ? path : path.substring(0, end);
  }
}
