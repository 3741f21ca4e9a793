package se.samverkan.access;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import se.samverkan.auth.Caller;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The audit log's policy in one place (docs/security.md, "Audit and log review"): what an
 * AuditEvent records that the rules read back, who may read which events, and what of them they
 * are shown. Writing the log (one AuditEvent for every request, by the server) is
 * audit/AuditInterceptor's; it writes with the vocabulary below.
 *
 * <p>In access, not audit, because the access rules apply it — AccessPolicy to every AuditEvent a
 * read, search, history or include would return, CareRelationConsentService to what of one is
 * shown — and access must not depend on audit, which depends on access (AuditInterceptor writes what
 * {@link AccessRecord} collected during the request). audit writes and counts by this class.
 *
 * <p>The rules, and where each is enforced:
 * <ul>
 *   <li><b>The server alone writes and deletes AuditEvents; only log reviewers may ask for them</b>,
 *       whatever a token's scopes: auth/ScopeAuthorizationInterceptor, as fixed scope rules (auth is
 *       below access, so it names the type itself). The CapabilityStatement offers reviewers'
 *       reads and searches only (audit/AuditLogApart).
 *   <li><b>A log reviewer reads the events that concern its own care provider</b>: its own people
 *       acted, or its data was shown, withheld or written ({@link #mayRead}, asked by AccessPolicy;
 *       the same as a condition on the log's store, {@link #reviewedCareProvider}, so that an
 *       event another reviewer may not read is not found at all: audit/AuditEventProvider).
 *   <li><b>It is not told which of other care providers' patients were withheld</b> from its
 *       people: those entities are taken out of what it is shown ({@link #shownTo}).
 *   <li><b>The patient log extract</b> ({@code Patient/$access-log}, audit/AccessLogOperationProvider)
 *       counts for a reviewer only the accesses to the patient's data that concern it
 *       ({@link #concernsReviewer}).
 *   <li><b>The log is apart from the record</b>: in a store of its own (audit/AuditLog), so not in
 *       {@code Patient/$everything} nor in the subscription queue; searches of the record that ask
 *       for it are refused (audit/AuditLogApart), and so is a Subscription on it
 *       (notify/SubscriptionCriteriaRule).
 *   <li><b>The log outlives the record</b>: an AuditEvent keeps naming a deleted patient, and holds
 *       up no delete (its references are not HAPI's, which storage/ReferentialIntegrity checks).
 * </ul>
 */
public final class AuditLogPolicy {

  public static final String TYPE = "AuditEvent";


  /** {@code agent.type.text} of the caller's care provider (the requestor agent is the token's subject). */
  public static final String CARE_PROVIDER_AGENT = "care-provider";
  /** {@code agent.type.text} of the caller's unit. */
  public static final String UNIT_AGENT = "unit";

  /** {@code entity.detail.type} of a patient entity: what the request did with the patient's data. */
  public static final String ACCESS_DETAIL = "access";
  /** {@value #ACCESS_DETAIL}: shown to the caller. */
  public static final String SHOWN = "shown";
  /** {@value #ACCESS_DETAIL}: matched, but withheld from the caller. */
  public static final String WITHHELD = "withheld";
  /** {@value #ACCESS_DETAIL}: written (created, updated or deleted) by the caller. */
  public static final String WRITTEN = "written";
  /** {@value #ACCESS_DETAIL}: shown on the caller's own attestation of care relation or consent. */
  public static final String ATTESTED = "attested";
  /** {@code entity.detail.type} naming a care provider whose data about the entity's patient it was. */
  public static final String OWNER_DETAIL = "owner";

  private AuditLogPolicy() {}

  /** The care providers an AuditEvent concerns (its {@value Vocabulary#AUDIT_CONCERNS} tags). */
  public static List<String> concerns(IBaseResource event) {
    return event.getMeta().getTag().stream()
        .filter(t -> Vocabulary.AUDIT_CONCERNS.equals(t.getSystem()))
        .map(IBaseCoding::getCode)
        .toList();
  }

  /** Whether the caller may read the AuditEvent: it is a log reviewer of a care provider the event concerns. */
  static boolean mayRead(Caller caller, IBaseResource event) {
    return reviewedCareProvider(caller).filter(concerns(event)::contains).isPresent();
  }

  /**
   * The care provider whose AuditEvents the caller may read, none unless it is a log reviewer of
   * one: {@link #mayRead} as a search condition (audit/AuditEventProvider finds only these).
   */
  public static Optional<String> reviewedCareProvider(Caller caller) {
    return caller != null && caller.isLogReviewer() ? Optional.ofNullable(caller.careProvider()) : Optional.empty();
  }

  /**
   * What of a readable AuditEvent the caller is shown. A log reviewer sees what its own people did,
   * but not which patients' data of other care providers their requests were refused: "withheld
   * Patient/123" in the kommun's own log would tell the kommun that a search of its matched the
   * region's hidden data. Those entities are for the data owner's reviewers only.
   */
  static IBaseResource shownTo(AuditEvent event, Caller caller) {
    if (caller == null || caller.isSystem() || event.getEntity().stream().noneMatch(e -> withheldFromOthers(e, caller))) {
      return event;
    }
    AuditEvent copy = event.copy();
    copy.getEntity().removeIf(e -> withheldFromOthers(e, caller));
    return copy;
  }

  private static boolean withheldFromOthers(AuditEvent.AuditEventEntityComponent entity, Caller caller) {
    boolean withheld = entity.getDetail().stream()
        .anyMatch(d -> ACCESS_DETAIL.equals(d.getType()) && WITHHELD.equals(d.getValue().primitiveValue()));
    List<String> owners = entity.getDetail().stream().filter(d -> OWNER_DETAIL.equals(d.getType()))
        .map(d -> d.getValue().primitiveValue()).toList();
    return withheld && !owners.isEmpty() && !owners.contains(caller.careProvider());
  }

  /**
   * Whether an access to the patient's data concerns the reviewer's care provider, for the patient
   * log extract: its own people acted, or the event says the patient's data was its own. Events
   * written before the log named each patient's data owners say only which care providers the
   * whole request concerned (its {@value Vocabulary#AUDIT_CONCERNS} tags).
   */
  public static boolean concernsReviewer(AuditEvent event, String patient, Caller reviewer) {
    if (reviewer == null) {
      return false;
    }
    if (reviewer.isSystem()) {
      return true;
    }
    String careProvider = reviewer.careProvider();
    if (careProvider == null) {
      return false;
    }
    if (careProvider.equals(agent(event, CARE_PROVIDER_AGENT))) {
      return true;
    }
    List<AuditEvent.AuditEventEntityComponent> entities = event.getEntity().stream()
        .filter(e -> patient.equals(e.getWhat().getReference())).toList();
    boolean ownersNamed = entities.stream().flatMap(e -> e.getDetail().stream())
        .anyMatch(d -> OWNER_DETAIL.equals(d.getType()));
    if (ownersNamed) {
      return entities.stream().flatMap(e -> e.getDetail().stream())
          .anyMatch(d -> OWNER_DETAIL.equals(d.getType()) && careProvider.equals(d.getValue().primitiveValue()));
    }
    return concerns(event).contains(careProvider);
  }

  /** The identifier of the event's agent of that type ({@value #CARE_PROVIDER_AGENT}, {@value #UNIT_AGENT}), or "unknown". */
  public static String agent(AuditEvent event, String type) {
    return event.getAgent().stream()
        .filter(a -> type.equals(a.getType().getText()))
        .map(a -> a.getWho().getIdentifier().getValue())
        .findFirst().orElse("unknown");
  }
}
