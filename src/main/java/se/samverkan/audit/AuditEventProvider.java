package se.samverkan.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.Patch;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.PatchTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import se.samverkan.access.AuditLogPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.FhirServerProperties;
import se.samverkan.server.spi.ServerProvider;

/**
 * The audit log served as FHIR AuditEvents from its own store ({@link AuditLog}), replacing the
 * resource provider HAPI would make for the type: read, and search by the parameters log review
 * uses — {@code altid}, {@code patient}, {@code date}, {@code _security} — sorted by {@code date}
 * either way (by default in the order written), paged with {@code _count} and {@code _offset}, with
 * {@code _include=AuditEvent:patient}. Anything else is refused with 400, never silently ignored
 * (HAPI's plain-provider binding would ignore an unknown {@code _} parameter).
 *
 * <p>Who may read which events ({@link AuditLogPolicy#reviewedCareProvider}) is part of the SQL: a
 * reviewer's page is filled from the events it may read, and an event it may not read is answered
 * as one that does not exist. What of an event a reviewer is shown is decided on its way out, as
 * for every resource (access/CareRelationConsentService, AuditLogPolicy#shownTo), which also checks
 * each event once more.
 */
public class AuditEventProvider implements IResourceProvider, ServerProvider {

  static final String INCLUDE_PATIENT = "AuditEvent:patient";

  /** The search parameters of the log (each one a key of {@link AuditLog}, or its time recorded). */
  static final Set<String> SEARCH_PARAMETERS =
      Set.of(AuditEvent.SP_ALTID, AuditEvent.SP_PATIENT, AuditEvent.SP_DATE, Constants.PARAM_SECURITY);

  /** The {@code _} parameters a search takes; HAPI's own ({@code _format} and the like) pass through. */
  private static final Set<String> RESULT_PARAMETERS = Set.of(Constants.PARAM_COUNT, Constants.PARAM_OFFSET,
      Constants.PARAM_SORT, Constants.PARAM_INCLUDE, Constants.PARAM_SECURITY, Constants.PARAM_FORMAT,
      Constants.PARAM_PRETTY, Constants.PARAM_SUMMARY, Constants.PARAM_ELEMENTS);

  private final AuditLog log;
  private final DaoRegistry daos;
  private final FhirServerProperties properties;

  public AuditEventProvider(AuditLog log, DaoRegistry daos, FhirServerProperties properties) {
    this.log = log;
    this.daos = daos;
    this.properties = properties;
  }

  @Override
  public Class<AuditEvent> getResourceType() {
    return AuditEvent.class;
  }

  /** One the caller may not read is answered as one that does not exist. */
  @Read
  public AuditEvent read(@IdParam IdType id, RequestDetails request) {
    return storedId(id)
        .flatMap(stored -> readable(request).flatMap(conditions -> log.read(stored, conditions)))
        .orElseThrow(() -> new ResourceNotFoundException(new IdType(AuditLogPolicy.TYPE, id.getIdPart())));
  }

  /** The store's ids are numbers; any other id names no event. */
  private static Optional<Long> storedId(IdType id) {
    try {
      return Optional.of(Long.parseLong(id.getIdPart()));
    } catch (NumberFormatException notANumber) {
      return Optional.empty();
    }
  }

  /**
   * Writes are declared so that they reach the scope rules, which refuse them to every caller with
   * the 403 a write inside a transaction gets (auth/ScopeAuthorizationInterceptor: the audit log is
   * written by the server only); undeclared, HAPI would answer 400 before any rule. The server
   * writes through AuditLog, never here, so these refuse whoever reaches them.
   */
  @Create
  public MethodOutcome create(@ResourceParam AuditEvent event) {
    throw writtenByTheServerOnly();
  }

  @Update
  public MethodOutcome update(@IdParam IdType id, @ResourceParam AuditEvent event, @ConditionalUrlParam String condition) {
    throw writtenByTheServerOnly();
  }

  @Patch
  public MethodOutcome patch(@IdParam IdType id, PatchTypeEnum type, @ResourceParam String body,
      @ConditionalUrlParam String condition) {
    throw writtenByTheServerOnly();
  }

  @Delete
  public MethodOutcome delete(@IdParam IdType id, @ConditionalUrlParam(supportsMultiple = true) String condition) {
    throw writtenByTheServerOnly();
  }

  private static ForbiddenOperationException writtenByTheServerOnly() {
    return new ForbiddenOperationException(Messages.english(Message.RULE_AUDIT_LOG_WRITTEN_BY_SERVER));
  }

  @Search
  public IBundleProvider search(
      @OptionalParam(name = AuditEvent.SP_ALTID) TokenAndListParam altid,
      @OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceAndListParam patient,
      @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
      @OptionalParam(name = Constants.PARAM_SECURITY) TokenAndListParam security,
      @Sort SortSpec sort,
      @Count Integer count,
      @Offset Integer offset,
      @IncludeParam(allow = {INCLUDE_PATIENT}) Set<Include> includes,
      RequestDetails request) {
    refuseUnknownParameters(request);
    List<AuditLog.Condition> conditions = new ArrayList<>();
    if (altid != null) {
      altid.getValuesAsQueryTokens().forEach(or -> conditions.add(tokens(AuditEvent.SP_ALTID, or, false)));
    }
    if (patient != null) {
      patient.getValuesAsQueryTokens().forEach(or -> conditions.add(patients(or)));
    }
    if (security != null) {
      security.getValuesAsQueryTokens().forEach(or -> conditions.add(tokens(Constants.PARAM_SECURITY, or, true)));
    }
    int pageSize = count == null || count <= 0 ? properties.defaultPageSize() : Math.min(count, properties.maxPageSize());
    int from = offset == null ? 0 : offset;

    Long fromMillis = bound(date, true);
    Long toMillis = bound(date, false);
    AuditLog.Order order = order(sort);
    List<AuditEvent> found = readable(request).map(reach -> {
      conditions.addAll(reach);
      return log.search(conditions, fromMillis, toMillis, order, from, pageSize + 1);
    }).orElse(List.of());
    boolean more = found.size() > pageSize;
    List<IBaseResource> page = new ArrayList<>(found.subList(0, Math.min(found.size(), pageSize)));
    if (includes != null && includes.stream().anyMatch(i -> INCLUDE_PATIENT.equals(i.getValue()))) {
      includePatients(page);
    }
    return new OffsetPage(page, from, pageSize, more);
  }

  /**
   * One page, with HAPI's {@code _offset} links to the next and previous (the search asked again
   * from there, as the caller, so no saved search is needed). Never counted: a reviewer pages on
   * until there is no {@code next}.
   */
  private static final class OffsetPage extends SimpleBundleProvider {
    private final boolean more;
    private final boolean first;

    OffsetPage(List<IBaseResource> page, int offset, int pageSize, boolean more) {
      super(page);
      this.more = more;
      this.first = offset == 0;
      setSize(null);
      setCurrentPageOffset(offset);
      setCurrentPageSize(pageSize);
      setTotalResourcesRequestedReturned(page.size());
    }

    // HAPI builds the links from the offset and page size; these only say whether there are any.
    @Override
    public String getNextPageId() {
      return more ? "next" : null;
    }

    @Override
    public String getPreviousPageId() {
      return first ? null : "previous";
    }
  }

  /**
   * What the caller may read, as conditions on the store: none for the server itself, the
   * reviewer's care provider for a log reviewer (AuditLogPolicy#mayRead, as a search); empty when
   * it may read nothing (the scope rules refuse such callers before this).
   */
  private static Optional<List<AuditLog.Condition>> readable(RequestDetails request) {
    Caller caller = Caller.of(request);
    if (caller != null && caller.isSystem()) {
      return Optional.of(List.of());
    }
    return AuditLogPolicy.reviewedCareProvider(caller)
        .map(careProvider -> List.of(new AuditLog.Condition(AuditLog.Key.CONCERNS, List.of(careProvider))));
  }

  private static void refuseUnknownParameters(RequestDetails request) {
    for (String name : request.getParameters().keySet()) {
      String bare = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
      if (bare.startsWith("_") && !RESULT_PARAMETERS.contains(bare)) {
        throw refused(Message.AUDIT_LOG_PARAMETER, name);
      }
      if (name.contains(":") && !name.startsWith(Constants.PARAM_INCLUDE)) {
        throw refused(Message.AUDIT_LOG_PARAMETER, name); // no modifier, chain or type on the log's parameters
      }
    }
  }

  private static AuditLog.Condition tokens(String name, TokenOrListParam or, boolean withSystem) {
    List<String> values = new ArrayList<>();
    AuditLog.Key key = AuditLog.Key.ALTID;
    for (TokenParam token : or.getValuesAsQueryTokens()) {
      if (token.getModifier() != null || token.getValue() == null || token.getValue().isEmpty()) {
        throw refused(Message.AUDIT_LOG_PARAMETER, name);
      }
      if (!withSystem) {
        values.add(token.getValue());
      } else if (token.getSystem() == null) {
        key = AuditLog.Key.SECURITY_CODE;
        values.add(token.getValue());
      } else {
        key = AuditLog.Key.SECURITY;
        values.add(token.getSystem() + "|" + token.getValue());
      }
    }
    if (withSystem && or.getValuesAsQueryTokens().stream().map(t -> t.getSystem() == null).distinct().count() > 1) {
      // One condition is on one key: a list that mixes code-only and system|code is asked as two searches.
      throw refused(Message.AUDIT_LOG_PARAMETER, name);
    }
    return new AuditLog.Condition(key, values);
  }

  private static AuditLog.Condition patients(ReferenceOrListParam or) {
    List<String> values = new ArrayList<>();
    for (ReferenceParam reference : or.getValuesAsQueryTokens()) {
      boolean otherType = reference.getResourceType() != null && !"Patient".equals(reference.getResourceType());
      if (reference.hasChain() || otherType || reference.getMissing() != null || reference.getIdPart() == null) {
        throw refused(Message.AUDIT_LOG_PARAMETER, AuditEvent.SP_PATIENT);
      }
      values.add("Patient/" + reference.getIdPart());
    }
    return new AuditLog.Condition(AuditLog.Key.PATIENT, values);
  }

  /** The lower or upper bound of the dates asked for, in milliseconds, inclusive; null for none. */
  private static Long bound(DateRangeParam date, boolean lower) {
    if (date == null) {
      return null;
    }
    for (DateParam part : date.getValuesAsQueryTokens()) {
      ParamPrefixEnum prefix = part.getPrefix();
      if (prefix == ParamPrefixEnum.NOT_EQUAL || prefix == ParamPrefixEnum.APPROXIMATE) {
        throw refused(Message.AUDIT_LOG_PARAMETER, AuditEvent.SP_DATE + "=" + prefix.getValue());
      }
    }
    java.util.Date instant = lower ? date.getLowerBoundAsInstant() : date.getUpperBoundAsInstant();
    return instant == null ? null : instant.getTime();
  }

  private static AuditLog.Order order(SortSpec sort) {
    if (sort == null) {
      return AuditLog.Order.WRITTEN;
    }
    if (!AuditEvent.SP_DATE.equals(sort.getParamName()) || sort.getChain() != null) {
      throw refused(Message.AUDIT_LOG_SORT, sort.getParamName());
    }
    return sort.getOrder() == SortOrderEnum.DESC ? AuditLog.Order.RECORDED_DESCENDING : AuditLog.Order.RECORDED;
  }

  /**
   * The patients the page's events name, read as the server: HAPI adds each to the answer as an
   * included resource, where the access rules judge it like any other. A patient deleted since is
   * left out (the log outlives the record).
   */
  private void includePatients(List<IBaseResource> page) {
    Map<String, Optional<Patient>> loaded = new HashMap<>();
    for (IBaseResource resource : page) {
      for (AuditEvent.AuditEventEntityComponent entity : ((AuditEvent) resource).getEntity()) {
        String reference = entity.getWhat().getReference();
        if (reference == null || !reference.startsWith("Patient/")) {
          continue;
        }
        loaded.computeIfAbsent(reference, this::patient).ifPresent(p -> entity.getWhat().setResource(p));
      }
    }
  }

  private Optional<Patient> patient(String reference) {
    try {
      return Optional.of(daos.getResourceDao(Patient.class).read(new IdType(reference), new SystemRequestDetails()));
    } catch (BaseServerResponseException goneOrAbsent) {
      return Optional.empty();
    }
  }

  private static InvalidRequestException refused(Message message, Object... arguments) {
    return new InvalidRequestException(Messages.english(message, arguments));
  }
}
