package se.samverkan.access;

import se.samverkan.auth.Caller;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * A search id belongs to the caller it was first given to: the same token subject, unit and care
 * provider, with or without emergency access as then. The ids of stored result lists reach a
 * caller only in answers (a Bundle's id, its paging links, also inside a batch answer); as such an
 * answer leaves, each id in it not yet owned becomes the caller's. A page asked for by anyone
 * else ({@code _getpages}) gets the answer for a search id that does not exist.
 *
 * <p>Owners are kept in memory for as long as HAPI keeps result lists after their last use, and
 * at most {@link #MAX_OWNERS} of them, the least recently used going first: after a restart, on
 * another server node, or once forgotten, a search id is unknown to everyone (its caller searches
 * again). Until issue 20 the map was purged by a scan of every entry at each registration once it
 * held 10,000, and nothing had expired within the hour HAPI keeps results: 11 % of the request
 * threads' CPU in the benchmark's small queries, and growing with use.
 */
@Interceptor
public class SearchOwnership implements ServerInterceptor {

  private static final Pattern GETPAGES = Pattern.compile("[?&]_getpages=([^&#]+)");
  /** ~200 bytes an owner: at most ~20 MB. An hour of 30 searches a second fits. */
  static final int MAX_OWNERS = 100_000;

  /** Who a search id belongs to. */
  record Owner(String subject, String unit, String careProvider, boolean emergency) {
    static Owner of(Caller caller) {
      return new Owner(caller.subject(), caller.unit(), caller.careProvider(), caller.isEmergency());
    }
  }

  private final Cache<String, Owner> owners;

  public SearchOwnership(Duration keep) {
    this(keep, Ticker.systemTicker());
  }

  SearchOwnership(Duration keep, Ticker ticker) {
    this.owners = Caffeine.newBuilder().expireAfterAccess(keep).maximumSize(MAX_OWNERS).ticker(ticker).build();
  }

  /** The paging provider, answering only a search id's owner. */
  public IPagingProvider guard(IPagingProvider pages) {
    return new IPagingProvider() {
      @Override
      public int getDefaultPageSize() {
        return pages.getDefaultPageSize();
      }

      @Override
      public int getMaximumPageSize() {
        return pages.getMaximumPageSize();
      }

      @Override
      public boolean canStoreSearchResults() {
        return pages.canStoreSearchResults();
      }

      @Override
      public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
        return owns(request, searchId) ? pages.retrieveResultList(request, searchId) : null;
      }

      @Override
      public IBundleProvider retrieveResultList(RequestDetails request, String searchId, String pageId) {
        return owns(request, searchId) ? pages.retrieveResultList(request, searchId, pageId) : null;
      }

      @Override
      public String storeResultList(RequestDetails request, IBundleProvider list) {
        String id = pages.storeResultList(request, list);
        register(request, id);
        return id;
      }
    };
  }

  /** Every search id in an answer belongs to its caller, unless it already belongs to someone. */
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void ownSearchIds(RequestDetails request, ResponseDetails response) {
    if (response.getResponseResource() instanceof Bundle bundle) {
      register(request, bundle);
    }
  }

  private void register(RequestDetails request, Bundle bundle) {
    if (bundle.getIdElement().hasIdPart()) {
      register(request, bundle.getIdElement().getIdPart());
    }
    for (Bundle.BundleLinkComponent link : bundle.getLink()) {
      if (link.getUrl() != null) {
        Matcher id = GETPAGES.matcher(link.getUrl());
        if (id.find()) {
          register(request, id.group(1));
        }
      }
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.getResource() instanceof Bundle nested) {
        register(request, nested);
      }
    }
  }

  private void register(RequestDetails request, String searchId) {
    Caller caller = Caller.of(request);
    if (searchId == null || caller == null || caller.isSystem()) {
      return;
    }
    owners.asMap().putIfAbsent(searchId, Owner.of(caller));
  }

  boolean owns(RequestDetails request, String searchId) {
    Caller caller = Caller.of(request);
    if (searchId == null || caller == null || caller.isSystem()) {
      return false;
    }
    return Owner.of(caller).equals(owners.getIfPresent(searchId));
  }

  /** How many search ids are remembered (after pending evictions). */
  long remembered() {
    owners.cleanUp();
    return owners.estimatedSize();
  }
}
