package se.samverkan.auth;

import ca.uhn.fhir.context.FhirContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Every request needs a valid bearer JWT except what describes the server and its health: the
 * CapabilityStatement, SMART configuration, OpenAPI, our FHIR package and the health probes.
 * What a valid token may do is decided inside the FHIR endpoint (scopes, ownership, care
 * relation); here only whether the caller is who the token says — and, for the actuator endpoints
 * other than health (metrics, build info, the endpoint list), that its token carries the
 * operations scope ({@code samverkan.security.operations-scope}): they tell how busy the server
 * is and what runs it, which is the operator's business, not a journal system's.
 */
@Configuration
public class WebSecurityConfig {

  @Bean
  @Order(2)
  SecurityFilterChain apiSecurity(HttpSecurity http, FhirContext fhirContext, ObjectProvider<JwtDecoder> decoder,
      TokenEndpoints tokenEndpoints, SecurityProperties properties) throws Exception {
    if (decoder.getIfAvailable() == null) {
      // The development issuer is not in the server jar (src/dev/java, see pom.xml): from the jar,
      // an unset issuer means none at all.
      throw new IllegalStateException("No token issuer configured. Set spring.security.oauth2.resourceserver.jwt."
          + "issuer-uri (or jwk-set-uri) to your OAuth2 issuer. On a developer machine, the development issuer "
          + "(samverkan.security.dev-issuer.enabled=true) runs with ./mvnw spring-boot:run; it is not in the server jar.");
    }
    FhirAuthErrors errors = new FhirAuthErrors(fhirContext, tokenEndpoints);
    http.csrf(csrf -> csrf.disable()) // bearer tokens only, no cookies: nothing for CSRF to ride on
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(requests -> requests
            .requestMatchers(HttpMethod.GET,
                "/fhir/metadata", "/fhir/.well-known/smart-configuration", "/.well-known/smart-configuration",
                "/fhir/api-docs", "/fhir/swagger-ui/**", "/packages/**")
            .permitAll()
            // Liveness and readiness for the orchestrator (docker-compose.yml's health check).
            .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
            .requestMatchers(EndpointRequest.toAnyEndpoint()).hasAuthority("SCOPE_" + properties.operationsScope())
            .requestMatchers("/error").permitAll()
            .anyRequest().authenticated())
        .oauth2ResourceServer(oauth -> oauth
            // The issuer's decoder (Spring Boot's for an external issuer, or the development one),
            // asked once per token rather than once per request (VerifiedTokens says why).
            .jwt(jwt -> jwt.decoder(new VerifiedTokens(decoder.getObject())))
            .authenticationEntryPoint(errors)
            .accessDeniedHandler(errors))
        .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors));
    return http.build();
  }
}
