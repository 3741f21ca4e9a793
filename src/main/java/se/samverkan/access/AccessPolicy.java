package se.samverkan.access;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Who may read what (docs/security.md, "The sharing rule"). A caller reads a resource when
 * <ul>
 *   <li>it is an AuditEvent, the caller is a log reviewer, and the event concerns the reviewer's
 *       care provider: its own people acted, or its data was shown or withheld ({@link AuditLogPolicy});
 *   <li>it is a Subscription of the caller's own care provider (others' are not shown);
 *   <li>it is shared reference data (organizations, staff, definitions: {@link ResourceKinds}), or
 *   <li>its own care provider owns it, or
 *   <li>for every patient it is about, all three hold:
 *     <ol>
 *       <li><b>care relation</b>: an active CareTeam of the patient names the caller's unit, care
 *           provider or an organization under them, and that CareTeam was written either by the
 *           data's owner (the owner shares its own data) or by the caller's own care provider (the
 *           caller attests its relation, for itself only); a Task addressed to the caller is its
 *           owner sharing it too. A CareTeam written by a third party counts for neither;
 *       <li><b>consent</b>: of the consents to shared documentation recorded by the data's owner
 *           and by the caller's own care provider, the newest of each by the server's recorded time,
 *           neither is a refusal and at least one is a permit (one recorded by the caller alone is
 *           an attestation, for itself only). Another party's consent counts for nothing;
 *       <li><b>no spärr</b> by the data's owner.
 *     </ol>
 *       Emergency access (a stated reason) overrides consent and spärr, never the care relation.
 *       A read that rests on the caller's own attestation is {@link Verdict#ATTESTED}, and audited
 *       as such.
 * </ul>
 * Patient data that names no patient is read by its owner only; a type that is not declared, by
 * nobody. Lookups are made as the server and kept for the rest of the request.
 */
public class AccessPolicy {



  /** How a read was allowed, or that it was not. */
  public enum Verdict {
    SYSTEM, NOT_PATIENT_DATA, OWN, SHARED,
    /** Allowed on the caller's own record of a care relation or consent (as NPÖ's readers attest). */
    ATTESTED,
    EMERGENCY, DENIED;

    public boolean allowed() {
      return this != DENIED;
    }
  }

  private final DaoRegistry daos;
  private final ResourceKinds kinds;

  public AccessPolicy(DaoRegistry daos, ResourceKinds kinds) {
    this.daos = daos;
    this.kinds = kinds;
  }

  public ResourceKinds kinds() {
    return kinds;
  }

  public Verdict decide(RequestDetails request, IBaseResource resource) {
    return decide(Caller.of(request), resource, request.getUserData());
  }

  /**
   * @param memo where lookups are kept between decisions for the same caller (a request's user
   *     data, or a map of one's own outside requests)
   */
  public Verdict decide(Caller caller, IBaseResource resource, Map<Object, Object> memo) {
    if (caller == null) {
      return Verdict.DENIED;
    }
    if (caller.isSystem()) {
      return Verdict.SYSTEM;
    }
    if (resource instanceof IAnyResource any && ResourceMetadataKeyEnum.DELETED_AT.get(any) != null) {
      return Verdict.NOT_PATIENT_DATA; // the empty marker of a deleted version in a history: no content
    }
    switch (kinds.kindOf(resource.fhirType())) {
      case REFUSED:
        return Verdict.DENIED;
      case REFERENCE_DATA:
        return Verdict.NOT_PATIENT_DATA;
      case SERVER_RECORD:
        return serverRecord(caller, resource);
      default:
        break;
    }
    String owner = Ownership.careProvider(resource).orElse(null);
    if (owner != null && owner.equals(caller.careProvider())) {
      return Verdict.OWN;
    }
    Set<String> patients = kinds.patientsOf(resource);
    Lookups lookups = Lookups.of(memo, this, caller);
    boolean addressed = resource instanceof Task task && lookups.isAddressedToCaller(task);
    if (patients.isEmpty()) {
      return addressed ? Verdict.SHARED : Verdict.DENIED; // patient data naming no patient: its owner's
    }
    boolean attested = false;
    boolean emergencyUsed = false;
    for (String patient : patients) {
      Set<String> grantors = lookups.relationGrantors(patient);
      boolean granted = addressed || (owner != null && grantors.contains(owner));
      if (!granted && !grantors.contains(caller.careProvider())) {
        return Verdict.DENIED;
      }
      Lookups.Said byOwner = lookups.consentBy(patient, owner);
      Lookups.Said byCaller = lookups.consentBy(patient, caller.careProvider());
      boolean consent = byOwner != Lookups.Said.REFUSED && byCaller != Lookups.Said.REFUSED
          && (byOwner == Lookups.Said.PERMITTED || byCaller == Lookups.Said.PERMITTED);
      boolean shared = consent && !lookups.blockedOwners(patient).contains(owner);
      if (!shared) {
        if (!caller.isEmergency()) {
          return Verdict.DENIED;
        }
        emergencyUsed = true;
      }
      attested |= !granted || (shared && byOwner != Lookups.Said.PERMITTED);
    }
    return emergencyUsed ? Verdict.EMERGENCY : attested ? Verdict.ATTESTED : Verdict.SHARED;
  }

  /**
   * Whether the caller has a care relation with the patient that the rule recognises: it owns the
   * Patient, or an active CareTeam of the patient names the caller and was written by the
   * Patient's owner or by the caller itself (an attestation). What a party needs to add its own
   * data about another owner's patient (SharingWriteRules); consent governs reading, not this.
   */
  public boolean hasCareRelation(Caller caller, IBaseResource patient, Map<Object, Object> memo) {
    if (caller == null) {
      return false;
    }
    String owner = Ownership.careProvider(patient).orElse(null);
    if (caller.isSystem() || (owner != null && owner.equals(caller.careProvider()))) {
      return true;
    }
    Set<String> grantors = Lookups.of(memo, this, caller).relationGrantors("Patient/" + patient.getIdElement().getIdPart());
    return grantors.contains(caller.careProvider()) || (owner != null && grantors.contains(owner));
  }

  /** Whether the Task is addressed to the caller: its {@code owner} is one of the caller's organizations. */
  public boolean isAddressedTo(Caller caller, Task task, Map<Object, Object> memo) {
    return caller != null && !caller.isSystem() && Lookups.of(memo, this, caller).isAddressedToCaller(task);
  }

  private static Verdict serverRecord(Caller caller, IBaseResource resource) {
    if ("Subscription".equals(resource.fhirType())) {
      // Criteria and endpoint are the subscriber's business (criteria may name a patient).
      return Ownership.careProvider(resource).map(owner -> owner.equals(caller.careProvider())).orElse(true)
          ? Verdict.NOT_PATIENT_DATA : Verdict.DENIED;
    }
    return AuditLogPolicy.mayRead(caller, resource) ? Verdict.NOT_PATIENT_DATA : Verdict.DENIED;
  }

  /**
   * Looks up, in two searches, what {@link #decide} would otherwise look up patient by patient for
   * these resources: the care relation and the consents of every patient they are about (but not of
   * those in resources the caller's own care provider owns, which need no lookup). A kommun's
   * worklist of 400 patients thus costs two searches instead of 800. Decisions do not change.
   */
  public void prefetch(RequestDetails request, Collection<? extends IBaseResource> resources) {
    Caller caller = Caller.of(request);
    if (caller == null || caller.isSystem()) {
      return;
    }
    Set<String> patients = new LinkedHashSet<>();
    for (IBaseResource resource : resources) {
      if (resource != null && !Ownership.careProvider(resource).map(caller.careProvider()::equals).orElse(false)) {
        patients.addAll(patientsOf(resource));
      }
    }
    if (patients.size() > 1) {
      Lookups.of(request.getUserData(), this, caller).prefetch(patients);
    }
  }

  /** The ids ("Patient/123") of the patients a resource is about ({@link ResourceKinds#patientsOf}). */
  public Set<String> patientsOf(IBaseResource resource) {
    return kinds.patientsOf(resource);
  }

  /** What one request has looked up: the caller's organizations, and per patient relation and consents. */
  static final class Lookups {
    private static final String KEY = Lookups.class.getName();
    /** Patients per prefetch search: keeps the SQL IN lists and the answers a sensible size. */
    private static final int PREFETCH_CHUNK = 500;

    private final AccessPolicy policy;
    private final Caller caller;
    private Set<String> callerOrganizations;
    /** Per patient: the care providers whose active CareTeams name one of the caller's organizations. */
    private final Map<String, Set<String>> grantors = new HashMap<>();
    private final Map<String, List<Consent>> consents = new HashMap<>();

    private Lookups(AccessPolicy policy, Caller caller) {
      this.policy = policy;
      this.caller = caller;
    }

    static Lookups of(Map<Object, Object> memo, AccessPolicy policy, Caller caller) {
      synchronized (memo) {
        return (Lookups) memo.computeIfAbsent(KEY, k -> new Lookups(policy, caller));
      }
    }

    synchronized Set<String> relationGrantors(String patient) {
      lookUpRelations(List.of(patient));
      return grantors.get(patient);
    }

    /** A Task whose {@code owner} (who is to do it) is one of the caller's organizations. */
    synchronized boolean isAddressedToCaller(Task task) {
      return task.getOwner().getReferenceElement().hasIdPart()
          && callerOrganizations().contains("Organization/" + task.getOwner().getReferenceElement().getIdPart());
    }

    /** Relation and consents of many patients at once; what is known already is kept. */
    synchronized void prefetch(Collection<String> patients) {
      lookUpRelations(patients);
      // Consents matter only where there is a relation (decide asks in that order).
      lookUpConsents(patients.stream().filter(p -> !grantors.get(p).isEmpty()).toList());
    }

    /** Who (which care providers' CareTeams) put the caller's organizations in an active team of each patient. */
    private void lookUpRelations(Collection<String> patients) {
      List<String> unknown = patients.stream().filter(p -> !grantors.containsKey(p)).toList();
      Set<String> organizations = unknown.isEmpty() ? Set.of() : callerOrganizations();
      for (List<String> chunk : chunks(unknown)) {
        if (!organizations.isEmpty()) {
          ReferenceOrListParam participants = new ReferenceOrListParam();
          organizations.forEach(o -> participants.addOr(new ReferenceParam(o)));
          SearchParameterMap search = SearchParameterMap.newSynchronous()
              .add("patient", references(chunk))
              .add("status", new TokenParam("active"))
              .add("participant-organization", participants);
          for (IBaseResource team : policy.search("CareTeam", search)) {
            String patient = patientReference(((CareTeam) team).getSubject());
            Ownership.careProvider(team).ifPresent(writer ->
                grantors.computeIfAbsent(patient, p -> new LinkedHashSet<>()).add(writer));
          }
        }
        chunk.forEach(p -> grantors.putIfAbsent(p, Set.of()));
      }
    }

    /** Each patient's active Consents. */
    private void lookUpConsents(Collection<String> patients) {
      List<String> unknown = patients.stream().filter(p -> !consents.containsKey(p)).toList();
      for (List<String> chunk : chunks(unknown)) {
        Map<String, List<Consent>> found = new HashMap<>();
        SearchParameterMap search = SearchParameterMap.newSynchronous()
            .add("patient", references(chunk))
            .add("status", new TokenParam("active"));
        for (IBaseResource consent : policy.search("Consent", search)) {
          found.computeIfAbsent(patientReference(((Consent) consent).getPatient()), p -> new ArrayList<>())
              .add((Consent) consent);
        }
        chunk.forEach(p -> consents.put(p, List.copyOf(found.getOrDefault(p, List.of()))));
      }
    }

    private static List<List<String>> chunks(List<String> patients) {
      List<List<String>> chunks = new ArrayList<>();
      for (int i = 0; i < patients.size(); i += PREFETCH_CHUNK) {
        chunks.add(patients.subList(i, Math.min(patients.size(), i + PREFETCH_CHUNK)));
      }
      return chunks;
    }

    private static ReferenceOrListParam references(List<String> patients) {
      ReferenceOrListParam references = new ReferenceOrListParam();
      patients.forEach(p -> references.addOr(new ReferenceParam(p)));
      return references;
    }

    private static String patientReference(Reference reference) {
      return "Patient/" + reference.getReferenceElement().getIdPart();
    }

    /** What a party last recorded about the patient's consent to shared documentation. */
    enum Said { PERMITTED, REFUSED, NOTHING }

    /**
     * The newest in-force consent to shared documentation (or to a SIP) that {@code party} recorded
     * for the patient, newest by the server's recorded time ({@code meta.lastUpdated}), never by the
     * client's {@code dateTime}.
     */
    synchronized Said consentBy(String patient, String party) {
      if (party == null) {
        return Said.NOTHING;
      }
      Date now = new Date();
      Consent latest = null;
      for (Consent consent : consents(patient)) {
        if (party.equals(Ownership.careProvider(consent).orElse(null))
            && hasPolicy(consent, Vocabulary.SHARED_DOCUMENTATION_POLICY, Vocabulary.SIP_CONSENT_POLICY) && inForce(consent.getProvision().getPeriod(), now)
            && (latest == null || recordedLater(consent, latest))) {
          latest = consent;
        }
      }
      if (latest == null) {
        return Said.NOTHING;
      }
      return latest.getProvision().getType() == Consent.ConsentProvisionType.PERMIT ? Said.PERMITTED : Said.REFUSED;
    }

    synchronized Set<String> blockedOwners(String patient) {
      Date now = new Date();
      Set<String> blocked = new LinkedHashSet<>();
      for (Consent consent : consents(patient)) {
        if (hasPolicy(consent, Vocabulary.SPARR_POLICY) && consent.getProvision().getType() == Consent.ConsentProvisionType.DENY
            && inForce(consent.getProvision().getPeriod(), now)) {
          Ownership.careProvider(consent).ifPresent(blocked::add);
        }
      }
      return blocked;
    }

    private List<Consent> consents(String patient) {
      lookUpConsents(List.of(patient));
      return consents.get(patient);
    }

    /** The caller's unit and care provider as Organizations, with every organization under them. */
    private Set<String> callerOrganizations() {
      if (callerOrganizations == null) {
        Set<String> found = new LinkedHashSet<>();
        TokenOrListParam identifiers = new TokenOrListParam();
        for (String id : new String[] {caller.unit(), caller.careProvider()}) {
          if (id != null && !id.isBlank()) {
            identifiers.add(Vocabulary.HSA_ID, id);
            identifiers.add(Vocabulary.ORGANISATIONSNUMMER, id);
          }
        }
        Set<String> level = new LinkedHashSet<>();
        if (!identifiers.getValuesAsQueryTokens().isEmpty()) {
          policy.search("Organization", SearchParameterMap.newSynchronous().add("identifier", identifiers))
              .forEach(o -> level.add("Organization/" + o.getIdElement().getIdPart()));
        }
        // partOf, a few levels down: region → hospital → ward.
        for (int depth = 0; depth < 4 && !level.isEmpty(); depth++) {
          found.addAll(level);
          ReferenceOrListParam parents = new ReferenceOrListParam();
          level.forEach(o -> parents.addOr(new ReferenceParam(o)));
          Set<String> next = new LinkedHashSet<>();
          policy.search("Organization", SearchParameterMap.newSynchronous().add(Organization.SP_PARTOF, parents))
              .forEach(o -> next.add("Organization/" + o.getIdElement().getIdPart()));
          next.removeAll(found);
          level.clear();
          level.addAll(next);
        }
        callerOrganizations = found;
      }
      return callerOrganizations;
    }

    private static boolean hasPolicy(Consent consent, String... uris) {
      for (Consent.ConsentPolicyComponent p : consent.getPolicy()) {
        for (String uri : uris) {
          if (uri.equals(p.getUri())) {
            return true;
          }
        }
      }
      return false;
    }

    private static boolean inForce(Period period, Date now) {
      return (!period.hasStart() || !period.getStart().after(now)) && (!period.hasEnd() || period.getEnd().after(now));
    }

    private static boolean recordedLater(Consent a, Consent b) {
      Date da = a.getMeta().getLastUpdated();
      Date db = b.getMeta().getLastUpdated();
      return da != null && (db == null || da.after(db));
    }
  }

  private List<IBaseResource> search(String type, SearchParameterMap search) {
    return daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources();
  }
}
