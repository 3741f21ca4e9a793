package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import se.samverkan.auth.Caller;

/**
 * What SearchOwnership remembers is bounded by count and by HAPI's time for keeping results, and
 * forgetting never hands a search to anyone else.
 */
class SearchOwnershipMemoryTest {

  private final AtomicLong nanos = new AtomicLong();
  private final SearchOwnership ownership = new SearchOwnership(Duration.ofHours(1), nanos::get, null);

  @Test
  void itRemembersAtMostItsLimitHoweverManySearchesTheHourHolds() {
    RequestDetails nurse = request(Caller.owner("nurse", "SE2321000081-SV1000", "SE2321000081-SV0001"));
    for (int i = 0; i < SearchOwnership.MAX_OWNERS + 5_000; i++) {
      answer(nurse, "search-" + i);
    }
    // Before: only entries older than the hour were dropped, so all 105,000 stayed (and every
    // registration past 10,000 scanned them all).
    assertThat(ownership.remembered()).isLessThanOrEqualTo(SearchOwnership.MAX_OWNERS);
    assertThat(ownership.owns(nurse, "search-" + (SearchOwnership.MAX_OWNERS + 4_999))).isTrue();
  }

  @Test
  void aSearchUnusedForLongerThanHapiKeepsResultsIsNobodysAndAnotherCallerNeverOwnsIt() {
    RequestDetails nurse = request(Caller.owner("nurse", "SE2321000081-SV1000", "SE2321000081-SV0001"));
    RequestDetails other = request(Caller.owner("other", "SE2321000081-SV2000", "SE2321000081-SV0001"));
    answer(nurse, "kept");
    answer(nurse, "left");

    nanos.addAndGet(Duration.ofMinutes(40).toNanos());
    assertThat(ownership.owns(nurse, "kept")).isTrue(); // paging on keeps it
    assertThat(ownership.owns(other, "kept")).isFalse();
    nanos.addAndGet(Duration.ofMinutes(40).toNanos());

    assertThat(ownership.owns(nurse, "kept")).isTrue();
    assertThat(ownership.owns(nurse, "left")).isFalse();
    assertThat(ownership.owns(other, "left")).isFalse();
  }

  private void answer(RequestDetails request, String searchId) {
    Bundle bundle = new Bundle();
    bundle.setId(searchId);
    ownership.ownSearchIds(request, new ca.uhn.fhir.rest.api.server.ResponseDetails(bundle));
  }

  /** A request of this caller, as the authentication step leaves it (Caller#attachTo). */
  private static RequestDetails request(Caller caller) {
    RequestDetails request = new ServletRequestDetails();
    request.getUserData().put(Caller.class.getName(), caller);
    return request;
  }
}
