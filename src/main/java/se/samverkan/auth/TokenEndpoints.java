package se.samverkan.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.springframework.core.env.Environment;
import se.samverkan.server.spi.FhirServerProperties;

/**
 * Where a client gets a token, said in one place for every place that tells it: the SMART
 * configuration, the CapabilityStatement's {@code rest.security}, the OpenAPI security schemes
 * (Swagger UI's "Authorize") and the 401 answer. The development issuer's endpoint is on this
 * server, so it is made from the address the client used; an external issuer's is configured
 * ({@code samverkan.security.token-endpoint}).
 */
public class TokenEndpoints {

  public static final String SMART_CONFIGURATION = "/.well-known/smart-configuration";
  static final String DEV_TOKEN_PATH = "/oauth2/token";
  static final String DEV_JWKS_PATH = "/oauth2/jwks";

  private final boolean development;
  private final SecurityProperties properties;

  public TokenEndpoints(Environment env, SecurityProperties properties) {
    // Decided once: the settings do not change while the server runs, and the answer is asked
    // for on every 401 (binding the settings each time cost work an unauthenticated caller chose).
    this.development = DevIssuerSwitch.isOn(env);
    this.properties = properties;
  }

  /** Whether tokens come from the development issuer inside this server. */
  public boolean development() {
    return development;
  }

  /** The token endpoint for a client that reaches this server at {@code root} (scheme://host:port), if known. */
  public Optional<String> token(String root) {
    if (development()) {
      return Optional.of(root + DEV_TOKEN_PATH);
    }
    return Optional.of(properties.tokenEndpoint()).filter(endpoint -> !endpoint.isBlank());
  }

  /** The scopes that mean something here, as the SMART configuration lists them. */
  public java.util.List<String> scopes() {
    return SmartConfiguration.SCOPES;
  }

  /** The SMART configuration document, which names the issuer even when no token endpoint is configured. */
  public String smartConfiguration(String root) {
    return root + SMART_CONFIGURATION;
  }

  /** scheme://host:port as the client addressed the server. */
  public static String root(HttpServletRequest request) {
    return request.getScheme() + "://" + request.getServerName() + ":" + request.getServerPort();
  }

  /** The root of a FHIR base URL: {@code http://host:8080/fhir} → {@code http://host:8080}. */
  public static String rootOf(String fhirBase) {
    String base = fhirBase.endsWith("/") ? fhirBase.substring(0, fhirBase.length() - 1) : fhirBase;
    return base.endsWith(FhirServerProperties.FHIR_PATH)
        ? base.substring(0, base.length() - FhirServerProperties.FHIR_PATH.length())
        : base;
  }
}
