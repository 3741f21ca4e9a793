package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.validation.ValidatorResourceFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.utilities.OIDUtilities;
import org.junit.jupiter.api.Test;

/**
 * Our empty {@code oidregistry.csv} (src/main/resources) replaces the validator library's 1.5 MB
 * one, which every validation parsed again. That is safe only while HAPI's resource fetcher says
 * every URL resolves: then whether the registry knows an OID never changes a validation result.
 */
class OidRegistryShadowTest {

  @Test
  void theValidatorSeesOurEmptyRegistry() throws IOException {
    try (InputStream registry = OIDUtilities.class.getClassLoader().getResourceAsStream("oidregistry.csv")) {
      assertThat(registry).isNotNull();
      assertThat(new String(registry.readAllBytes(), StandardCharsets.UTF_8)).contains("Samverkan");
    }
    // SNOMED CT's OID, which the library's registry lists.
    assertThat(new OIDUtilities().isKnownOID("urn:oid:2.16.840.1.113883.6.96")).isFalse();
  }

  @Test
  void hapisFetcherResolvesEveryUrlSoTheRegistryDecidesNothing() throws Exception {
    ValidatorResourceFetcher fetcher = new ValidatorResourceFetcher(null, null, null);
    for (String url : List.of("urn:oid:2.16.840.1.113883.6.96", "urn:oid:1.2.752.29.4.19", "https://example.org/x")) {
      assertThat(fetcher.resolveURL(null, null, "Identifier.system", url, "uri", false, null)).as(url).isTrue();
    }
  }
}
