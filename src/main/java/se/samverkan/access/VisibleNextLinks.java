package se.samverkan.access;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * A search's {@code next} link only when something the caller may see follows.
 *
 * <p>HAPI stores a search's result list with what the caller may not see already left out (the
 * consent check runs before the list is stored), so its pages are full. But the count it pages
 * by is wrong when results were withheld: at the end of a search HAPI sets the total to all
 * matches less those withheld in the <em>last</em> batch of 250 (SearchTask.saveUnsynced), so
 * with more withheld than that the count includes hidden matches, and the next links run on past
 * the last visible result into empty pages, as many as the hidden matches fill. Here, before a
 * searchset leaves, its next link is kept only if the stored list holds a result at the next
 * page's offset: the same lookup the next page makes (it continues the search if it must), for
 * one result.
 */
@Interceptor
public class VisibleNextLinks implements ServerInterceptor {

  private static final Pattern SEARCH_ID = Pattern.compile("[?&]_getpages=([^&#]+)");
  private static final Pattern OFFSET = Pattern.compile("[?&]_getpagesoffset=(\\d+)");

  private final ISearchCoordinatorSvc<?> searches;

  VisibleNextLinks(ISearchCoordinatorSvc<?> searches) {
    this.searches = searches;
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void keepNextOnlyWhenMoreFollows(RequestDetails request, ResponseDetails response) {
    if (!(response.getResponseResource() instanceof Bundle bundle) || bundle.getType() != Bundle.BundleType.SEARCHSET) {
      return;
    }
    Bundle.BundleLinkComponent next = bundle.getLink(Bundle.LINK_NEXT);
    if (next == null || next.getUrl() == null) {
      return;
    }
    Matcher id = SEARCH_ID.matcher(next.getUrl());
    Matcher offset = OFFSET.matcher(next.getUrl());
    if (!id.find() || !offset.find()) {
      return;
    }
    int from = Integer.parseInt(offset.group(1));
    boolean more;
    try {
      more = !searches.getResources(id.group(1), from, from + 1, request, RequestPartitionId.allPartitions()).isEmpty();
    } catch (BaseServerResponseException unknownOrFailed) {
      return; // the next page will say so itself
    }
    if (!more) {
      bundle.getLink().remove(next);
    }
  }
}
