package se.samverkan.notify;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * Delivers what the {@link NotificationOutbox} holds, oldest first, one subscription's
 * notifications in order. A failed attempt is retried after a wait that doubles each time
 * ({@code samverkan.notify.first-retry} up to {@code max-retry}); after
 * {@code failing-after} failures in a row the Subscription gets status {@code error}, and
 * {@code Subscription.error} says so — the reason (status code, exception, address) goes to the log
 * only. Retries go on at the longest wait; the first success sets the
 * Subscription {@code active} again. Logs name subscriptions and counts only, never content.
 * With several replicas on one database, each subscription is delivered by one of them at a time
 * ({@link #deliverDue()}), so its notifications stay in order.
 */
public class DeliveryWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
  private static final int BATCH = 200;
  /** The lock name of one subscription's delivery. */
  static final String LOCK_PREFIX = "notification-delivery:Subscription/";

  private final NotificationOutbox outbox;
  private final NotificationSender sender;
  private final DaoRegistry daos;
  private final NotifyProperties properties;
  private final Supplier<String> baseUrl;
  private final Clock clock;
  private final LocksAcrossServers locks;
  private ScheduledExecutorService executor;

  public DeliveryWorker(NotificationOutbox outbox, NotificationSender sender, DaoRegistry daos,
      NotifyProperties properties, Supplier<String> baseUrl, Clock clock, LocksAcrossServers locks) {
    this.locks = locks;
    this.outbox = outbox;
    this.sender = sender;
    this.daos = daos;
    this.properties = properties;
    this.baseUrl = baseUrl;
    this.clock = clock;
  }

  @Override
  public synchronized void start() {
    executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "notification-delivery");
      thread.setDaemon(true);
      return thread;
    });
    long every = properties.pollInterval().toMillis();
    executor.scheduleWithFixedDelay(this::deliverDueSafely, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (executor != null) {
      executor.shutdown();
      try {
        executor.awaitTermination(properties.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      executor = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return executor != null;
  }

  private void deliverDueSafely() {
    try {
      deliverDue();
    } catch (RuntimeException e) {
      // The database may be away for a moment; the next pass tries again.
      log.warn("Notification delivery pass failed: {}", e.getClass().getSimpleName());
    }
  }

  /**
   * One pass over the subscriptions with notifications due. Each replica runs a worker; a
   * subscription is delivered by one worker at a time, which holds its name among the
   * {@link LocksAcrossServers} and reads its queue only once it holds it. A row claim alone (SELECT
   * … FOR UPDATE SKIP LOCKED) would let a second replica take the next notification of a
   * subscription while the first is still sending the one before, out of order.
   */
  void deliverDue() {
    for (String subscriptionId : outbox.dueSubscriptions(BATCH)) {
      locks.ifFree(LOCK_PREFIX + subscriptionId, () -> deliverDue(subscriptionId));
    }
  }

  /** One subscription's due notifications, in order, until one fails. */
  private void deliverDue(String subscriptionId) {
    Optional<Subscription> subscription = read(subscriptionId);
    if (subscription.isEmpty() || subscription.get().getStatus() == Subscription.SubscriptionStatus.OFF) {
      int discarded = outbox.discard(subscriptionId);
      log.info("Subscription/{} is deleted or off: {} undelivered notification(s) dropped", subscriptionId, discarded);
      return;
    }
    for (NotificationOutbox.Pending notification : outbox.due(subscriptionId, BATCH)) {
      NotificationSender.Result result = sender.send(subscription.get(), notification, baseUrl.get());
      if (result.delivered()) {
        outbox.delivered(notification.id());
        if (subscription.get().getStatus() == Subscription.SubscriptionStatus.ERROR) {
          subscription = Optional.of(recovered(subscriptionId));
        }
      } else {
        int failures = notification.attempts() + 1;
        outbox.failed(notification, result.error(), properties.backoff(failures));
        log.info("Notification for Subscription/{} failed (attempt {}): {}", subscriptionId, failures, result.error());
        if (failures >= properties.failingAfter()
            && subscription.get().getStatus() == Subscription.SubscriptionStatus.ACTIVE) {
          failing(subscriptionId, failures, result.error());
        }
        return;
      }
    }
  }

  private Optional<Subscription> read(String id) {
    try {
      return Optional.of(dao().read(new IdType("Subscription", id), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }

  private void failing(String id, int failures, String error) {
    Subscription subscription = dao().read(new IdType("Subscription", id), new SystemRequestDetails());
    subscription.setStatus(Subscription.SubscriptionStatus.ERROR);
    // That it fails, not why: a status code, an exception or an address would tell the subscriber
    // what listens where in the server's network. The reason is in the log (deliverDue).
    subscription.setError(failures + " delivery attempts in a row failed, the last at " + Instant.now(clock)
        + ". Undelivered notifications are kept and retried every " + properties.maxRetry().toSeconds()
        + " s; the first success makes the subscription active again. The server's operator can see why in "
        + "its log.");
    dao().update(subscription, new SystemRequestDetails());
    log.warn("Subscription/{} set to error after {} failed deliveries: {}", id, failures, error);
  }

  private Subscription recovered(String id) {
    Subscription subscription = dao().read(new IdType("Subscription", id), new SystemRequestDetails());
    subscription.setStatus(Subscription.SubscriptionStatus.ACTIVE);
    subscription.setError(null);
    dao().update(subscription, new SystemRequestDetails());
    log.info("Subscription/{} delivers again: status active", id);
    return subscription;
  }

  private IFhirResourceDao<Subscription> dao() {
    return daos.getResourceDao(Subscription.class);
  }
}
