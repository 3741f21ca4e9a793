package se.samverkan.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Keys under {@code samverkan.security}. Tokens from an external issuer are configured with Spring
 * Boot's own keys ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri} or
 * {@code jwk-set-uri}); setting either switches the development issuer off. Each default is the
 * {@link DefaultValue} below (a blank value counts as unset, as it did before the defaults moved
 * here) except the development clients: a list of records, which {@code @DefaultValue} cannot
 * write, so they stay in {@code application.yaml} (ConfigurationTableTest knows).
 *
 * @param devIssuer the development token issuer (embedded default only)
 * @param emergencyHeader the request header in which a caller states the reason for emergency
 *     access (nödåtkomst)
 * @param tokenEndpoint the external issuer's token endpoint, published in the SMART configuration
 * @param operationsScope the scope a token needs for the actuator endpoints other than health
 *     (metrics, build info): a monitoring system's, not a journal system's
 */
@ConfigurationProperties("samverkan.security")
public record SecurityProperties(
    @DefaultValue DevIssuer devIssuer,
    @DefaultValue(SecurityProperties.EMERGENCY_HEADER) String emergencyHeader,
    String tokenEndpoint,
    @DefaultValue(SecurityProperties.OPERATIONS_SCOPE) String operationsScope) {

  static final String EMERGENCY_HEADER = "X-Emergency-Access-Reason";
  static final String OPERATIONS_SCOPE = "operations";

  public SecurityProperties {
    tokenEndpoint = tokenEndpoint == null ? "" : tokenEndpoint.trim();
    operationsScope = operationsScope == null || operationsScope.isBlank() ? OPERATIONS_SCOPE : operationsScope.trim();
    devIssuer = devIssuer == null ? new DevIssuer(true, null, null, null, null) : devIssuer;
    emergencyHeader = emergencyHeader == null || emergencyHeader.isBlank() ? EMERGENCY_HEADER : emergencyHeader;
  }

  /**
   * @param enabled whether the development issuer runs (only when no external issuer is set)
   * @param issuer the {@code iss} its tokens carry and the resource server expects
   * @param secret the client secret shared by every development client
   * @param clients one client per example organization (listed in {@code application.yaml})
   * @param keyFile where the signing key is kept, so that replicas sharing the file accept each
   *     other's tokens: read if it exists, else made and written there by the first to start;
   *     blank: a key made at start-up, which dies with the process
   */
  public record DevIssuer(
      @DefaultValue("true") Boolean enabled,
      @DefaultValue(DevIssuer.ISSUER) String issuer,
      @DefaultValue(DevIssuer.SECRET) String secret,
      List<Client> clients,
      @DefaultValue("") String keyFile) {

    static final String ISSUER = "http://localhost:8080/dev-issuer";
    static final String SECRET = "dev-only";

    public DevIssuer {
      issuer = issuer == null || issuer.isBlank() ? ISSUER : issuer;
      secret = secret == null || secret.isBlank() ? SECRET : secret;
      clients = clients == null ? List.of() : List.copyOf(clients);
      keyFile = keyFile == null ? "" : keyFile.trim();
    }
  }

  /**
   * A development client and what its tokens say about the caller.
   *
   * @param id client id (client-credentials grant); also the token's {@code sub}
   * @param unit HSA-id of the vårdenhet the client acts for (none for a monitoring client)
   * @param careProvider HSA-id or organisationsnummer of the vårdgivare / omsorgsgivare (likewise)
   * @param role what the caller does, e.g. {@code journal-system} or {@code log-reviewer}
   * @param scopes SMART-style scopes, space separated
   */
  public record Client(String id, String unit, String careProvider, String role, String scopes) {}
}
