package se.samverkan.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import se.samverkan.server.spi.FhirServerProperties;

/**
 * {@code /.well-known/smart-configuration} (SMART App Launch 2.0, §Conformance), at the server root
 * and under the FHIR base where SMART clients look: where to get a token and which scopes mean
 * something here. A plain servlet, because the FHIR servlet owns every other path under /fhir.
 */
@Configuration
public class SmartConfiguration {

  /**
   * The wildcard scopes Samverkan understands; every resource type works in place of {@code *}
   * (system/CarePlan.write), and SMART v2 letters too (system/Observation.rs).
   */
  static final List<String> SCOPES = List.of(
      "system/*.read", "system/*.write", "system/*.cruds", "user/*.read", "user/*.write", "user/*.cruds");

  @Bean
  TokenEndpoints tokenEndpoints(Environment env, SecurityProperties properties) {
    return new TokenEndpoints(env, properties);
  }

  /** The same in the CapabilityStatement's rest.security. */
  @Bean
  SmartSecurityCapability smartSecurityCapability(TokenEndpoints endpoints) {
    return new SmartSecurityCapability(endpoints);
  }

  @Bean
  ServletRegistrationBean<HttpServlet> smartConfigurationServlet(
      Environment env, SecurityProperties properties, TokenEndpoints endpoints) {
    ObjectMapper json = new ObjectMapper();
    HttpServlet servlet = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "public, max-age=3600");
        json.writeValue(response.getOutputStream(), document(request, env, properties, endpoints));
      }
    };
    ServletRegistrationBean<HttpServlet> registration = new ServletRegistrationBean<>(
        servlet, TokenEndpoints.SMART_CONFIGURATION, FhirServerProperties.FHIR_PATH + TokenEndpoints.SMART_CONFIGURATION);
    registration.setName("smart-configuration");
    return registration;
  }

  private static Map<String, Object> document(
      HttpServletRequest request, Environment env, SecurityProperties properties, TokenEndpoints endpoints) {
    Map<String, Object> doc = new LinkedHashMap<>();
    String root = TokenEndpoints.root(request);
    boolean dev = endpoints.development();
    doc.put("issuer", dev
        ? properties.devIssuer().issuer()
        : env.getProperty("spring.security.oauth2.resourceserver.jwt.issuer-uri", ""));
    endpoints.token(root).ifPresent(token -> doc.put("token_endpoint", token));
    putIfSet(doc, "jwks_uri", dev
        ? root + TokenEndpoints.DEV_JWKS_PATH
        : env.getProperty("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", ""));
    doc.put("grant_types_supported", List.of("client_credentials"));
    doc.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
    doc.put("scopes_supported", SCOPES);
    doc.put("capabilities", List.of("client-confidential-symmetric", "permission-v1", "permission-v2"));
    doc.put("emergency_access_header", properties.emergencyHeader());
    return doc;
  }

  private static void putIfSet(Map<String, Object> doc, String key, String value) {
    if (value != null && !value.isBlank()) {
      doc.put(key, value);
    }
  }
}
