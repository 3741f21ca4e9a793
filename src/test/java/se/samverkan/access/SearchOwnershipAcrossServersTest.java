package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcDataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.auth.Caller;
import se.samverkan.storage.SchemaMigration;

/**
 * The owner of a paged search is known to every server on the database (issue 21): a search that
 * pages is written, one that does not stays in memory, another caller never owns it, and the
 * owners of searches HAPI has deleted go too.
 */
class SearchOwnershipAcrossServersTest {

  private static final Caller NURSE = Caller.owner("nurse", "SE2321000081-SV1000", "SE2321000081-SV0001");
  private static final Caller OTHER = Caller.owner("other", "SE2321000081-SV2000", "SE2321000081-SV0001");

  private final AtomicLong nanos = new AtomicLong();
  private JdbcTemplate database;
  private SearchOwnership thisServer;
  private SearchOwnership anotherServer;

  @BeforeEach
  void twoServersOnOneDatabase() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:owners-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    SchemaMigration.run(h2);
    database = new JdbcTemplate(h2);
    thisServer = new SearchOwnership(Duration.ofHours(1), nanos::get, database);
    anotherServer = new SearchOwnership(Duration.ofHours(1), nanos::get, database);
  }

  @Test
  void aPagedSearchBelongsToItsCallerOnEveryServerAndToNobodyElse() {
    answerWithNextPage(thisServer, NURSE, "paged");

    assertThat(anotherServer.owns(request(NURSE), "paged")).isTrue();
    assertThat(anotherServer.owns(request(OTHER), "paged")).isFalse();
    assertThat(thisServer.owns(request(OTHER), "paged")).isFalse();
  }

  /** Claims are the issuer's to write; a line break in one must not shift it into the next. */
  @Test
  void ownersWhoseClaimsReadAlikeWhenRunTogetherAreStillTwo() {
    Caller first = Caller.owner("journal\nsystem", "SE2321000081-SV1000", "SE2321000081-SV0001");
    Caller second = Caller.owner("journal", "system\nSE2321000081-SV1000", "SE2321000081-SV0001");
    answerWithNextPage(thisServer, first, "theirs");

    assertThat(SearchOwnership.Owner.of(second).key()).isNotEqualTo(SearchOwnership.Owner.of(first).key());
    assertThat(anotherServer.owns(request(second), "theirs")).isFalse();
    assertThat(anotherServer.owns(request(first), "theirs")).isTrue();
  }

  @Test
  void aSearchWithoutANextPageIsWrittenNowhere() {
    Bundle single = new Bundle();
    single.setId("single");
    thisServer.ownSearchIds(request(NURSE), new ResponseDetails(single));

    assertThat(thisServer.owns(request(NURSE), "single")).isTrue();
    assertThat(anotherServer.owns(request(NURSE), "single")).isFalse();
    assertThat(database.queryForObject("SELECT COUNT(*) FROM SV_SEARCH_OWNER", Integer.class)).isZero();
  }

  @Test
  void theOwnersOfSearchesHapiNoLongerKeepsAreDeletedWithinTenMinutes() {
    database.update("INSERT INTO HFJ_SEARCH (PID, CREATED, NUM_FOUND, SEARCH_TYPE, SEARCH_STATUS, SEARCH_UUID)"
        + " VALUES (1, CURRENT_TIMESTAMP, 40, 1, 'FINISHED', 'kept')");
    answerWithNextPage(thisServer, NURSE, "kept");
    answerWithNextPage(thisServer, NURSE, "gone");
    nanos.addAndGet(Duration.ofMinutes(11).toNanos());

    answerWithNextPage(thisServer, NURSE, "next"); // HAPI deleted it at once, as it did "gone"

    assertThat(database.queryForList("SELECT SEARCH_ID FROM SV_SEARCH_OWNER", String.class)).containsExactly("kept");
    assertThat(anotherServer.owns(request(NURSE), "kept")).isTrue();
    assertThat(anotherServer.owns(request(NURSE), "gone")).isFalse();
  }

  @Test
  void aDatabaseThatCannotBeWrittenLeavesTheSearchToThisServer() {
    database.execute("DROP TABLE SV_SEARCH_OWNER");

    answerWithNextPage(thisServer, NURSE, "local");

    assertThat(thisServer.owns(request(NURSE), "local")).isTrue();
  }

  private static void answerWithNextPage(SearchOwnership server, Caller caller, String searchId) {
    Bundle page = new Bundle();
    page.setId(searchId);
    page.addLink().setRelation(Bundle.LINK_NEXT)
        .setUrl("http://localhost/fhir?_getpages=" + searchId + "&_getpagesoffset=20&_count=20");
    server.ownSearchIds(request(caller), new ResponseDetails(page));
  }

  private static RequestDetails request(Caller caller) {
    RequestDetails request = new ServletRequestDetails();
    request.getUserData().put(Caller.class.getName(), caller);
    return request;
  }
}
