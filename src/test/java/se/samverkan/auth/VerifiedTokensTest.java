package se.samverkan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/** A token is verified by the issuer's decoder once, and is never accepted past its expiry. */
class VerifiedTokensTest {

  private Instant now = Instant.parse("2026-12-06T10:00:00Z");
  private final List<String> asked = new ArrayList<>();
  /** Plays the issuer's decoder: accepts tokens starting "good" (expiring at the time after it), refuses others, while not expired. */
  private final JwtDecoder issuer = token -> {
    asked.add(token);
    if (!token.startsWith("good")) {
      throw new BadJwtException("refused");
    }
    Instant expires = Instant.parse(token.substring("good ".length()));
    if (!now.isBefore(expires)) {
      throw new BadJwtException("expired");
    }
    return Jwt.withTokenValue(token).header("alg", "RS256").subject("client").issuedAt(now.minusSeconds(1))
        .expiresAt(expires).build();
  };
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  };
  private final VerifiedTokens tokens =
      new VerifiedTokens(issuer, clock, () -> now.toEpochMilli() * 1_000_000L);

  @Test
  void aTokenSentAgainIsNotVerifiedAgain() {
    String token = "good 2026-12-06T10:10:00Z";
    Jwt first = tokens.decode(token);
    Jwt second = tokens.decode(token);
    assertThat(second).isSameAs(first);
    assertThat(asked).containsExactly(token);
  }

  @Test
  void aKeptTokenIsRefusedOnceItExpires() {
    String token = "good 2026-12-06T10:02:00Z";
    tokens.decode(token);
    now = now.plus(Duration.ofMinutes(2));
    assertThatThrownBy(() -> tokens.decode(token)).isInstanceOf(BadJwtException.class).hasMessage("expired");
    assertThat(asked).containsExactly(token, token);
  }

  @Test
  void aTokenIsVerifiedAgainAfterFiveMinutesWhateverItsExpiry() {
    String token = "good 2026-12-06T11:00:00Z";
    tokens.decode(token);
    now = now.plus(VerifiedTokens.MAX_KEPT).plusSeconds(1);
    tokens.decode(token);
    assertThat(asked).containsExactly(token, token);
  }

  @Test
  void aRefusedTokenIsKeptNowhereAndRefusedEachTime() {
    assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);
    assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);
    assertThat(asked).containsExactly("forged", "forged");
  }

  @Test
  void anotherTokenOfTheSameClientIsVerifiedOnItsOwn() {
    tokens.decode("good 2026-12-06T10:10:00Z");
    tokens.decode("good 2026-12-06T10:11:00Z");
    assertThat(asked).hasSize(2);
  }
}
