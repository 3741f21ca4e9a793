package se.samverkan.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.junit.jupiter.api.Test;

/**
 * The answers to failures the request caused, and to other 500s, that HostileInputTest cannot
 * reach over HTTP (moved with the code from HostileInputInterceptorTest, assertions unchanged).
 */
class ClientErrorsTest {

  private final ErrorTranslation translation = new ErrorTranslation();

  @Test
  void anUnexpectedFailureIsAnsweredWithAPlainMessageAndKeepsTheOriginalForTheLog() {
    IllegalStateException failure =
        new IllegalStateException("could not execute statement [insert into HFJ_SPIDX_TOKEN values ('191212121212')]");

    BaseServerResponseException answer = translation.translate(null, failure);

    assertThat(answer).isInstanceOf(InternalErrorException.class);
    assertThat(answer.getMessage()).isEqualTo(ErrorOutcomes.INTERNAL_ERROR_MESSAGE);
    assertThat(answer.getCause()).isSameAs(failure);
  }

  @Test
  void clientErrorsAndParseErrorsAreLeftAsHapiAnswersThem() {
    assertThat(translation.translate(null, new ResourceNotFoundException("Patient/x"))).isNull();
    assertThat(translation.translate(null, new DataFormatException("HAPI-1883: bad date")))
        .isNull();
  }

  @Test
  void javaNamesAreLeftOutOfParseMessages() {
    BaseServerResponseException answer = translation.translate(null, new InvalidRequestException(
        "HAPI-1861: Failed to parse JSON encoded FHIR content: Document nesting depth (1001) exceeds the maximum"
            + " allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`); HAPI-1851: DataFormatException at"
            + " [1,1]: ca.uhn.fhir.parser.DataFormatException: Incorrect resource type"));

    assertThat(answer.getStatusCode()).isEqualTo(400);
    assertThat(answer.getMessage())
        .contains("exceeds the maximum allowed (1000)", "HAPI-1851: at [1,1]: Incorrect resource type")
        .doesNotContain("StreamReadConstraints", "Exception", "ca.uhn");
  }

  @Test
  void aBodyWithoutAFhirContentTypeIsUnsupportedMediaType() {
    BaseServerResponseException answer = translation.translate(null, new InvalidRequestException(
        "HAPI-0449: Incorrect Content-Type header value of \"text/plain\" was provided in the request."));

    assertThat(answer.getStatusCode()).isEqualTo(415);
    assertThat(answer.getMessage()).contains("text/plain");
  }
}
