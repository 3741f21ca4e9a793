package se.samverkan.access;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one request was shown, refused or wrote, patient by patient, for the audit log: collected
 * by {@link CareRelationConsentService} as resources pass and by the audit interceptor as writes
 * are stored, and read by the audit interceptor as the answer is about to be sent.
 */
public final class AccessRecord {

  private static final String KEY = AccessRecord.class.getName();

  private final Set<String> shownPatients = new LinkedHashSet<>();
  private final Set<String> refusedPatients = new LinkedHashSet<>();
  private final Set<String> writtenPatients = new LinkedHashSet<>();
  private final Set<String> attestedPatients = new LinkedHashSet<>();
  private final Set<String> dataOwners = new LinkedHashSet<>();
  private final Map<String, Set<String>> ownersByPatient = new LinkedHashMap<>();
  private boolean emergencyUsed;

  public static synchronized AccessRecord of(RequestDetails request) {
    return (AccessRecord) request.getUserData().computeIfAbsent(KEY, k -> new AccessRecord());
  }

  synchronized void add(AccessPolicy.Verdict verdict, Set<String> patients, String owner) {
    owned(patients, owner);
    if (verdict.allowed()) {
      shownPatients.addAll(patients);
    } else {
      refusedPatients.addAll(patients);
    }
    emergencyUsed |= verdict == AccessPolicy.Verdict.EMERGENCY;
    if (verdict == AccessPolicy.Verdict.ATTESTED) {
      attestedPatients.addAll(patients);
    }
  }

  /** Patients whose data was shown on the caller's own attestation of care relation or consent. */
  public synchronized Set<String> attestedPatients() {
    return Set.copyOf(attestedPatients);
  }

  /** Patients whose data a write created, changed or deleted (or tried to). */
  public synchronized void wrote(Set<String> patients, String owner) {
    writtenPatients.addAll(patients);
    owned(patients, owner);
  }

  private void owned(Set<String> patients, String owner) {
    if (owner != null && !patients.isEmpty()) {
      dataOwners.add(owner);
      patients.forEach(p -> ownersByPatient.computeIfAbsent(p, k -> new LinkedHashSet<>()).add(owner));
    }
  }

  /** The care providers whose data about this patient the request was shown, refused or wrote. */
  public synchronized Set<String> ownersOf(String patient) {
    return Set.copyOf(ownersByPatient.getOrDefault(patient, Set.of()));
  }

  public synchronized Set<String> writtenPatients() {
    return Set.copyOf(writtenPatients);
  }

  /** The care providers whose data about a patient the request was shown or refused. */
  public synchronized Set<String> dataOwners() {
    return Set.copyOf(dataOwners);
  }

  public synchronized Set<String> shownPatients() {
    return Set.copyOf(shownPatients);
  }

  public synchronized Set<String> refusedPatients() {
    return Set.copyOf(refusedPatients);
  }

  public synchronized boolean emergencyUsed() {
    return emergencyUsed;
  }
}
