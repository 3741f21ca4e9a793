package se.samverkan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;
import se.samverkan.auth.SecurityProperties;
import se.samverkan.coordination.CoordinationProperties;
import se.samverkan.notify.NotifyProperties;
import se.samverkan.profiles.ProfilesProperties;
import se.samverkan.server.spi.FhirServerProperties;
import se.samverkan.storage.StorageProperties;

/**
 * The configuration records bound as Spring Boot binds them at start-up. Their defaults used to be
 * filled in by their constructors for an unset and for a blank value alike; now they are
 * {@code @DefaultValue}s, and a blank value ({@code SAMVERKAN_FHIR_MAX_PAGE_SIZE=}) must still mean
 * the default rather than stop the start or reach the code as null.
 */
class ConfigurationBindingTest {

  @Test
  void withNothingSetEveryRecordHasItsDefaults() {
    Binder nothing = new Binder(new MapConfigurationPropertySource(Map.of()));

    FhirServerProperties fhir = nothing.bindOrCreate("samverkan.fhir", FhirServerProperties.class);
    assertThat(fhir.maxRequestSize()).isEqualTo(DataSize.ofMegabytes(10));
    assertThat(fhir.publicBaseUrl()).isEmpty();
    assertThat(nothing.bindOrCreate("samverkan.security", SecurityProperties.class).devIssuer().enabled()).isTrue();
    assertThat(nothing.bindOrCreate("samverkan.storage", StorageProperties.class).schema())
        .isEqualTo(StorageProperties.SchemaMode.MIGRATE);
    assertThat(nothing.bindOrCreate("samverkan.profiles", ProfilesProperties.class).enforcement())
        .isEqualTo(ProfilesProperties.Enforcement.STRICT);
    assertThat(nothing.bindOrCreate("samverkan.notify", NotifyProperties.class).allowedEndpoints()).isEmpty();
    CoordinationProperties coordination = nothing.bindOrCreate("samverkan.coordination", CoordinationProperties.class);
    assertThat(coordination.admissionNotice().dueAfter()).isEqualTo(Duration.ofHours(24));
    assertThat(coordination.dischargeFollowUp().dueAfter()).isEqualTo(Duration.ofDays(3));
  }

  @Test
  void aBlankValueMeansTheDefault() {
    Binder blank = new Binder(new MapConfigurationPropertySource(Map.of(
        "samverkan.fhir.max-page-size", "",
        "samverkan.fhir.open-api", "",
        "samverkan.fhir.max-request-size", "",
        "samverkan.security.operations-scope", " ",
        "samverkan.security.dev-issuer.enabled", "",
        "samverkan.storage.schema", "",
        "samverkan.notify.failing-after", "",
        "samverkan.notify.poll-interval", "",
        "samverkan.coordination.sip-call.enabled", "",
        "samverkan.coordination.sip-call.due-after", "")));

    FhirServerProperties fhir = blank.bindOrCreate("samverkan.fhir", FhirServerProperties.class);
    assertThat(fhir.maxPageSize()).isEqualTo(200);
    assertThat(fhir.openApi()).isTrue();
    assertThat(fhir.maxRequestSize()).isEqualTo(DataSize.ofMegabytes(10));
    SecurityProperties security = blank.bindOrCreate("samverkan.security", SecurityProperties.class);
    assertThat(security.operationsScope()).isEqualTo("operations");
    assertThat(security.devIssuer().enabled()).isTrue();
    assertThat(blank.bindOrCreate("samverkan.storage", StorageProperties.class).schema())
        .isEqualTo(StorageProperties.SchemaMode.MIGRATE);
    NotifyProperties notify = blank.bindOrCreate("samverkan.notify", NotifyProperties.class);
    assertThat(notify.failingAfter()).isEqualTo(5);
    assertThat(notify.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    CoordinationProperties.Rule sipCall =
        blank.bindOrCreate("samverkan.coordination", CoordinationProperties.class).sipCall();
    assertThat(sipCall.enabled()).isTrue();
    assertThat(sipCall.dueAfter()).isEqualTo(Duration.ofDays(3));
  }
}
