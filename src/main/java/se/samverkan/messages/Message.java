package se.samverkan.messages;

/**
 * Every message Samverkan writes itself, by its stable id in the catalogue
 * ({@code messages/samverkan.properties}, English, and {@code samverkan_sv.properties}, Swedish).
 * Code names a constant, so the compiler checks each use; {@code MessageCatalogueTest} checks
 * that each constant has its English and Swedish text. The texts of our profiles' constraints are
 * entries too ({@code constraint.<key>}), but no constants: the profiles name them.
 */
public enum Message {
  // profiles: Swedish identifiers (SwedishPersonIdentifiers, SwedishIdentifierRules)
  IDENTIFIER_TWELVE_DIGITS("identifier.twelve-digits"),
  PERSONNUMMER_NO_DATE("identifier.personnummer.no-date"),
  SAMORDNINGSNUMMER_NO_DATE("identifier.samordningsnummer.no-date"),
  PERSONNUMMER_CHECK_DIGIT("identifier.personnummer.check-digit"),
  SAMORDNINGSNUMMER_CHECK_DIGIT("identifier.samordningsnummer.check-digit"),
  BIRTHDATE_DIFFERS_PERSONNUMMER("identifier.personnummer.birthdate-differs"),
  BIRTHDATE_DIFFERS_SAMORDNINGSNUMMER("identifier.samordningsnummer.birthdate-differs"),
  RESERVE_FORM("identifier.reserve-form"),
  ORGANISATIONSNUMMER_CHECK_DIGIT("identifier.organisationsnummer.check-digit"),
  HSA_ID_CHECK_DIGIT("identifier.hsa-id.check-digit"),
  // profiles: the check itself
  CONSTRAINT_FAILED("validation.constraint-failed"),
  DOES_NOT_CONFORM("validation.does-not-conform"),
  VALUESET_NOT_EXPANDABLE("validation.valueset-not-expandable"),
  INLINE_VALUESET_NOT_EXPANDABLE("validation.inline-valueset-not-expandable"),
  // security: the scope check (ScopeAuthorizationInterceptor); HAPI writes "Access denied by rule:
  // <rule name>" (AuthorizationInterceptor: HAPI-0333, HAPI-0334), and the deny rules' names are ours
  ACCESS_DENIED_BY_RULE("access.denied-by-rule"),
  RULE_TOKEN_REQUIRED("access.rule.token-required"),
  RULE_AUDIT_LOG_WRITTEN_BY_SERVER("access.rule.audit-log-written-by-server"),
  RULE_ONLY_LOG_REVIEWERS("access.rule.only-log-reviewers"),
  RULE_DEFINITIONS_NEED_SCOPE("access.rule.definitions-need-scope"),
  RULE_SCOPES_DO_NOT_ALLOW("access.rule.scopes-do-not-allow"),
  // security: what the caller may not see answers as what is not there
  NOT_KNOWN("resource.not-known"),
  REFERENCE_NOT_FOUND("reference.not-found"),
  DELETE_REFERRED_BY_HIDDEN("delete.referred-by-hidden"),
  // security: sharing and ownership
  CONSENT_IN_FUTURE("sharing.consent-in-future"),
  TYPE_NOT_STORED("sharing.type-not-stored"),
  NO_RECORDED_OWNER_CHANGE("ownership.no-recorded-owner.change"),
  NO_RECORDED_OWNER_DELETE("ownership.no-recorded-owner.delete"),
  NOT_THE_OWNER_CHANGE("ownership.not-the-owner.change"),
  NOT_THE_OWNER_DELETE("ownership.not-the-owner.delete"),
  NO_CARE_PROVIDER("ownership.no-care-provider"),
  // security: the token (FhirAuthErrors)
  TOKEN_REQUIRED_GET_ONE_HERE("token.required.get-one-here"),
  TOKEN_REQUIRED_GET_ONE_ELSEWHERE("token.required.get-one-elsewhere"),
  TOKEN_REFUSED_GET_ONE_HERE("token.refused.get-one-here"),
  TOKEN_REFUSED_GET_ONE_ELSEWHERE("token.refused.get-one-elsewhere"),
  TOKEN_DOES_NOT_ALLOW("token.does-not-allow"),
  // server: answers before HAPI (ErrorOutcomes) and the one answer for a failure of ours
  MALFORMED_REQUEST("http.malformed-request"),
  HTTP_TOKEN_REQUIRED("http.401"),
  HTTP_NOT_ALLOWED("http.403"),
  HTTP_NOTHING_HERE("http.404"),
  HTTP_METHOD_NOT_ALLOWED("http.405"),
  HTTP_TOO_LATE("http.408"),
  HTTP_TOO_LARGE("http.413"),
  HTTP_VERSION("http.505"),
  HTTP_REFUSED("http.refused"),
  INTERNAL_ERROR("http.500"),
  // server: the request's body and encoding before HAPI (RequestSizeLimitFilter)
  BODY_TOO_LARGE("body.too-large"),
  BODY_TOO_LARGE_INFLATED("body.too-large.inflated"),
  BODY_NOT_GZIP("body.not-gzip"),
  BODY_UNSUPPORTED_ENCODING("body.unsupported-encoding"),
  // server: query strings and match URLs (MatchUrls, MalformedUrlFilter, ConditionalWriteInterceptor)
  QUERY_MALFORMED("query.malformed"),
  QUERY_MALFORMED_IN_IF_NONE_EXIST("query.malformed.in-if-none-exist"),
  QUERY_MALFORMED_IN_ENTRY_URL("query.malformed.in-entry-url"),
  QUERY_MALFORMED_IN_ENTRY_IF_NONE_EXIST("query.malformed.in-entry-if-none-exist"),
  QUERY_MALFORMED_IN_ENTRY_REFERENCE("query.malformed.in-entry-reference"),
  QUERY_MALFORMED_IN_REFERENCE("query.malformed.in-reference"),
  QUERY_MALFORMED_IN_CONDITION("query.malformed.in-condition"),
  CONDITION_BUSY("condition.busy"),
  // server: hostile input (edge.HostileInputInterceptor, errors.ClientErrors)
  INPUT_NUMBER_EXPONENT("input.number-exponent"),
  INPUT_NULL_KEEPS_NO_PLACE("input.null-keeps-no-place"),
  INPUT_CONTAINED_NOT_RESOURCE("input.contained-not-resource"),
  INPUT_BODY_UNREADABLE("input.body-unreadable"),
  VALUE_DECIMAL_TOO_LARGE("value.decimal-too-large"),
  VALUE_DECIMAL_PLACES("value.decimal-places"),
  VALUE_CONTROL_CHARACTER("value.control-character"),
  VALUE_UNPAIRED_SURROGATE("value.unpaired-surrogate"),
  SEARCH_VALUE_OF("search.value-of"),
  SEARCH_OFFSET_NEGATIVE("search.offset-negative"),
  PATCH_JSON_MALFORMED("patch.json-malformed"),
  PATCH_NOT_APPLICABLE("patch.not-applicable"),
  PATCH_XML_UNSUPPORTED("patch.xml-unsupported"),
  // storage: tags kept in each version (storage.TagsInVersions)
  META_CHANGED_BY_UPDATE("meta.changed-by-update"),
  META_READ_WITH_THE_RESOURCE("meta.read-with-the-resource"),
  OPERATION_PARAMETER_WRONG_TYPE("operation.parameter-wrong-type"),
  OPERATION_PARAMETER_WRONG_TYPE_UNNAMED("operation.parameter-wrong-type.unnamed"),
  // server: costly searches (ContainsSearchRefusal, StalledSearches) and the database (errors.DatabaseUnavailable)
  SEARCH_CONTAINS_UNSUPPORTED("search.contains-unsupported"),
  SEARCH_STALLED("search.stalled"),
  DATABASE_UNAVAILABLE("database.unavailable"),
  // server: If-Match (VersionPreconditionInterceptor)
  IF_MATCH_HEADER_NOT_ENTITY_TAG("if-match.header-not-entity-tag"),
  IF_MATCH_ENTRY_NOT_ENTITY_TAG("if-match.entry-not-entity-tag"),
  IF_MATCH_NEVER_HAD("if-match.never-had"),
  IF_MATCH_NO_SUCH_RESOURCE("if-match.no-such-resource"),
  IF_MATCH_STALE("if-match.stale"),
  IF_MATCH_STALE_DETAIL("if-match.stale.detail"),
  // security: searches that look into other resources (JoinedCriteria)
  SEARCH_NESTED_HAS("search.nested-has"),
  SEARCH_SORT_THROUGH_REFERENCE("search.sort-through-reference"),
  SEARCH_JOIN_SCAN_LIMIT("search.join-scan-limit"),
  OPERATION_NO_JOINED_CRITERIA("operation.no-joined-criteria"),
  OPERATION_NO_CHAIN("operation.no-chain"),
  // notify: Subscriptions (SubscriptionAcceptance: SubscriptionCriteriaRule, SubscriptionPayloadRule, SubscriptionEndpointRule)
  SUBSCRIPTION_ENDPOINT_REFUSED("subscription.endpoint.refused"),
  SUBSCRIPTION_ENDPOINT_NOT_URL("subscription.endpoint.not-url"),
  SUBSCRIPTION_ENDPOINT_NOT_ALLOWED("subscription.endpoint.not-allowed"),
  SUBSCRIPTION_ENDPOINT_SPECIAL_ADDRESS("subscription.endpoint.special-address"),
  SUBSCRIPTION_ENDPOINT_PRIVATE_ADDRESS("subscription.endpoint.private-address"),
  ADDRESS_LOOPBACK("address.loopback"),
  ADDRESS_UNSPECIFIED("address.unspecified"),
  ADDRESS_LINK_LOCAL("address.link-local"),
  ADDRESS_MULTICAST("address.multicast"),
  ADDRESS_CLOUD_METADATA("address.cloud-metadata"),
  SUBSCRIPTION_CRITERIA_JOINED("subscription.criteria.joined"),
  SUBSCRIPTION_CRITERIA_SEVERAL_TYPES("subscription.criteria.several-types"),
  SUBSCRIPTION_CRITERIA_UNREADABLE("subscription.criteria.unreadable"),
  SUBSCRIPTION_CRITERIA_UNKNOWN_PARAMETER("subscription.criteria.unknown-parameter"),
  SUBSCRIPTION_PAYLOAD_MIME("subscription.payload.mime"),
  SUBSCRIPTION_PAYLOAD_CONTENT("subscription.payload.content"),
  SUBSCRIPTION_AUDIT_LOG("subscription.audit-log"),
  // worklist: $lastn, $worklist and their whole searches (WholeSearch)
  OPERATION_SCAN_LIMIT("operation.scan-limit"),
  LASTN_NEEDS_WHOM("lastn.needs-whom"),
  LASTN_MAX("lastn.max"),
  WORKLIST_NEEDS_ORGANIZATION("worklist.needs-organization"),
  WORKLIST_PAGE("worklist.page"),
  // audit: the audit log's own store (AuditEventProvider, AuditLogApart)
  AUDIT_LOG_PARAMETER("audit-log.parameter"),
  AUDIT_LOG_SORT("audit-log.sort"),
  AUDIT_LOG_APART("audit-log.apart");

  private final String id;

  Message(String id) {
    this.id = id;
  }

  /** The id in the catalogue and in {@code OperationOutcome.issue.details.coding.code}. */
  public String id() {
    return id;
  }
}
