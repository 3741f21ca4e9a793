package se.samverkan.server;

import se.samverkan.server.spi.FhirServerProperties;
import se.samverkan.server.spi.LocksAcrossServers;

import se.samverkan.server.spi.ServerInterceptor;

import se.samverkan.server.spi.ServerProvider;

import se.samverkan.server.edge.HostileInputInterceptor;
import se.samverkan.server.edge.MatchUrls;
import se.samverkan.server.edge.RequestSizeLimitFilter;
import se.samverkan.server.errors.ContainsSearchRefusal;
import se.samverkan.server.errors.ErrorTranslation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.interceptor.SearchPreferHandlingInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.info.BuildProperties;
import se.samverkan.access.SearchOwnership;
import se.samverkan.auth.TokenEndpoints;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The FHIR REST endpoint at {@code /fhir}: HAPI's {@link RestfulServer} with the JPA resource
 * providers for every R4 type, the system provider (transaction, batch, history) and the
 * interceptors that make Samverkan's cross-cutting rules.
 */
@Configuration
public class FhirServerConfig {

  @Bean
  public RestfulServer fhirServer(
      FhirContext fhirContext,
      FhirServerProperties properties,
      Optional<BuildProperties> build,
      ResourceProviderFactory resourceProviders,
      IJpaSystemProvider systemProvider,
      IFhirSystemDao<?, ?> systemDao,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider,
      ValueSetOperationProvider valueSetOperations,
      List<ServerProvider> providers,
      SearchOwnership searchOwnership) {
    // Narratives are the sender's business; generating them costs time on every write.
    fhirContext.setNarrativeGenerator(new NullNarrativeGenerator());

    RestfulServer server = new RestfulServer(fhirContext);
    server.setServerName("Samverkan");
    server.setServerVersion(build.map(BuildProperties::getVersion).orElse("development"));
    server.setImplementationDescription(
        "Samverkan: shared care documentation of region and kommun");
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setServerAddressStrategy(
        properties.publicBaseUrl().isEmpty()
            ? new IncomingRequestAddressStrategy()
            : new HardcodedServerAddressStrategy(properties.publicBaseUrl()));

    Set<Class<?>> replaced =
        providers.stream()
            .filter(IResourceProvider.class::isInstance)
            .map(p -> ((IResourceProvider) p).getResourceType())
            .collect(Collectors.toSet());
    server.registerProviders(
        resourceProviders.createProviders().stream()
            .filter(p -> !(p instanceof IResourceProvider r && replaced.contains(r.getResourceType())))
            .toList());
    providers.forEach(server::registerProvider);
    server.registerProvider(systemProvider);
    server.registerProvider(valueSetOperations);

    JpaCapabilityStatementProvider capabilities =
        new JpaCapabilityStatementProvider(
            server, systemDao, storageSettings, searchParamRegistry, validationSupport);
    capabilities.setImplementationDescription(server.getImplementationDescription());
    // No resource counts in the CapabilityStatement: see noResourceCounts below.
    capabilities.setIncludeResourceCounts(false);
    server.setServerConformanceProvider(capabilities);

    pagingProvider.setDefaultPageSize(properties.defaultPageSize());
    pagingProvider.setMaximumPageSize(properties.maxPageSize());
    // A search id's pages go only to the caller that searched (docs/security.md).
    server.setPagingProvider(searchOwnership.guard(pagingProvider));

    // The interceptors: InterceptorRegistrar, as this bean is made.
    return server;
  }

  /** Registers every ServerInterceptor and StorageInterceptor bean; static, as a post-processor must be. */
  @Bean
  static InterceptorRegistrar interceptorRegistrar(
      ObjectProvider<IInterceptorService> storage, ObjectProvider<ServerInterceptor> endpoint) {
    return new InterceptorRegistrar(storage, endpoint);
  }

  /**
   * The server never counts its resources. HAPI would publish how many of each type it holds — the
   * figure {@code _total} is refused for (docs/security.md) — in a public place: an extension on
   * each type of the CapabilityStatement (JpaCapabilityStatementProvider#postProcessRestResource,
   * HAPI 8.8, on unless switched off above), and from there as badges in Swagger UI
   * (OpenApiInterceptor#serveSwaggerUiHtml) and through {@code $get-resource-counts}. The counts
   * come from HapiJpaConfig's ResourceCountCache, refilled by a GROUP BY over every stored
   * resource at start-up and every 4 hours (ResourceCountCacheUtil; its job runs every 10 minutes).
   * With no cache period it never fetches and stays empty, so nothing reads or pays for counts.
   */
  @Bean
  public static BeanPostProcessor noResourceCounts() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessBeforeInitialization(Object bean, String name) {
        if (bean instanceof ResourceCountCache counts) {
          counts.setCacheMillis(0);
        }
        return bean;
      }
    };
  }

  @Bean
  public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer fhirServer) {
    ServletRegistrationBean<RestfulServer> registration =
        new ServletRegistrationBean<>(fhirServer, FhirServerProperties.FHIR_PATH + "/*");
    registration.setName("fhir");
    registration.setLoadOnStartup(1);
    return registration;
  }

  /**
   * The request size limit, on the FHIR endpoint only. It runs right after the access log (which
   * records the 413) and before the token check: an oversized body is refused before any work.
   */
  @Bean
  public FilterRegistrationBean<RequestSizeLimitFilter> requestSizeLimitFilter(
      FhirServerProperties properties, FhirContext fhirContext) {
    FilterRegistrationBean<RequestSizeLimitFilter> registration =
        new FilterRegistrationBean<>(new RequestSizeLimitFilter(properties.maxRequestSize(), fhirContext));
    registration.addUrlPatterns(FhirServerProperties.FHIR_PATH + "/*", FhirServerProperties.FHIR_PATH);
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    return registration;
  }

  @Bean
  public VersionPreconditionInterceptor versionPreconditionInterceptor() {
    return new VersionPreconditionInterceptor();
  }

  /** Every failure's status and OperationOutcome, in one fixed order (ErrorTranslation#RULES). */
  @Bean
  public ErrorTranslation errorTranslation() {
    return new ErrorTranslation();
  }

  @Bean
  public ConditionalWriteInterceptor conditionalWriteInterceptor(LocksAcrossServers locks) {
    return new ConditionalWriteInterceptor(locks instanceof LocksInDatabase inDatabase ? inDatabase : null);
  }

  /**
   * What must happen once, or one at a time, across every server on the database (issue 21): on
   * PostgreSQL advisory locks, on the embedded H2 database (one server) locks in this process.
   * Static: storage and the profiles take them while HAPI is still being made, before this
   * configuration's own dependencies can be.
   */
  @Bean
  public static LocksAcrossServers locksAcrossServers(DataSourceProperties database, DataSource dataSource) {
    if (database.determineUrl().startsWith("jdbc:postgresql:")) {
      return new LocksInDatabase(database.determineUrl(), database.determineUsername(), database.determinePassword(),
          dataSource);
    }
    return new LocksInProcess();
  }

  @Bean
  public ContainsSearchRefusal containsSearchRefusal(JpaStorageSettings storageSettings) {
    return new ContainsSearchRefusal(storageSettings);
  }

  @Bean
  public StalledSearches stalledSearches(ISearchCacheSvc searches) {
    return new StalledSearches(searches);
  }

  @Bean
  public MatchUrls matchUrls(FhirContext fhirContext) {
    return new MatchUrls(fhirContext);
  }

  @Bean
  public HostileInputInterceptor hostileInputInterceptor(FhirContext fhirContext) {
    return new HostileInputInterceptor(fhirContext);
  }

  /**
   * A search naming a parameter the server does not know is refused with 400 naming it (strict,
   * HAPI's default here): a misspelt parameter silently ignored would widen the search, e.g. to
   * every patient. A client that prefers otherwise says so with Prefer: handling=lenient.
   */
  @Bean
  public ServerInterceptor searchPreferHandling(ISearchParamRegistry searchParamRegistry) {
    return ServerInterceptor.of(new SearchPreferHandlingInterceptor(searchParamRegistry));
  }

  /** OpenAPI and Swagger UI, unless {@code samverkan.fhir.open-api} is false. */
  @Bean
  @Conditional(OpenApiOn.class)
  public OpenApiDescription openApiDescription(TokenEndpoints tokenEndpoints) {
    return new OpenApiDescription(tokenEndpoints);
  }

  /** {@code samverkan.fhir.open-api} as {@link FhirServerProperties} reads it, default included. */
  static final class OpenApiOn implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return Binder.get(context.getEnvironment()).bindOrCreate("samverkan.fhir", FhirServerProperties.class).openApi();
    }
  }

  /**
   * A browser ranks text/html first and application/xml above any JSON, so it was sent FHIR XML
   * to download (2 MB for /metadata). HAPI's highlighter answers a browser's GET with the JSON
   * as a readable page; a request with _format, X-Requested-With or Origin (script), or whose
   * Accept does not rank text/html highest, gets what it asked for, as before
   * (ResponseHighlighterInterceptor#handleOutgoingResponse, 8.8). It runs after every access
   * rule (its hook order is 10000, above every order in HookOrder). Narratives are not rendered: they are
   * XHTML a writer chose, and HAPI's scan of them "does not completely mitigate" active content
   * (ResponseHighlighterInterceptor#setShowNarrative).
   */
  @Bean
  public ServerInterceptor responseHighlighter() {
    ResponseHighlighterInterceptor highlighter = new ResponseHighlighterInterceptor();
    highlighter.setShowNarrative(false);
    return ServerInterceptor.of(highlighter);
  }

  @Bean
  public CapabilityStatementCustomizer capabilityStatementCustomizer(
      Optional<BuildProperties> build, JpaStorageSettings storageSettings) {
    return new CapabilityStatementCustomizer(
        build.map(BuildProperties::getVersion).orElse("development"), storageSettings.isAllowMultipleDelete());
  }
}
