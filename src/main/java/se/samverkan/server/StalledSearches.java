package se.samverkan.server;

import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.entity.Search;
import ca.uhn.fhir.jpa.model.search.SearchRuntimeDetails;
import ca.uhn.fhir.jpa.search.cache.ISearchCacheSvc;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Duration;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * A search HAPI can never finish is refused with 400 at once, not polled for a minute and answered
 * with 500. HAPI loads a search's matches in passes of growing size (13, 503, 2,003, …: the
 * prefetch thresholds), each pass sized by the matches found so far (SearchTask
 * #calculateMaxResultsToFetch, 8.8). Matches the caller may not see are counted as found but not
 * kept, so the next pass does not know them and finds them again (SearchTask#saveUnsynced); when a
 * pass finds nothing else — the first rows of a {@code _has} over observations are one patient
 * many times, and that patient is withheld — the next pass is the same pass, and
 * SearchCoordinatorSvcImpl#getResources runs it every half second until its 60 s wait ends with
 * 500 (HAPI-1163). A kommun's {@code Patient?_has:Observation:subject:code=…} did exactly that.
 *
 * <p>So: after each pass, the search's count of matches is compared with the count after its
 * previous pass; unchanged while the search is still incomplete means the next pass would repeat
 * it, and the search is failed with 400 (HAPI answers a failed search with the status thrown,
 * SearchTask#markSearchAsFailedWithExceptionDetails).
 */
@Interceptor
public class StalledSearches implements ServerInterceptor {

  static final String STALLED = Messages.english(Message.SEARCH_STALLED);

  private final ISearchCacheSvc searches;
  /** Matches found after each search's last pass, by search id; dropped when the search ends. */
  private final Cache<String, Integer> foundAfterLastPass =
      CacheBuilder.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).build();

  public StalledSearches(ISearchCacheSvc searches) {
    this.searches = searches;
  }

  @Hook(Pointcut.JPA_PERFTRACE_SEARCH_PASS_COMPLETE)
  public void refuseARepeatedPass(SearchRuntimeDetails pass) {
    String id = pass.getSearchUuid();
    Integer found = id == null ? null
        : searches.fetchByUuid(id, RequestPartitionId.allPartitions()).map(Search::getNumFound).orElse(null);
    if (found == null) {
      return;
    }
    Integer before = foundAfterLastPass.asMap().put(id, found);
    if (found.equals(before)) {
      foundAfterLastPass.invalidate(id);
      throw new InvalidRequestException(STALLED);
    }
  }

  @Hook(Pointcut.JPA_PERFTRACE_SEARCH_COMPLETE)
  public void complete(SearchRuntimeDetails search) {
    forget(search);
  }

  @Hook(Pointcut.JPA_PERFTRACE_SEARCH_FAILED)
  public void failed(SearchRuntimeDetails search) {
    forget(search);
  }

  private void forget(SearchRuntimeDetails search) {
    if (search.getSearchUuid() != null) {
      foundAfterLastPass.invalidate(search.getSearchUuid());
    }
  }
}
