package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The package has a NamingSystem for exactly the reserve identifier systems the server accepts
 * (SwedishPersonIdentifiers.RESERVE_SYSTEMS, the one place they are listed), as generated from it.
 */
class ReserveNamingSystemTest {

  @Test
  void everyAcceptedReserveSystemHasTheNamingSystemTheListGenerates() throws Exception {
    Map<Path, String> generated = ReserveNamingSystemGenerator.generate();

    assertThat(generated).hasSameSizeAs(SwedishPersonIdentifiers.RESERVE_SYSTEMS);
    for (Map.Entry<Path, String> file : generated.entrySet()) {
      assertThat(file.getKey()).as("regenerate: ReserveNamingSystemGenerator").exists();
      assertThat(Files.readString(file.getKey()))
          .as(file.getKey() + " differs from SwedishPersonIdentifiers: regenerate it with ReserveNamingSystemGenerator")
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void regionStockholmsUriAndLmaNummerAreDescribed() {
    assertThat(ReserveNamingSystemGenerator.generate().values())
        .anySatisfy(ns -> assertThat(ns).contains("\"value\": \"https://uid.regionstockholm.se/reservnummer\""))
        .anySatisfy(ns -> assertThat(ns).contains("\"value\": \"http://electronichealth.se/identifier/LMA-nummer\"")
            .contains("No form is documented"))
        .anySatisfy(ns -> assertThat(ns).contains("\"value\": \"1.2.752.74.9.5\"", "\"type\": \"oid\""));
  }
}
