package se.samverkan.access;

import se.samverkan.auth.CallerInterceptor;
import se.samverkan.auth.ScopeAuthorizationInterceptor;
import se.samverkan.auth.SecurityProperties;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.server.spi.FhirServerProperties;

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
  OwnershipInterceptor ownershipInterceptor(AccessPolicy policy) {
    return new OwnershipInterceptor(policy);
  }

  @Bean
  ResourceKinds resourceKinds(FhirContext fhirContext, DaoRegistry daos) {
    return new ResourceKinds(fhirContext, daos);
  }

  @Bean
  AccessPolicy accessPolicy(DaoRegistry daos, ResourceKinds kinds) {
    return new AccessPolicy(daos, kinds);
  }

  @Bean
  SharingWriteRules sharingWriteRules(FhirContext fhirContext, AccessPolicy policy, DaoRegistry daos) {
    return new SharingWriteRules(fhirContext, policy, daos);
  }

  @Bean
  StoredVersions storedVersions(DaoRegistry daos) {
    return new StoredVersions(daos);
  }

  @Bean
  ProtectedIdentity protectedIdentity(FhirContext fhirContext, DaoRegistry daos) {
    return new ProtectedIdentity(fhirContext, daos);
  }

  /** HAPI's consent interceptor with our service: filters everything a caller is shown. */
  @Bean
  ReadAccessInterceptor readAccessInterceptor(AccessPolicy policy, ProtectedIdentity identity, FhirContext fhirContext,
      DaoRegistry daos, MatchUrlService matchUrls, StoredVersions stored, ISearchParamRegistry searchParams,
      FhirServerProperties fhir) {
    return new ReadAccessInterceptor(new CareRelationConsentService(policy,
        new JoinedCriteria(fhirContext, daos, matchUrls, identity, searchParams, fhir.joinScanLimit()), stored, identity));
  }

  /** A resource the caller may not see answers as one never stored (docs/security.md). */
  @Bean
  HiddenAsAbsentInterceptor hiddenAsAbsentInterceptor(AccessPolicy policy, StoredVersions stored) {
    return new HiddenAsAbsentInterceptor(policy, stored);
  }

  /** Search ids belong to their caller; the paging provider is guarded with it (FhirServerConfig). */
  @Bean
  SearchOwnership searchOwnership(JpaStorageSettings storageSettings, javax.sql.DataSource database) {
    return new SearchOwnership(java.time.Duration.ofMillis(storageSettings.getExpireSearchResultsAfterMillis()),
        database);
  }

  /** A next link only when something visible follows (HAPI counts withheld results). */
  @Bean
  VisibleNextLinks visibleNextLinks(ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc<?> searches) {
    return new VisibleNextLinks(searches);
  }

  @Bean
  public VisibleResults visibleResults(AccessPolicy policy) {
    return new VisibleResults(policy);
  }

  @Bean
  AccessLookupPrefetch accessLookupPrefetch(AccessPolicy policy, ProtectedIdentity identity) {
    return new AccessLookupPrefetch(policy, identity);
  }

  @Bean
  TransactionConditions transactionConditions(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls,
      AccessPolicy policy) {
    return new TransactionConditions(fhirContext, daos, matchUrls, policy);
  }

  @Bean
  OwnMatchesFirst ownMatchesFirst() {
    return new OwnMatchesFirst();
  }

  @Bean
  WithheldEntriesInterceptor withheldEntriesInterceptor() {
    return new WithheldEntriesInterceptor();
  }

  static class ReadAccessInterceptor extends ConsentInterceptor implements se.samverkan.server.spi.ServerInterceptor {
    ReadAccessInterceptor(CareRelationConsentService service) {
      super(service);
    }

    /** A page of search results with a deleted resource's place empty, not missing ({@link LoadedResults}). */
    @Override
    public void interceptPreAccess(RequestDetails request, IPreResourceAccessDetails page) {
      super.interceptPreAccess(request, LoadedResults.of(page));
    }
  }
}
