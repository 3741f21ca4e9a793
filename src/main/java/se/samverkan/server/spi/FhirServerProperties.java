package se.samverkan.server.spi;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Keys under {@code samverkan.fhir}.
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
    Integer defaultPageSize,
    Integer maxPageSize,
    Boolean openApi,
    Integer scanLimit,
    DataSize maxRequestSize,
    Integer joinScanLimit) {

  /** Where the FHIR endpoint is served. */
  public static final String FHIR_PATH = "/fhir";

  public FhirServerProperties {
    publicBaseUrl = publicBaseUrl == null ? "" : publicBaseUrl.trim();
    defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
    maxPageSize = maxPageSize == null ? 200 : maxPageSize;
    openApi = openApi == null ? Boolean.TRUE : openApi;
    scanLimit = scanLimit == null ? 10_000 : scanLimit;
    maxRequestSize = maxRequestSize == null ? DataSize.ofMegabytes(10) : maxRequestSize;
    joinScanLimit = joinScanLimit == null ? 2_000 : joinScanLimit;
  }
}
