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
  INTERNAL_ERROR("http.500");

  private final String id;

  Message(String id) {
    this.id = id;
  }

  /** The id in the catalogue and in {@code OperationOutcome.issue.details.coding.code}. */
  public String id() {
    return id;
  }
}
