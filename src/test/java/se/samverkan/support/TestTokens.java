package se.samverkan.support;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import se.samverkan.auth.Caller;

/**
 * Bearer tokens for tests, signed with the running server's development issuer key, so that a
 * test can act as any organization (or present a token with any defect) without a round trip
 * to the token endpoint. SecurityTest checks that endpoint itself.
 */
public final class TestTokens {

  public static final String REGION = "SE2321000081-SV0001";
  public static final String HOSPITAL = "SE2321000081-SV1000";

  /** The scopes of a full journal-system client, plus writing our server-wide definitions. */
  public static final String ALL_SCOPES = Stream.concat(
          Stream.of("system/*.read", "system/*.write"),
          se.samverkan.auth.ScopeAuthorizationInterceptor.CONFORMANCE_TYPES.stream()
              .map(type -> "system/" + type + ".write"))
      .collect(Collectors.joining(" "));

  private final JwtEncoder encoder;
  private final String issuer;

  public TestTokens(JwtEncoder encoder, String issuer) {
    this.encoder = encoder;
    this.issuer = issuer;
  }

  /** The suite's own identity: a system client of the region's hospital with every scope. */
  public String suite() {
    return token("test-suite", HOSPITAL, REGION, "journal-system", ALL_SCOPES);
  }

  /** "Bearer …" for a journal system of the unit, reading and writing every type. */
  public String journalSystem(String subject, String unit, String careProvider) {
    return "Bearer " + token(subject, unit, careProvider, "journal-system", "system/*.read system/*.write");
  }

  /** A log reviewer of the care provider (reads AuditEvents only), as an Authorization header. */
  public String logReviewer(String careProvider) {
    return "Bearer " + token("reviewer", careProvider, careProvider, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
  }

  public String token(String subject, String unit, String careProvider, String role, String scopes) {
    return token(subject, unit, careProvider, role, scopes, issuer, Instant.now(), Duration.ofMinutes(30));
  }

  public String token(String subject, String unit, String careProvider, String role, String scopes,
      String issuer, Instant issuedAt, Duration lifetime) {
    JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
        .issuer(issuer)
        .subject(subject)
        .issuedAt(issuedAt)
        .expiresAt(issuedAt.plus(lifetime))
        .claim("scope", List.of(scopes.split(" ")))
        .claim("role", role);
    if (unit != null) {
      claims.claim("unit", unit);
    }
    if (careProvider != null) {
      claims.claim("care_provider", careProvider);
    }
    return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(), claims.build()))
        .getTokenValue();
  }
}
