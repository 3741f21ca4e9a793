package se.samverkan.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What one request was shown or refused, patient by patient, for the audit log: collected by
 * {@link CareRelationConsentService} as resources pass, read by the audit interceptor at the end.
 */
public final class AccessRecord {

  private static final String KEY = AccessRecord.class.getName();

  private final Set<String> shownPatients = new LinkedHashSet<>();
  private final Set<String> refusedPatients = new LinkedHashSet<>();
  private boolean emergencyUsed;

  public static synchronized AccessRecord of(RequestDetails request) {
    return (AccessRecord) request.getUserData().computeIfAbsent(KEY, k -> new AccessRecord());
  }

  synchronized void add(AccessPolicy.Verdict verdict, Set<String> patients) {
    if (verdict.allowed()) {
      shownPatients.addAll(patients);
    } else {
      refusedPatients.addAll(patients);
    }
    emergencyUsed |= verdict == AccessPolicy.Verdict.EMERGENCY;
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
