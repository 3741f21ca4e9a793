package se.samverkan.security;

import ca.uhn.fhir.context.FhirContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Every request needs a valid bearer JWT except what describes the server and its health: the
 * CapabilityStatement, SMART configuration, OpenAPI, our FHIR package and the health probes.
 * What a valid token may do is decided inside the FHIR endpoint (scopes, ownership, care
 * relation); here only whether the caller is who the token says.
 */
@Configuration
public class WebSecurityConfig {

  @Bean
  @Order(2)
  SecurityFilterChain apiSecurity(HttpSecurity http, FhirContext fhirContext, ObjectProvider<JwtDecoder> decoder,
      TokenEndpoints tokenEndpoints) throws Exception {
    if (decoder.getIfAvailable() == null) {
      throw new IllegalStateException("No token issuer configured. Set spring.security.oauth2.resourceserver.jwt."
          + "issuer-uri (or jwk-set-uri) to your OAuth2 issuer, or enable the development issuer "
          + "(samverkan.security.dev-issuer.enabled=true) on a developer machine.");
    }
    FhirAuthErrors errors = new FhirAuthErrors(fhirContext, tokenEndpoints);
    http.csrf(csrf -> csrf.disable()) // bearer tokens only, no cookies: nothing for CSRF to ride on
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(requests -> requests
            .requestMatchers(HttpMethod.GET,
                "/fhir/metadata", "/fhir/.well-known/smart-configuration", "/.well-known/smart-configuration",
                "/fhir/api-docs", "/fhir/swagger-ui/**", "/packages/**",
                "/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus")
            .permitAll()
            .requestMatchers("/error").permitAll()
            .anyRequest().authenticated())
        .oauth2ResourceServer(oauth -> oauth
            .jwt(Customizer.withDefaults())
            .authenticationEntryPoint(errors)
            .accessDeniedHandler(errors))
        .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors));
    return http.build();
  }
}
