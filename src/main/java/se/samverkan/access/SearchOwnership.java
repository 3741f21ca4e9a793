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
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.support.DataAccessUtils;
import org.springframework.jdbc.core.JdbcTemplate;
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
 * at most {@link #MAX_OWNERS} of them, the least recently used going first. The owner of a search
 * id in a paging link is also written to the database ({@code SV_SEARCH_OWNER}), so that the next
 * page may be asked of any server on it (issue 21); a row goes when HAPI has deleted its search.
 * Once forgotten, a search id is unknown to everyone (its caller searches again). Until issue 20 the map was purged by a scan of every entry at each registration once it
 * held 10,000, and nothing had expired within the hour HAPI keeps results: 11 % of the request
 * threads' CPU in the benchmark's small queries, and growing with use.
 */
@Interceptor
public class SearchOwnership implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SearchOwnership.class);
  private static final Pattern GETPAGES = Pattern.compile("[?&]_getpages=([^&#]+)");
  /** ~200 bytes an owner: at most ~20 MB. An hour of 30 searches a second fits. */
  static final int MAX_OWNERS = 100_000;

  /** How often a server deletes the owners of searches HAPI no longer keeps. */
  private static final Duration PURGE_EVERY = Duration.ofMinutes(10);

  /** Who a search id belongs to. */
  record Owner(String subject, String unit, String careProvider, boolean emergency) {
    static Owner of(Caller caller) {
      return new Owner(caller.subject(), caller.unit(), caller.careProvider(), caller.isEmergency());
    }

    /**
     * As written to the database: the same for every server, and one owner's only. Each part
     * carries its length, so that no subject or unit, whatever characters its token gives it, can
     * make the key of another owner.
     */
    String key() {
      StringBuilder key = new StringBuilder();
      for (String part : new String[] {subject, unit, careProvider, String.valueOf(emergency)}) {
        String value = String.valueOf(part);
        key.append(value.length()).append(':').append(value);
      }
      return key.toString();
    }
  }

  private final Cache<String, Owner> owners;
  /** The owners in the database, for the other servers; null: this server's memory only (tests). */
  private final JdbcTemplate shared;
  private final Ticker ticker;
  private final AtomicLong nextPurge;

  public SearchOwnership(Duration keep, DataSource database) {
    this(keep, Ticker.systemTicker(), new JdbcTemplate(database));
  }

  SearchOwnership(Duration keep, Ticker ticker, JdbcTemplate shared) {
    this.owners = Caffeine.newBuilder().expireAfterAccess(keep).maximumSize(MAX_OWNERS).ticker(ticker).build();
    this.shared = shared;
    this.ticker = ticker;
    this.nextPurge = new AtomicLong(ticker.read() + PURGE_EVERY.toNanos());
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
        // Asked by HAPI when a search may have more than a page (ResponseBundleBuilder, 8.8).
        String id = pages.storeResultList(request, list);
        if (register(request, id)) {
          share(id, Owner.of(Caller.of(request)));
        }
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
    // The links first: a search id first seen in a link (HAPI stored the list without this guard,
    // or a nested Bundle's) is written for the other servers too; the Bundle's own id is the same
    // id, or one no link pages with, and stays in memory.
    for (Bundle.BundleLinkComponent link : bundle.getLink()) {
      if (link.getUrl() != null) {
        Matcher id = GETPAGES.matcher(link.getUrl());
        if (id.find() && register(request, id.group(1))) {
          share(id.group(1), Owner.of(Caller.of(request)));
        }
      }
    }
    if (bundle.getIdElement().hasIdPart()) {
      register(request, bundle.getIdElement().getIdPart());
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.getResource() instanceof Bundle nested) {
        register(request, nested);
      }
    }
  }

  /** Whether the search id became the caller's now (it belonged to nobody this server knew). */
  private boolean register(RequestDetails request, String searchId) {
    Caller caller = Caller.of(request);
    if (searchId == null || caller == null || caller.isSystem()) {
      return false;
    }
    return owners.asMap().putIfAbsent(searchId, Owner.of(caller)) == null;
  }

  boolean owns(RequestDetails request, String searchId) {
    Caller caller = Caller.of(request);
    if (searchId == null || caller == null || caller.isSystem()) {
      return false;
    }
    Owner asking = Owner.of(caller);
    Owner owner = owners.getIfPresent(searchId);
    if (owner == null && shared != null) {
      // A search another server answered: its owner as that server wrote it.
      String key = DataAccessUtils.singleResult(
          shared.queryForList("SELECT OWNER FROM SV_SEARCH_OWNER WHERE SEARCH_ID = ?", String.class, searchId));
      if (!asking.key().equals(key)) {
        return false;
      }
      owners.asMap().putIfAbsent(searchId, asking);
      return true;
    }
    return asking.equals(owner);
  }

  /** The first owner the database knows stays the owner, whichever server wrote it. */
  private void share(String searchId, Owner owner) {
    if (shared == null) {
      return;
    }
    try {
      shared.update("INSERT INTO SV_SEARCH_OWNER (SEARCH_ID, OWNER, CREATED_MILLIS) VALUES (?, ?, ?)",
          searchId, owner.key(), System.currentTimeMillis());
    } catch (DuplicateKeyException anotherServerWasFirst) {
      owners.invalidate(searchId); // asked again, the database answers
    } catch (DataAccessException e) {
      // The search is answered all the same; its next pages only by this server.
      log.warn("The owner of a paged search could not be written for the other servers: {}", e.getClass().getSimpleName());
      return;
    }
    long next = nextPurge.get();
    if (ticker.read() - next >= 0 && nextPurge.compareAndSet(next, ticker.read() + PURGE_EVERY.toNanos())) {
      // HAPI deletes a search some time after its last use (StaleSearchDeletingSvc); its owner goes after it.
      try {
        shared.update("DELETE FROM SV_SEARCH_OWNER WHERE NOT EXISTS"
            + " (SELECT 1 FROM HFJ_SEARCH WHERE HFJ_SEARCH.SEARCH_UUID = SV_SEARCH_OWNER.SEARCH_ID)");
      } catch (DataAccessException e) {
        log.warn("Owners of expired searches could not be deleted now: {}", e.getClass().getSimpleName());
      }
    }
  }

  /** How many search ids are remembered (after pending evictions). */
  long remembered() {
    owners.cleanUp();
    return owners.estimatedSize();
  }
}
