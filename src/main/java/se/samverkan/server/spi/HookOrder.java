package se.samverkan.server.spi;

import ca.uhn.fhir.rest.server.interceptor.InterceptorOrders;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationConstants;

/**
 * Every hook order Samverkan's interceptors use, ascending, each with the reason it sits where it
 * does. HAPI calls the hooks of one pointcut in ascending order, {@code @Hook(order)} before
 * {@code @Interceptor(order)}, and hooks of equal order in the order they were registered
 * (BaseInterceptorService#getInvokersForPointcut, HAPI 8.8); a hook on a storage pointcut is sorted
 * together with those of HAPI's JPA interceptor service (CompositeInterceptorBroadcaster). So every
 * order that matters is named here, and every {@code @Interceptor(order=…)} and
 * {@code @Hook(order=…)} in our code refers to this table (HookOrderTest checks both). A hook with
 * no order runs at HAPI's default 0 among the others without one: their order among themselves
 * must not matter. An order of 0 on a hook means "the interceptor's order" to HAPI (Hook#order), so
 * no constant here is 0.
 *
 * <p>HAPI's own orders we place ours against: {@link AuthorizationConstants#ORDER_CONSENT_INTERCEPTOR}
 * (100, the consent interceptor: what a caller is shown), {@link AuthorizationConstants#ORDER_AUTH_INTERCEPTOR}
 * (200, the authorization interceptor: what the token's scopes allow), HAPI's SubscriptionValidatingInterceptor
 * (100, on the JPA service) and {@link InterceptorOrders#RESPONSE_HIGHLIGHTER_INTERCEPTOR} (10000, renders an
 * answer as HTML for a browser and ends the pointcut there).
 */
public final class HookOrder {

  private HookOrder() {}

  /**
   * The {@code Caller} is put into the request first thing (SERVER_INCOMING_REQUEST_POST_PROCESSED,
   * auth/CallerInterceptor), before every rule that asks who is calling: the write-sharing rules
   * and the version preconditions on the same pointcut, and everything after it. A request refused
   * before that pointcut (HAPI found no method for it) gets its caller as its failure is answered
   * (SERVER_PRE_PROCESS_OUTGOING_EXCEPTION, first there too; it answers nothing), so that its audit
   * record says who asked.
   */
  public static final int CALLER_IDENTIFIED = -1000;

  /**
   * The audit log notes the patient of a write (STORAGE_PRESTORAGE_RESOURCE_CREATED, _UPDATED,
   * _DELETED; audit/AuditInterceptor) before any storage rule may refuse it — hostile values,
   * ownership, profiles, the scope check — so the AuditEvent of a refused write still names its
   * patient.
   */
  public static final int AUDIT_NOTES_THE_WRITE = -500;

  /**
   * Malformed match URLs (If-None-Exist, conditional URLs and references; server/edge/MatchUrls) are
   * refused before any rule reads them (SERVER_INCOMING_REQUEST_PRE_HANDLED): before
   * ConditionalWriteInterceptor locks the conditions and TransactionConditions narrows them; and,
   * as before by bean order, before {@link #XML_PATCH_REFUSED}.
   */
  public static final int MALFORMED_MATCH_URLS_REFUSED = -210;

  /**
   * XML Patch is refused (SERVER_INCOMING_REQUEST_PRE_HANDLED,
   * server/edge/HostileInputInterceptor#refuseXmlPatch) before anything is looked up.
   */
  public static final int XML_PATCH_REFUSED = -200;

  /**
   * {@code $meta}, {@code $meta-add} and {@code $meta-delete} are refused with 405
   * (SERVER_INCOMING_REQUEST_PRE_HANDLED, storage/TagsInVersions) before anything is looked up, and
   * before the scope rules (AuthorizationInterceptor, 200), which would answer 403 as if a scope
   * could allow them: tags are part of each stored version, and HAPI's implementations read and
   * change its tag tables, which are no longer kept.
   */
  public static final int META_OPERATIONS_REFUSED = -190;

  /**
   * Hostile values in a resource to be stored (STORAGE_PRESTORAGE_RESOURCE_CREATED, _UPDATED;
   * server/edge/HostileInputInterceptor) are refused first among the storage rules, before any of
   * them encodes the resource; after {@link #AUDIT_NOTES_THE_WRITE}.
   */
  public static final int HOSTILE_VALUES_REFUSED = -100;

  /**
   * A failure's AuditEvent is written (SERVER_HANDLE_EXCEPTION, audit/AuditInterceptor#answeringFailure)
   * first: HAPI's ResponseHighlighterInterceptor (10000) answers a browser's failure itself and ends
   * the pointcut, and ops/ServerErrorLogger (default order) only logs.
   */
  public static final int AUDIT_WRITTEN_ON_FAILURE = -10;

  /**
   * Swedish identifiers are put into one form (profiles/IdentifierNormalizer) before the profiles
   * check what is stored ({@link #PROFILES_ENFORCED}), and in searches
   * (STORAGE_PRESEARCH_REGISTERED) before the consent interceptor and TransactionConditions search
   * with them.
   */
  public static final int IDENTIFIERS_NORMALISED = 90;

  /**
   * A read's page of search results is loaded for the access checks by the first hook that looks
   * at it (STORAGE_PREACCESS_RESOURCES, storage/ResultsParsedOnce), so that what is parsed there is
   * handed to the answer instead of being parsed again; before {@link #ACCESS_LOOKUPS_PREFETCHED},
   * which was the first to read the page until then.
   */
  public static final int RESULTS_PARSED_ONCE = AuthorizationConstants.ORDER_CONSENT_INTERCEPTOR - 3;

  /**
   * A write's condition matches the caller's own resources only, if it matches any
   * (STORAGE_PRESHOW_RESOURCES, access/OwnMatchesFirst), before the consent interceptor leaves out
   * what the caller may not see.
   */
  public static final int OWN_MATCHES_FIRST = AuthorizationConstants.ORDER_CONSENT_INTERCEPTOR - 2;

  /**
   * The care relations and consents of a page's patients are looked up in one go
   * (STORAGE_PREACCESS_RESOURCES, access/AccessLookupPrefetch) just before the consent interceptor
   * judges the page resource by resource.
   */
  public static final int ACCESS_LOOKUPS_PREFETCHED = AuthorizationConstants.ORDER_CONSENT_INTERCEPTOR - 1;

  /**
   * A transaction's or batch's conditions are narrowed to what the caller may see
   * (SERVER_INCOMING_REQUEST_PRE_HANDLED, STORAGE_PRESEARCH_REGISTERED; access/TransactionConditions)
   * after ConditionalWriteInterceptor has locked them as the client wrote them (default order) and
   * after the consent interceptor's hooks on the same pointcuts (they were 100 both, and the consent
   * interceptor ran first by bean order).
   */
  public static final int CONDITIONS_NARROWED = AuthorizationConstants.ORDER_CONSENT_INTERCEPTOR + 1;

  /**
   * Entries the consent interceptor withheld (emptied) are removed from the answer
   * (SERVER_OUTGOING_RESPONSE, access/WithheldEntriesInterceptor) after it has run.
   */
  public static final int WITHHELD_ENTRIES_REMOVED = AuthorizationConstants.ORDER_CONSENT_INTERCEPTOR + 1;

  /**
   * A resource the caller may not see answers as one never stored
   * (SERVER_INCOMING_REQUEST_PRE_HANDLED, access/HiddenAsAbsentInterceptor) after the scope check,
   * so a request the scopes refuse is refused with 403 whatever is stored.
   */
  public static final int HIDDEN_AS_ABSENT = AuthorizationConstants.ORDER_AUTH_INTERCEPTOR + 1;

  /**
   * Profiles are checked (STORAGE_PRESTORAGE_RESOURCE_CREATED, _UPDATED;
   * profiles/ProfileEnforcementInterceptor) after the scope check on the same pointcuts: a write the
   * token's scopes do not allow answers 403, not 422 because its resource is also invalid. HAPI
   * judges most writes against the scopes as the request comes in, transaction and batch entries
   * included (RuleImplOp#applyRuleToTransaction, 8.8), but a PATCH only by the patched resource, on
   * these pointcuts; at 100, as before, validation ran first there. After {@link #IDENTIFIERS_NORMALISED},
   * after the storage rules at the default order (ownership, sharing, subscription rules) and after
   * HAPI's SubscriptionValidatingInterceptor (100): the costly validation last.
   */
  public static final int PROFILES_ENFORCED = AuthorizationConstants.ORDER_AUTH_INTERCEPTOR + 50;

  /**
   * When the request is done (SERVER_PROCESSING_COMPLETED), the conditional-write locks
   * (server/ConditionalWriteInterceptor) are released first: the request has committed, and the
   * next request with the same condition need not wait for the audit log's last word on it
   * ({@link #AUDIT_COMPLETED}), which before ran first (-500 against the locks' 0) and held them for
   * an insert of its own. The AuditEvent written as the answer went out ({@link #AUDIT_WRITTEN}) is
   * one short transaction made while the locks were still held.
   */
  public static final int CONDITION_LOCKS_RELEASED = 1_000;

  /**
   * The audit log's entry in the CapabilityStatement (SERVER_CAPABILITY_STATEMENT_GENERATED,
   * audit/AuditLogApart#describeTheLog) is written after server/CapabilityStatementCustomizer's
   * (default order), which sets what every type offers: the log's own store offers less.
   */
  public static final int AUDIT_LOG_DESCRIBED = 1_500;

  /**
   * When the request is done (SERVER_PROCESSING_COMPLETED, audit/AuditInterceptor#completed), the
   * AuditEvent of a request that reached neither {@link #AUDIT_WRITTEN} nor
   * {@link #AUDIT_WRITTEN_ON_FAILURE} is written, or one whose answer failed while it was sent is
   * corrected, last, after {@link #CONDITION_LOCKS_RELEASED}: no lock is held while it is written.
   */
  public static final int AUDIT_COMPLETED = 2_000;

  /**
   * {@code access.HiddenAsAbsentInterceptor}'s answers to failures (SERVER_PRE_PROCESS_OUTGOING_EXCEPTION:
   * a delete refused because of a referrer the caller may not see; HAPI's 404 and 410 texts): just
   * before {@link #ERROR_TRANSLATION}, so that what a caller may not see is decided on the exception
   * as it was thrown, before any translation could copy its text into another answer (the 409 to
   * 412 translation repeats the conflict's message, which for a delete names the referrer). Today
   * the two answer disjoint failures (404, 410 and a delete's 409 here; outage, stale-version 409
   * and failures answered 400 or 500 there), so the order changes no answer; it makes sure the
   * access rule is always consulted, which after the translation it would not be.
   */
  public static final int HIDDEN_AS_ABSENT_ANSWERS = 4_999;

  /**
   * {@code server.errors.ErrorTranslation} on {@code SERVER_PRE_PROCESS_OUTGOING_EXCEPTION}: last.
   * HAPI takes the first non-null answer of that pointcut and calls no hook after it
   * (BaseInterceptorService#callInvokers, 8.8), and the translation answers nearly everything
   * (its last rule turns any other failure into a 500): a hook after it would never see a failure.
   * Rules that answer particular exceptions their own way (access) come before it; the order of
   * the translation's own rules is a list in that class, not an order here.
   */
  public static final int ERROR_TRANSLATION = HIDDEN_AS_ABSENT_ANSWERS + 1;

  /**
   * The answer's AuditEvent is written (SERVER_OUTGOING_RESPONSE, audit/AuditInterceptor#answering)
   * after every hook that decides what the answer shows (consent 100, withheld entries 101, the
   * hooks at the default order) — the access record is complete — and before
   * {@link #MESSAGES_LOCALISED} and HAPI's ResponseHighlighterInterceptor (10000), which ends the
   * pointcut for a browser's request: the event must be committed before the first byte is sent.
   */
  public static final int AUDIT_WRITTEN = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR - 2;

  /**
   * Our messages take the caller's language (SERVER_OUTGOING_RESPONSE,
   * SERVER_OUTGOING_FAILURE_OPERATIONOUTCOME; messages/MessageLanguageInterceptor) after every other
   * hook has had its say (validation warnings at the default order, consent 100, authorization
   * 200) and before HAPI's ResponseHighlighterInterceptor (10000) renders a browser's answer and
   * ends the pointcut. Both were 10000, and the languages ran first only by registration order.
   */
  public static final int MESSAGES_LOCALISED = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR - 1;
}
