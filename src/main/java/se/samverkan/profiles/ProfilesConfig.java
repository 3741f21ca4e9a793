package se.samverkan.profiles;

import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.term.TermReadSvcImpl;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import ca.uhn.fhir.jpa.validation.ValidationSettings;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.validation.IValidatorModule;
import jakarta.annotation.PostConstruct;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r5.utils.validation.constants.ReferenceValidationPolicy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import se.samverkan.server.spi.LocksAcrossServers;

/** Samverkan's profiles: the package, its installation, validation and enforcement on write. */
@Configuration
public class ProfilesConfig {

  @Bean
  public FhirPackageInstaller fhirPackageInstaller(
      IPackageInstallerSvc installer,
      IHapiPackageCacheManager packageCache,
      JobDefinitionRegistry jobDefinitions,
      List<JobDefinition<?>> jobs,
      ISearchParamRegistry searchParamRegistry,
      LocksAcrossServers locks) {
    return new FhirPackageInstaller(installer, packageCache, jobDefinitions, jobs, searchParamRegistry, locks);
  }

  @Bean
  public ProfileCatalog profileCatalog(
      FhirContext fhirContext, IValidationSupport validationSupport, FhirPackageInstaller fhirPackage) {
    return new ProfileCatalog(fhirContext, validationSupport, fhirPackage.npmPackage());
  }

  /**
   * HAPI's validator plus our Swedish identifier rules, for write-time checks and {@code $validate}.
   * Code systems HAPI does not hold (SNOMED CT SE, ICD-10-SE, KVÅ, most of LOINC) must not make
   * valid data fail: a code from an unknown system is a warning. Our own code systems are stored
   * in full, so their codes are checked.
   */
  @Bean
  @Primary
  public SamverkanValidator samverkanValidator(
      @Qualifier("myInstanceValidator") IValidatorModule instanceValidator,
      JpaValidationSupportChain validationSupportChain,
      ValidationSettings validationSettings,
      FhirContext fhirContext,
      ObjectProvider<ProfileCatalog> catalog,
      ProfilesProperties properties) {
    // Profiles restrict reference targets (a SIP activity's performer is an Organization): check
    // the type of every local reference whose target exists.
    validationSettings.setLocalReferenceValidationDefaultPolicy(ReferenceValidationPolicy.CHECK_TYPE_IF_EXISTS);
    // ... and learn that type from the reference rather than by reading the target (ReferenceTypeFetcher).
    if (instanceValidator instanceof FhirInstanceValidator validator) {
      validator.setValidatorResourceFetcher(
          new ReferenceTypeFetcher(validator.getValidatorResourceFetcher(), fhirContext));
    }
    UnknownCodeSystemWarningValidationSupport unknownSystems =
        new UnknownCodeSystemWarningValidationSupport(fhirContext);
    unknownSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    validationSupportChain.addValidationSupport(unknownSystems);
    return new SamverkanValidator(
        instanceValidator, new SwedishIdentifierRules(), validationSupportChain, catalog, properties.enforcement());
  }

  @Bean
  public ProfileEnforcementInterceptor profileEnforcementInterceptor(ProfilesProperties properties,
      ProfileCatalog catalog, FhirContext fhirContext, SamverkanValidator validator, ValidationMemo memo) {
    return new ProfileEnforcementInterceptor(properties, catalog, fhirContext, validator, memo);
  }

  /** Write-time verdicts on our Observation profiles, reused (ValidationMemo says when and why). */
  @Bean
  public ValidationMemo validationMemo(ProfileCatalog catalog, FhirContext fhirContext) {
    return new ValidationMemo(() -> catalog.urlsOf("Observation"), fhirContext.getResourceTypes());
  }

  /**
   * Our code systems are stored in HAPI's terminology tables when the package is installed, and
   * {@code $expand} of a value set over one of them reads those tables. HAPI 8.8 reads them through
   * Hibernate Search whenever an IFulltextSearchSvc bean exists (TermReadSvcImpl#isHibernateSearchEnabled),
   * and HapiJpaConfig always defines one, although Hibernate Search is off here
   * (JpaStorageConfig: hibernate.search.enabled=false): every such {@code $expand} failed with 500
   * (HibernateSearchContextProviderService: SearchException). This flag, HAPI's only switch for it
   * (named for tests; it is read nowhere else), selects the path that reads the tables directly
   * (TermReadSvcImpl#expandWithoutHibernateSearch): whole code systems and is-a filters, which is
   * all our value sets use.
   */
  @PostConstruct
  void expandFromTheTerminologyTablesWithoutHibernateSearch() {
    TermReadSvcImpl.setForceDisableHibernateSearchForUnitTest(true);
  }

  @Bean
  public UnexpandableValueSets unexpandableValueSets(JpaValidationSupportChain validationSupportChain) {
    return new UnexpandableValueSets(validationSupportChain);
  }

  @Bean
  public SupportedProfilesCapability supportedProfilesCapability(ProfileCatalog catalog) {
    return new SupportedProfilesCapability(catalog);
  }
}
