package se.samverkan.storage;

import ca.uhn.fhir.jpa.cache.ResourceChangeListenerCache;
import ca.uhn.fhir.jpa.cache.ResourceChangeListenerRegistryImpl;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * What another server on the same database stored reaches this server's in-memory registries
 * within seconds (issue 21). HAPI keeps the active Subscriptions (matched against every change)
 * and the SearchParameters in memory; a change made on this server reaches them at once, a change
 * made on another one only when HAPI next asks the database, once a minute
 * (BaseResourceCacheSynchronizer.REFRESH_INTERVAL and SearchParamRegistryImpl.REFRESH_INTERVAL in
 * HAPI 8.8, constants). Until then a change written through this server would be matched without a
 * Subscription another server has just activated.
 *
 * <p>Every {@code samverkan.storage.cache-refresh} this asks each of HAPI's resource change
 * caches whether what it follows changed: one query of ids and versions each (a few rows: the
 * active Subscriptions, the stored SearchParameters); the cache reloads only when one differs.
 */
public class CachesFollowOtherServers implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(CachesFollowOtherServers.class);

  private final ResourceChangeListenerRegistryImpl caches;
  private final Duration every;
  private ScheduledExecutorService executor;

  public CachesFollowOtherServers(ResourceChangeListenerRegistryImpl caches, Duration every) {
    this.caches = caches;
    this.every = every;
  }

  /** Asks every cache now; public for tests that show a second server's change arriving. */
  public void refresh() {
    Iterator<ResourceChangeListenerCache> each = caches.iterator();
    while (each.hasNext()) {
      ResourceChangeListenerCache cache = each.next();
      try {
        cache.forceRefresh();
      } catch (RuntimeException e) {
        // The database may be away for a moment; the next turn asks again.
        log.warn("Refreshing the {} cache failed: {}", cache.getResourceName(), e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public synchronized void start() {
    if (every.isZero() || every.isNegative()) {
      return; // HAPI's own refresh, once a minute
    }
    executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "caches-follow-other-servers");
      thread.setDaemon(true);
      return thread;
    });
    executor.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return executor != null;
  }
}
