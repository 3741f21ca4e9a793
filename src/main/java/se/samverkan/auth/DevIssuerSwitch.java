package se.samverkan.auth;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Whether the development token issuer is meant to run: on unless switched off or an external
 * issuer is configured. The issuer itself (DevTokenIssuerConfig, Spring Authorization Server) is
 * development tooling in src/dev/java and is not in the production jar; the server reads this
 * switch too, to tell clients where tokens come from ({@link TokenEndpoints#development()}). In a
 * jar without the issuer the switch being on means no issuer at all, and the server refuses to
 * start ({@link WebSecurityConfig}), so it never points clients at an endpoint it does not have.
 */
final class DevIssuerSwitch {

  private DevIssuerSwitch() {
  }

  static boolean isOn(Environment env) {
    String jwt = "spring.security.oauth2.resourceserver.jwt.";
    // Bound as the bean will be, so that the default is SecurityProperties' and written once;
    // a condition runs before any @ConfigurationProperties bean exists.
    SecurityProperties security = Binder.get(env).bindOrCreate("samverkan.security", SecurityProperties.class);
    return security.devIssuer().enabled()
        && env.getProperty(jwt + "issuer-uri", "").isBlank()
        && env.getProperty(jwt + "jwk-set-uri", "").isBlank()
        && env.getProperty(jwt + "public-key-location", "").isBlank();
  }
}
