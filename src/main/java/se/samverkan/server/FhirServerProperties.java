package se.samverkan.server;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Keys under {@code samverkan.fhir}.
 *
 * @param publicBaseUrl the base URL clients see, e.g. {@code https://samverkan.regionx.se/fhir}
 *     behind a proxy; blank means "as the request came in"
 * @param defaultPageSize search results per page when the client gives no {@code _count}
 * @param maxPageSize the most results one page may hold; a larger {@code _count} is capped
 * @param openApi whether OpenAPI and Swagger UI are served at {@code /fhir/api-docs} and
 *     {@code /fhir/swagger-ui/}
 * @param lastnScanLimit the most observations one {@code Observation/$lastn} may read before it
 *     reduces them to the newest; a query that would read more is refused with 400
 */
@ConfigurationProperties("samverkan.fhir")
public record FhirServerProperties(
    String publicBaseUrl,
    Integer defaultPageSize,
    Integer maxPageSize,
    Boolean openApi,
    Integer lastnScanLimit) {

  public FhirServerProperties {
    publicBaseUrl = publicBaseUrl == null ? "" : publicBaseUrl.trim();
    defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
    maxPageSize = maxPageSize == null ? 200 : maxPageSize;
    openApi = openApi == null ? Boolean.TRUE : openApi;
    lastnScanLimit = lastnScanLimit == null ? 10_000 : lastnScanLimit;
  }
}
