package se.samverkan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathPatternsTest {

  private final PathPatterns patterns = new PathPatterns(FhirContext.forR4Cached());

  @ParameterizedTest
  @CsvSource({
    "/fhir, /fhir",
    "/fhir/, /fhir",
    "/fhir/metadata, /fhir/metadata",
    "/fhir/Patient, /fhir/Patient",
    "/fhir/Patient/191212121212, /fhir/Patient/{id}",
    "/fhir/Patient/abc/_history/3, /fhir/Patient/{id}/_history/{version}",
    "/fhir/Patient/abc/$everything, /fhir/Patient/{id}/$everything",
    "/fhir/Patient/_search, /fhir/Patient/_search",
    "/fhir/_history, /fhir/_history",
    "/fhir/Greta-Testsson/x, /fhir/{type}/{id}",
    "/fhir/swagger-ui/index.html, /fhir/swagger-ui/**",
    "/actuator/health/readiness, /actuator/health/readiness",
    "/actuator/x y, /actuator/{other}",
    "/packages/se.samverkan.fhir.tgz, /packages/se.samverkan.fhir.tgz",
    "/packages/../x, /{other}",
    "/, /",
    "/191212121212, /{other}"
  })
  void pathsBecomePatternsThatCarryNoData(String path, String pattern) {
    assertThat(patterns.of(path)).isEqualTo(pattern);
  }
}
