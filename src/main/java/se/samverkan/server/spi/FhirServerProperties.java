package se.samverkan.server.spi;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Keys under {@code samverkan.fhir}. Each default is the {@link DefaultValue} below and nowhere
 * else: Spring Boot's configuration processor copies it into the configuration metadata, which
 * README's Configuration table is checked against (ConfigurationTableTest). Numbers and switches
 * are wrapper types, here and in the other records: a blank value ({@code SAMVERKAN_FHIR_MAX_PAGE_SIZE=})
 * converts to null, for which Spring Boot's binder takes the {@code @DefaultValue}, as the records'
 * constructors did before; a primitive would stop the start on it instead.
 *
 * @param publicBaseUrl the base URL clients see, e.g. {@code https://samverkan.regionx.se/fhir}
 *     behind a proxy; blank means "as the request came in"
 * @param defaultPageSize search results per page when the client gives no {@code _count}
 * @param maxPageSize the most results one page may hold; a larger {@code _count} is capped
 * @param openApi whether OpenAPI and Swagger UI are served at {@code /fhir/api-docs} and
 *     {@code /fhir/swagger-ui/}
 * @param scanLimit the most resources one search inside {@code Patient/$worklist} or
 *     {@code Observation/$lastn} may read (both answer in one page); more is refused with 400
 * @param maxRequestSize the largest request body accepted at {@code /fhir}; a larger one is refused
 *     with 413 before it is read into memory (a gzip-encoded one counts inflated)
 * @param joinScanLimit the most resources the check of one search's chains and {@code _has} against
 *     what the caller sees may read; more is refused with 400
 */
@ConfigurationProperties("samverkan.fhir")
public record FhirServerProperties(
    String publicBaseUrl,
    @DefaultValue("20") Integer defaultPageSize,
    @DefaultValue("200") Integer maxPageSize,
    @DefaultValue("true") Boolean openApi,
    @DefaultValue("10000") Integer scanLimit,
    // 10MB holds a transaction of some 4,000 to 7,000 resources (1.4 to 2.5 kB each, as
    // examples/ and the population generator write them).
    @DefaultValue("10MB") DataSize maxRequestSize,
    // A kommun's _has over observations it may not see ran 60-140 s before this limit existed.
    @DefaultValue("2000") Integer joinScanLimit) {

  /** Where the FHIR endpoint is served. */
  public static final String FHIR_PATH = "/fhir";

  /** No base URL of our own (unset or blank): HAPI takes it from each request. */
  public FhirServerProperties {
    publicBaseUrl = publicBaseUrl == null ? "" : publicBaseUrl.trim();
  }
}
