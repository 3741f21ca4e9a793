package se.samverkan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.junit.jupiter.api.Test;

/** Which requests run again after losing a race in the database (HAPI's STORAGE_VERSION_CONFLICT). */
class ConditionalWriteInterceptorTest {

  private final ConditionalWriteInterceptor interceptor = new ConditionalWriteInterceptor(null);

  @Test
  void aDeleteThatNamesNoVersionRunsAgainAfterRunningIntoTheAuditEventOfTheCallersLastRequest() {
    assertThat(interceptor.retryWritesThatMayRunAgain(request(RestOperationTypeEnum.DELETE, null)).isRetry()).isTrue();
  }

  @Test
  void aDeleteThatNamesAVersionMustLoseWith412AndIsNotRunAgain() {
    assertThat(interceptor.retryWritesThatMayRunAgain(request(RestOperationTypeEnum.DELETE, "W/\"2\"")).isRetry())
        .isFalse();
  }

  @Test
  void anUpdateByIdIsNotRunAgain() {
    assertThat(interceptor.retryWritesThatMayRunAgain(request(RestOperationTypeEnum.UPDATE, null)).isRetry()).isFalse();
  }

  private static RequestDetails request(RestOperationTypeEnum operation, String ifMatch) {
    RequestDetails request = mock(RequestDetails.class);
    when(request.getRestOperationType()).thenReturn(operation);
    when(request.getHeader(Constants.HEADER_IF_MATCH)).thenReturn(ifMatch);
    when(request.getId()).thenReturn(new org.hl7.fhir.r4.model.IdType("Patient/1"));
    return request;
  }
}
