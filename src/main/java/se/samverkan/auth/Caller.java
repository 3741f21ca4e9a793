package se.samverkan.auth;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Who acts in a request, as its bearer token says: the user's HSA-id or the system client's id,
 * the unit (vårdenhet) and care provider (vårdgivare / omsorgsgivare) acted for, the role, the
 * granted scopes, and a stated reason when the caller claims emergency access.
 *
 * <p>The server's own work (package installation, reindexing, searches inside operations) runs
 * with a {@link SystemRequestDetails} and is {@link #SYSTEM}.
 */
public record Caller(
    String subject,
    String unit,
    String careProvider,
    String role,
    Set<String> scopes,
    String emergencyReason) {

  /** Token claims Samverkan reads besides {@code sub} and {@code scope}. */
  public static final String UNIT_CLAIM = "unit";
  public static final String CARE_PROVIDER_CLAIM = "care_provider";
  public static final String ROLE_CLAIM = "role";

  /** The role that may read the audit log. */
  public static final String LOG_REVIEWER = "log-reviewer";

  public static final Caller SYSTEM = new Caller("samverkan", null, null, "system", Set.of(), null);

  private static final String USER_DATA_KEY = Caller.class.getName();

  /** The owner of a stored resource (e.g. a Subscription) as a caller: reads as its unit would. */
  public static Caller owner(String subject, String unit, String careProvider) {
    return new Caller(subject, unit, careProvider, "subscriber", Set.of("system/*.read"), null);
  }

  static Caller fromToken(Jwt jwt, String emergencyReason) {
    return new Caller(
        jwt.getSubject(),
        jwt.getClaimAsString(UNIT_CLAIM),
        jwt.getClaimAsString(CARE_PROVIDER_CLAIM),
        jwt.getClaimAsString(ROLE_CLAIM),
        scopes(jwt.getClaims().get("scope")),
        emergencyReason == null || emergencyReason.isBlank() ? null : emergencyReason.strip());
  }

  /** Scopes come as one space-separated string (RFC 8693) or as a JSON array (Spring's issuer). */
  static Set<String> scopes(Object claim) {
    Set<String> scopes = new LinkedHashSet<>();
    if (claim instanceof String text) {
      scopes.addAll(List.of(text.trim().split("\\s+")));
    } else if (claim instanceof Collection<?> list) {
      list.forEach(s -> scopes.add(String.valueOf(s)));
    }
    scopes.remove("");
    return Set.copyOf(scopes);
  }

  /** The caller of a request; {@link #SYSTEM} for the server's own requests. */
  public static Caller of(RequestDetails request) {
    if (request == null || request instanceof SystemRequestDetails) {
      return SYSTEM;
    }
    Object caller = request.getUserData().get(USER_DATA_KEY);
    return caller instanceof Caller c ? c : null;
  }

  void attachTo(RequestDetails request) {
    request.getUserData().put(USER_DATA_KEY, this);
  }

  public boolean isSystem() {
    return this == SYSTEM;
  }

  public boolean isEmergency() {
    return emergencyReason != null;
  }

  public boolean isLogReviewer() {
    return LOG_REVIEWER.equals(role);
  }
}
