package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import se.samverkan.auth.TokenEndpoints;

/**
 * The public OpenAPI description is made once per page and kept for a while: HAPI would build the
 * whole of it (seconds of CPU) for every anonymous request.
 */
class OpenApiDescriptionTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();

  private Instant now = Instant.parse("2026-12-06T08:00:00Z");
  private int made;

  private final OpenApiDescription description = new OpenApiDescription(mock(TokenEndpoints.class), clock()) {
    @Override
    protected OpenAPI generateOpenApi(ServletRequestDetails requestDetails) {
      made++;
      return new OpenAPI().info(new Info().title("description " + made));
    }
  };

  @Test
  void theSamePageAskedForAgainIsServedWithoutBeingMadeAgain() {
    String first = description.description(request("http://a/fhir", "Patient"));
    String second = description.description(request("http://a/fhir", "Patient"));

    assertThat(second).isEqualTo(first);
    assertThat(made).isEqualTo(1);
  }

  @Test
  void aPageIsMadeAgainOnceItHasBeenKeptItsTime() {
    description.description(request("http://a/fhir", null));
    now = now.plus(OpenApiDescription.KEPT).plusSeconds(1);
    description.description(request("http://a/fhir", null));

    assertThat(made).isEqualTo(2);
  }

  @Test
  void inventedPageNamesShareOneEntrySoTheyCannotGrowTheCache() {
    for (int i = 0; i < 100; i++) {
      description.description(request("http://a/fhir", "NoSuchPage" + i));
    }

    assertThat(made).isEqualTo(1);
  }

  @Test
  void anotherServerBaseGetsADescriptionOfItsOwn() {
    description.description(request("http://a/fhir", "Patient"));
    description.description(request("http://b/fhir", "Patient"));

    assertThat(made).isEqualTo(2);
  }

  private ServletRequestDetails request(String base, String page) {
    ServletRequestDetails request = mock(ServletRequestDetails.class);
    Map<String, String[]> parameters = new HashMap<>();
    if (page != null) {
      parameters.put("page", new String[] {page});
    }
    when(request.getParameters()).thenReturn(parameters);
    when(request.getFhirServerBase()).thenReturn(base);
    when(request.getFhirContext()).thenReturn(R4);
    return request;
  }

  private Clock clock() {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now;
      }
    };
  }
}
