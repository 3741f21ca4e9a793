package se.samverkan.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The access rules inside the FHIR endpoint, each a HAPI interceptor (docs/security.md). */
@Configuration
public class AccessControlConfig {

  @Bean
  CallerInterceptor callerInterceptor(SecurityProperties properties) {
    return new CallerInterceptor(properties);
  }

  @Bean
  ScopeAuthorizationInterceptor scopeAuthorizationInterceptor() {
    return new ScopeAuthorizationInterceptor();
  }

  @Bean
  OwnershipInterceptor ownershipInterceptor() {
    return new OwnershipInterceptor();
  }

  @Bean
  AccessPolicy accessPolicy(FhirContext fhirContext, DaoRegistry daos) {
    return new AccessPolicy(fhirContext, daos);
  }

  /** HAPI's consent interceptor with our service: filters everything a caller is shown. */
  @Bean
  ReadAccessInterceptor readAccessInterceptor(
      AccessPolicy policy, FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
      ISearchParamRegistry searchParams) {
    return new ReadAccessInterceptor(
        new CareRelationConsentService(policy, new JoinedCriteria(fhirContext, daos, matchUrls, searchParams)));
  }

  @Bean
  public VisibleResults visibleResults(AccessPolicy policy) {
    return new VisibleResults(policy);
  }

  @Bean
  AccessLookupPrefetch accessLookupPrefetch(AccessPolicy policy) {
    return new AccessLookupPrefetch(policy);
  }

  @Bean
  WithheldEntriesInterceptor withheldEntriesInterceptor() {
    return new WithheldEntriesInterceptor();
  }

  static class ReadAccessInterceptor extends ConsentInterceptor implements se.samverkan.server.ServerInterceptor {
    ReadAccessInterceptor(CareRelationConsentService service) {
      super(service);
    }
  }
}
