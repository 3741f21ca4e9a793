package se.samverkan.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.esr.ExternallyStoredResourceServiceRegistry;
import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.partition.IPartitionLookupSvc;
import ca.uhn.fhir.jpa.searchparam.registry.SearchParamRegistryImpl;
import ca.uhn.fhir.util.IMetaTagSorter;
import ca.uhn.fhir.jpa.cache.IResourceChangeListenerRegistry;
import ca.uhn.fhir.jpa.cache.ResourceChangeListenerRegistryImpl;
import jakarta.persistence.EntityManagerFactory;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * The JPA side of HAPI: storage settings, the entity manager factory over Spring Boot's
 * DataSource, and the transaction manager. Spring Boot's own JPA auto-configuration backs off
 * because these beans exist.
 */
@Configuration
@EnableTransactionManagement
public class JpaStorageConfig {

  @Bean
  public JpaStorageSettings jpaStorageSettings(StorageProperties properties) {
    JpaStorageSettings settings = new JpaStorageSettings();
    // Journal systems keep their own ids (numeric ones too); server-made ids are UUIDs so the
    // two can never collide.
    settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
    settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
    settings.setDeleteEnabled(properties.allowDelete());
    settings.setExpungeEnabled(false);
    // A conditional delete deletes one resource; a condition matching several deletes nothing
    // (412). HAPI's default; a loose condition must not empty a record.
    settings.setAllowMultipleDelete(false);
    // A coordination nurse who just wrote a Task must find it: no reuse of cached search results.
    settings.setReuseCachedSearchResultsForMillis(null);
    // Our value sets are small and validated in memory; HAPI's scheduled pre-expansion adds nothing.
    // The scheduled task is switched off too: it runs whatever the line above says, and it is the
    // one job HAPI 8.8 schedules as "clustered" that is unsafe on several replicas at once (it takes
    // a ValueSet to expand without a row lock; two replicas collide on IDX_VS_CONCEPT_CSCD). HAPI's
    // clustered scheduler keeps its jobs in memory, so every replica runs every one of them
    // (docs/reliability.md, "Running several replicas").
    settings.setPreExpandValueSets(false);
    settings.setEnableTaskPreExpandValueSets(false);
    // A new SearchParameter starts a REINDEX job so that data stored before it is found by it.
    // Without fast tracking each step of a small job waits for the once-a-minute maintenance
    // pass; with it a reindex of a few thousand resources finishes in seconds.
    settings.setJobFastTrackingEnabled(true);
    // No substring search (:contains), HAPI's default, said here because it is a decision
    // (docs/integration-guide.md): a leading-wildcard LIKE can use no index, and allowing it makes
    // HAPI leave the value's first letter out of the hash every string search looks up, so plain
    // starts-with searches would read every value of the parameter too, and data stored before
    // the switch is not found until all of it is reindexed (ResourceIndexedSearchParamString
    // #calculateHashNormalized, StorageSettings#setAllowContainsSearches, 8.8). The answer to a
    // :contains search is server.ContainsSearchRefusal's.
    settings.setAllowContainsSearches(false);
    settings.setHibernateSearchIndexFullText(false);
    settings.setHibernateSearchIndexSearchParams(false);
    // Tags, profiles and security labels (the owner's tags among them) are kept in each version's
    // JSON, like every other element, and indexed as the search parameters _tag, _security and
    // _profile; not in HAPI's tag tables, which every load of a resource had to query again because
    // a tag could change without a new version (13 % of a kommun's worklist page, 6.7 % of a small
    // query: docs/performance.md, step 20). A tag now changes with a new version only
    // (TagsInVersions); databases written before are brought over at start (InlineTagsMigration).
    settings.setTagStorageMode(JpaStorageSettings.TagStorageModeEnum.INLINE);
    return settings;
  }

  /** Never a dangling reference; a StorageInterceptor, so it guards every delete, also the server's own. */
  @Bean
  ReferentialIntegrity referentialIntegrity(EntityManagerFactory entityManagerFactory, FhirContext fhirContext,
      JpaStorageSettings storageSettings) {
    return new ReferentialIntegrity(
        SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory), fhirContext, storageSettings);
  }

  /** The meta operations as tags kept in each version allow (JpaStorageSettings above). */
  @Bean
  TagsInVersions tagsInVersions() {
    return new TagsInVersions();
  }

  /** What another replica stored reaches this one's Subscription and SearchParameter registries. */
  @Bean
  CachesFollowOtherServers cachesFollowOtherServers(IResourceChangeListenerRegistry caches, StorageProperties properties) {
    if (!(caches instanceof ResourceChangeListenerRegistryImpl registry)) {
      throw new IllegalStateException("HAPI's resource change caches are not the registry this HAPI version had: "
          + caches.getClass().getName());
    }
    return new CachesFollowOtherServers(registry, properties.cacheRefresh());
  }

  /** A database written with tags in HAPI's tag tables is brought over, at start. */
  @Bean
  InlineTagsMigration inlineTagsMigration(EntityManagerFactory entityManagerFactory,
      IHapiTransactionService transactions, DaoRegistry daos, FhirContext fhirContext, LocksAcrossServers locks) {
    return new InlineTagsMigration(SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory),
        transactions, daos, fhirContext, locks);
  }

  /**
   * HAPI's loader of stored resources, parsing a read's search results once and a stored version
   * once across requests (issue 20): primary, so HAPI's search builders take it instead of their own
   * (SearchConfig#myBatchResourceLoader, 8.8).
   */
  @Bean
  @Primary
  ResultsParsedOnce resultsParsedOnce(StorageProperties storage, FhirContext fhirContext,
      IResourceMetadataExtractorSvc metadata, IJpaStorageResourceParser parser,
      ExternallyStoredResourceServiceRegistry externallyStored, IMetaTagSorter tagSorter,
      PartitionSettings partitions, IPartitionLookupSvc partitionLookup, JpaStorageSettings storageSettings) {
    return new ResultsParsedOnce(storage.parsedVersionsMib() * 1024L * 1024L, fhirContext, metadata, parser,
        externallyStored, tagSorter, partitions, partitionLookup, storageSettings.getTagStorageMode());
  }

  /**
   * The search parameters indexed and answered: HAPI's registry narrowed to the declared ones
   * (issue 20). Primary, so every HAPI service that asks for the registry by type (indexing, the
   * search builders, the subscription matcher, the CapabilityStatement, the package installer)
   * gets the narrowed one. HAPI's own stays behind it, found by its bean name when first asked:
   * HAPI's registry itself needs services that ask for the registry (SearchParamRegistryImpl →
   * ResourceChangeListenerRegistry → InMemoryResourceMatcher, 8.8).
   */
  @Bean
  @Primary
  DeclaredSearchParameters declaredSearchParameters(BeanFactory beans, FhirContext fhirContext) {
    return new DeclaredSearchParameters(
        () -> beans.getBean("searchParamRegistry", SearchParamRegistryImpl.class), fhirContext);
  }

  /** Required by HAPI even when partitioning is off, as it is here. */
  @Bean
  public PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  @Primary
  public LocalContainerEntityManagerFactoryBean entityManagerFactory(
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings,
      JpaProperties jpaProperties,
      DataSource dataSource,
      StorageProperties storageProperties) {
    DriverTypeEnum driverType = SchemaMigration.driverTypeOf(dataSource);
    // The schema must be current before Hibernate or any HAPI service touches a table.
    if (storageProperties.schema() == StorageProperties.SchemaMode.MIGRATE) {
      SchemaMigration.run(dataSource);
    } else {
      SchemaMigration.requireOwnTables(dataSource);
    }

    LocalContainerEntityManagerFactoryBean factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(
            beanFactory, fhirContext, storageSettings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource);

    Map<String, Object> hibernate = new HashMap<>();
    hibernate.put(AvailableSettings.DIALECT, dialectFor(driverType));
    hibernate.put(AvailableSettings.HBM2DDL_AUTO, "none");
    hibernate.put(AvailableSettings.STATEMENT_BATCH_SIZE, "20");
    hibernate.put(AvailableSettings.ORDER_INSERTS, "true");
    hibernate.put(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
    hibernate.put(AvailableSettings.USE_QUERY_CACHE, "false");
    hibernate.put(AvailableSettings.SHOW_SQL, "false");
    hibernate.put(AvailableSettings.SCANNER, "org.hibernate.boot.archive.scan.internal.DisabledScanner");
    hibernate.put("hibernate.search.enabled", "false");
    // Hibernate's bulk-mutation temp tables are never used by HAPI; creating them only fails noisily.
    hibernate.put("hibernate.query.mutation_strategy.global_temporary.create_tables", "false");
    hibernate.put("hibernate.query.mutation_strategy.global_temporary.drop_tables", "false");
    // Explicit spring.jpa.properties.* win over the defaults above.
    hibernate.putAll(jpaProperties.getProperties());
    factory.setJpaPropertyMap(hibernate);
    return factory;
  }

  @Bean
  @Primary
  public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  private static String dialectFor(DriverTypeEnum driverType) {
    return switch (driverType) {
      case H2_EMBEDDED -> HapiFhirH2Dialect.class.getName();
      case POSTGRES_9_4 -> HapiFhirPostgresDialect.class.getName();
      default -> throw new IllegalStateException("Unsupported database " + driverType);
    };
  }
}
