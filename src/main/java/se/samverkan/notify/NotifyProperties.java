package se.samverkan.notify;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Keys under {@code samverkan.notify}: how rest-hook notifications are delivered
 * (docs/notifications.md). Each default is the {@link DefaultValue} below and nowhere else.
 *
 * @param pollInterval how often the delivery worker looks for notifications that are due
 * @param firstRetry the wait after the first failed attempt; each further failure doubles it
 * @param maxRetry the longest wait between two attempts; a failing endpoint is retried at this
 *     pace for as long as its subscription exists
 * @param failingAfter consecutive failed attempts after which the Subscription is set to status
 *     {@code error}, with the reason in {@code Subscription.error}
 * @param timeout connect and response timeout of one delivery attempt
 * @param allowedEndpoints where a Subscription's {@code channel.endpoint} may point, as
 *     {@code scheme://host[:port]} ({@link SubscriptionEndpointRule} says what each part may be);
 *     empty, the default: nowhere, so no Subscription is accepted until the operator names the
 *     journal systems' endpoints
 */
@ConfigurationProperties("samverkan.notify")
public record NotifyProperties(
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("5s") Duration firstRetry,
    @DefaultValue("10m") Duration maxRetry,
    @DefaultValue("5") Integer failingAfter,
    @DefaultValue("10s") Duration timeout,
    List<String> allowedEndpoints) {

  public NotifyProperties {
    allowedEndpoints = allowedEndpoints == null ? List.of() : List.copyOf(allowedEndpoints);
  }

  /** The wait after the given number of consecutive failures: first-retry doubling up to max-retry. */
  public Duration backoff(int failures) {
    Duration wait = firstRetry;
    for (int i = 1; i < failures && wait.compareTo(maxRetry) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(maxRetry) > 0 ? maxRetry : wait;
  }
}
