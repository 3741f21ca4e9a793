package se.samverkan.notify;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Delivers what the {@link NotificationOutbox} holds, oldest first, one subscription's
 * notifications in order. A failed attempt is retried after a wait that doubles each time
 * ({@code samverkan.notify.first-retry} up to {@code max-retry}); after
 * {@code failing-after} failures in a row the Subscription gets status {@code error}, and
 * {@code Subscription.error} says so — the reason (status code, exception, address) goes to the log
 * only. Retries go on at the longest wait; the first success sets the
 * Subscription {@code active} again. Logs name subscriptions and counts only, never content.
 */
public class DeliveryWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
  private static final int BATCH = 200;

  private final NotificationOutbox outbox;
  private final NotificationSender sender;
  private final DaoRegistry daos;
  private final NotifyProperties properties;
  private final Supplier<String> baseUrl;
  private final Clock clock;
  private ScheduledExecutorService executor;

  public DeliveryWorker(NotificationOutbox outbox, NotificationSender sender, DaoRegistry daos,
      NotifyProperties properties, Supplier<String> baseUrl, Clock clock) {
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

  /** One pass over the notifications that are due. */
  void deliverDue() {
    List<NotificationOutbox.Pending> due = outbox.due(BATCH);
    Map<String, Optional<Subscription>> subscriptions = new HashMap<>();
    Set<String> heldBack = new HashSet<>();
    for (NotificationOutbox.Pending notification : due) {
      String subscriptionId = notification.subscriptionId();
      if (heldBack.contains(subscriptionId)) {
        continue;
      }
      Optional<Subscription> subscription = subscriptions.computeIfAbsent(subscriptionId, this::read);
      if (subscription.isEmpty() || subscription.get().getStatus() == Subscription.SubscriptionStatus.OFF) {
        int discarded = outbox.discard(subscriptionId);
        log.info("Subscription/{} is deleted or off: {} undelivered notification(s) dropped", subscriptionId, discarded);
        heldBack.add(subscriptionId);
        continue;
      }
      NotificationSender.Result result = sender.send(subscription.get(), notification, baseUrl.get());
      if (result.delivered()) {
        outbox.delivered(notification.id());
        if (subscription.get().getStatus() == Subscription.SubscriptionStatus.ERROR) {
          subscriptions.put(subscriptionId, Optional.of(recovered(subscriptionId)));
        }
      } else {
        int failures = notification.attempts() + 1;
        outbox.failed(notification, result.error(), properties.backoff(failures));
        heldBack.add(subscriptionId);
        log.info("Notification for Subscription/{} failed (attempt {}): {}", subscriptionId, failures, result.error());
        if (failures >= properties.failingAfter()
            && subscription.get().getStatus() == Subscription.SubscriptionStatus.ACTIVE) {
          failing(subscriptionId, failures, result.error());
        }
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
