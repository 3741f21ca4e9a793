package se.samverkan.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * A bearer token is verified once, not on every request: a journal system sends the same token for
 * the minutes it lives, and checking its signature (RSA, Nimbus's constant-time Base64 decoding)
 * was 16.5 % of the request threads' samples in the query mix of issue 20's profile. What the
 * issuer's decoder accepted is kept, keyed by the whole token, so a changed token is a new key.
 *
 * <p>What this does not change: a token is refused once it expires ({@code exp}) exactly as
 * before, cached or not — the cache forgets it then, and a read checks the time too. Only tokens
 * the decoder accepted are kept; one it refused is checked again each time it comes. What it does
 * change: a token stays accepted for at most {@link #MAX_KEPT} after its signing key is withdrawn
 * from the issuer's key set (before: until the decoder next fetched the key set), so a withdrawn
 * key's tokens live at most that much longer; docs/security.md says so. Bounded to
 * {@link #MAX_TOKENS} tokens, least recently used first out.
 */
public final class VerifiedTokens implements JwtDecoder {

  /** How long an accepted token is kept at most, whatever its expiry. */
  static final Duration MAX_KEPT = Duration.ofMinutes(5);
  /** How many tokens are kept (a token is about 1 KB; many clients share few tokens). */
  static final long MAX_TOKENS = 10_000;

  private final JwtDecoder issuer;
  private final Clock clock;
  private final Cache<String, Jwt> accepted;

  public VerifiedTokens(JwtDecoder issuer) {
    this(issuer, Clock.systemUTC(), Ticker.systemTicker());
  }

  VerifiedTokens(JwtDecoder issuer, Clock clock, Ticker ticker) {
    this.issuer = issuer;
    this.clock = clock;
    this.accepted = Caffeine.newBuilder()
        .maximumSize(MAX_TOKENS)
        .ticker(ticker)
        .expireAfter(Expiry.creating((String token, Jwt jwt) -> keptFor(jwt)))
        .build();
  }

  @Override
  public Jwt decode(String token) throws JwtException {
    Jwt jwt = accepted.getIfPresent(token);
    if (jwt != null && !expired(jwt)) {
      return jwt;
    }
    jwt = issuer.decode(token); // throws for a token it refuses: nothing is kept
    accepted.put(token, jwt);
    return jwt;
  }

  private boolean expired(Jwt jwt) {
    return jwt.getExpiresAt() != null && !clock.instant().isBefore(jwt.getExpiresAt());
  }

  private Duration keptFor(Jwt jwt) {
    Instant expires = jwt.getExpiresAt();
    if (expires == null) {
      return MAX_KEPT;
    }
    Duration left = Duration.between(clock.instant(), expires);
    return left.isNegative() ? Duration.ZERO : (left.compareTo(MAX_KEPT) < 0 ? left : MAX_KEPT);
  }
}
