package se.samverkan.server.edge;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The rules of HostileInputInterceptor that HostileInputTest cannot reach over HTTP. */
class HostileInputInterceptorTest {

  @Test
  void stringsMayHoldTabsNewlinesAndAnyCharacterButNotControlCharactersOrHalfASurrogatePair() {
    assertThat(HostileInputInterceptor.stringProblem("Patient.name.given", "Rad ett\r\n\tRad två, Åsa 😀 \u200Fשרה e\u0301")).isEmpty();
    assertThat(HostileInputInterceptor.stringProblem("Patient.name.given", "a\u0000b")).get().asString().contains("U+0000");
    assertThat(HostileInputInterceptor.stringProblem("Patient.name.given", "a\u001Fb")).get().asString().contains("U+001F");
    assertThat(HostileInputInterceptor.stringProblem("Patient.name.given", "\uD83D")).get().asString().contains("surrogate");
    assertThat(HostileInputInterceptor.stringProblem("Patient.name.given", "x\uDE00")).get().asString().contains("surrogate");
  }

  @Test
  void exponentsBeyondAThousandAreTooLarge() {
    assertThat(HostileInputInterceptor.exponentTooLarge("1e1000")).isFalse();
    assertThat(HostileInputInterceptor.exponentTooLarge("-2.5E-0001000")).isFalse();
    assertThat(HostileInputInterceptor.exponentTooLarge("12.5")).isFalse();
    assertThat(HostileInputInterceptor.exponentTooLarge("1e1001")).isTrue();
    assertThat(HostileInputInterceptor.exponentTooLarge("1E-999999")).isTrue();
    assertThat(HostileInputInterceptor.exponentTooLarge("1e+99999999999999999999")).isTrue();
  }

  @Test
  void decimalsStayWithinWhatTheSearchIndexHolds() {
    assertThat(HostileInputInterceptor.decimalProblem("Observation.valueQuantity.value", new BigDecimal("99999999999999999.99"))).isEmpty();
    assertThat(HostileInputInterceptor.decimalProblem("Observation.valueQuantity.value", new BigDecimal("-99999999999999999.99"))).isEmpty();
    assertThat(HostileInputInterceptor.decimalProblem("Observation.valueQuantity.value", new BigDecimal("1e17"))).isPresent();
    assertThat(HostileInputInterceptor.decimalProblem("Observation.valueQuantity.value", new BigDecimal("1e-100"))).isEmpty();
    assertThat(HostileInputInterceptor.decimalProblem("Observation.valueQuantity.value", new BigDecimal("1e-101"))).isPresent();
  }
  @Test
  void aNullInAnArrayMustKeepThePlaceOfWhatTheMatchingArrayHoldsThere() {
    assertThat(nullProblem("{\"name\":[{\"given\":[\"A\",null],\"_given\":[null,{\"id\":\"x\"}]}]}")).isNull();
    assertThat(nullProblem("{\"given\":[null,\"A\"],\"_given\":[{\"id\":\"x\"}]}")).isNull();
    assertThat(nullProblem("{\"extension\":[{\"url\":\"u\",\"extension\":[{\"url\":\"v\",\"valueString\":\"w\"}]}],"
        + "\"birthDate\":null,\"a\":[[null]]}")).as("nulls outside arrays, and arrays in arrays, are HAPI's parser's").isNull();

    assertThat(nullProblem("{\"name\":[{\"given\":[null]}]}")).contains("name[0].given[0]", "given and _given");
    assertThat(nullProblem("{\"name\":[{\"given\":[\"A\",null],\"_given\":[null]}]}")).contains("name[0].given[1]");
    assertThat(nullProblem("{\"name\":[{},{\"_given\":[null,null]}]}")).contains("name[1]._given[0]");
    assertThat(nullProblem("{\"parameter\":[{\"resource\":{\"identifier\":[null]}}]}"))
        .contains("parameter[0].resource.identifier[0]");
  }

  @Test
  void gzipIsTheOnlyContentCodingAndIdentityIsNone() {
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding())).isEmpty();
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("identity"))).isEmpty();
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("GZip"))).isEqualTo("gzip");
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("x-gzip, identity"))).isEqualTo("gzip");
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("gzip", "gzip"))).isNull();
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("deflate"))).isNull();
    assertThat(RequestSizeLimitFilter.contentCoding(withContentEncoding("br"))).isNull();
  }

  /** The message a JSON body's nulls are refused with, or null. */
  private static String nullProblem(String json) {
    HostileInputInterceptor.NullPlaces nulls = new HostileInputInterceptor.NullPlaces();
    try (JsonParser parser = new JsonFactory().createParser(json)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        nulls.next(token, parser.currentName());
      }
      return null;
    } catch (InvalidRequestException refused) {
      return refused.getMessage();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MockHttpServletRequest withContentEncoding(String... values) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/fhir/Task");
    for (String value : values) {
      request.addHeader("Content-Encoding", value);
    }
    return request;
  }
}
