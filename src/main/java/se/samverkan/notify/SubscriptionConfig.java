package se.samverkan.notify;

import ca.uhn.fhir.broker.api.IChannelNamer;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.data.IResourceModifiedDao;
import ca.uhn.fhir.jpa.dao.tx.HapiTransactionService;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryResourceMatcher;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.channel.impl.LinkedBlockingChannel;
import ca.uhn.fhir.jpa.subscription.channel.impl.LinkedBlockingChannelFactory;
import ca.uhn.fhir.jpa.subscription.channel.impl.RetryPolicyProvider;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.match.matcher.matching.IResourceModifiedConsumer;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionMatchingListener;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.time.Clock;
import javax.sql.DataSource;
import org.hl7.fhir.dstu2.model.Subscription;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import se.samverkan.access.AccessPolicy;
import se.samverkan.server.spi.ChangeConsumer;
import se.samverkan.server.spi.FhirServerProperties;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * Rest-hook subscriptions (docs/notifications.md). HAPI validates Subscriptions, records every
 * change in its own table inside the writing transaction, and matches it against the active
 * subscriptions. We run HAPI's matching and delivery channels synchronously, so that the hand-over
 * of a matched change (HAPI deletes its record) and our {@link NotificationOutbox} row commit in
 * one transaction; our {@link DeliveryWorker} then sends, retries and reports failures. Nothing
 * between the write and the endpoint lives only in memory, so a restart loses no notification.
 * Only rest-hook is offered; e-mail would carry patient data outside the API's access control.
 */
@Configuration
@Import({
  SubscriptionSubmitterConfig.class,
  SubscriptionProcessorConfig.class,
  SubscriptionChannelConfig.class
})
public class SubscriptionConfig {

  @Bean
  public SubscriptionSettings subscriptionSettings() {
    SubscriptionSettings settings = new SubscriptionSettings();
    settings.addSupportedSubscriptionType(Subscription.SubscriptionChannelType.RESTHOOK);
    // Subscriptions themselves go the same persisted way as every other change (activation within
    // a second or two) instead of being matched inside the request that writes them.
    settings.setSubscriptionChangeQueuedImmediately(false);
    settings.setSubscriptionIntervalInMs(1000);
    return settings;
  }

  /**
   * HAPI's in-memory channels; the subscription matching and delivery channels handle each
   * message in the sender's thread and transaction. Other channels (batch jobs such as REINDEX,
   * which must not run inside a transaction) keep their thread pools.
   */
  @Bean
  @Primary
  public LinkedBlockingChannelFactory subscriptionChannelsInTransaction(IChannelNamer namer, RetryPolicyProvider retries) {
    return new LinkedBlockingChannelFactory(namer, retries) {
      @Override
      protected LinkedBlockingChannel buildLinkedBlockingChannel(int consumers, String name) {
        if (name.startsWith(SubscriptionMatchingListener.SUBSCRIPTION_MATCHING_CHANNEL_NAME)
            || name.startsWith("subscription-delivery-")) {
          return LinkedBlockingChannel.newSynchronous(name, myRetryPolicyProvider);
        }
        return super.buildLinkedBlockingChannel(consumers, name);
      }
    };
  }

  /** HAPI's change records, except that a delete never overwrites the change before it. */
  @Bean
  @Primary
  public PendingChangeBeforeDelete pendingChangeBeforeDelete(FhirContext fhirContext, IResourceModifiedDao records,
      DaoRegistry daos, HapiTransactionService transactions, EntityManagerFactory entityManagerFactory,
      ObjectProvider<IResourceModifiedConsumer> matching) {
    return new PendingChangeBeforeDelete(fhirContext, records, daos, transactions,
        SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory), matching);
  }

  @Bean
  public NotificationOutbox notificationOutbox(DataSource dataSource) {
    return new NotificationOutbox(dataSource, Clock.systemUTC());
  }

  @Bean
  public SubscriptionEndpointRule subscriptionEndpointRule(NotifyProperties properties) {
    return new SubscriptionEndpointRule(properties.allowedEndpoints());
  }

  @Bean
  public NotificationSender notificationSender(FhirContext fhirContext, NotifyProperties properties,
      SubscriptionEndpointRule endpoints) {
    return new NotificationSender(fhirContext, properties.timeout(), endpoints);
  }

  @Bean
  public DeliveryWorker deliveryWorker(NotificationOutbox outbox, NotificationSender sender, DaoRegistry daos,
      NotifyProperties properties, FhirServerProperties server, Environment environment, LocksAcrossServers locks) {
    return new DeliveryWorker(outbox, sender, daos, properties, () -> baseUrl(server, environment), Clock.systemUTC(),
        locks);
  }

  /** Links in notifications: the public base URL, else this server on localhost. */
  private static String baseUrl(FhirServerProperties server, Environment environment) {
    if (!server.publicBaseUrl().isBlank()) {
      return server.publicBaseUrl().replaceAll("/+$", "");
    }
    String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
    return "http://localhost:" + port + "/fhir";
  }

  /**
   * StorageInterceptors, as SubscriptionAcceptance below: matching and
   * delivery happen outside requests. Order matters only in that the access check
   * (SUBSCRIPTION_BEFORE_DELIVERY) runs before the queueing (SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY),
   * which HAPI's pointcut order guarantees.
   */
  @Bean
  public SubscriptionAccessInterceptor subscriptionAccessInterceptor(FhirContext fhirContext, DaoRegistry daos,
      AccessPolicy policy, SubscriptionCriteriaRule criteria) {
    return new SubscriptionAccessInterceptor(fhirContext, daos, policy, criteria);
  }

  @Bean
  public SubscriptionCriteriaRule subscriptionCriteriaRule(InMemoryResourceMatcher matcher,
      ISearchParamRegistry searchParameters) {
    return new SubscriptionCriteriaRule(matcher, searchParameters);
  }

  @Bean
  public NotificationQueueingInterceptor notificationQueueingInterceptor(FhirContext fhirContext, NotificationOutbox outbox) {
    return new NotificationQueueingInterceptor(fhirContext, outbox);
  }

  /** A StorageInterceptor: changes no subscription can match and no consumer needs skip matching. */
  @Bean
  public UnmatchableChangesSkipped unmatchableChangesSkipped(FhirContext fhirContext, SubscriptionRegistry registry,
      ObjectProvider<ChangeConsumer> consumers) {
    return new UnmatchableChangesSkipped(fhirContext, registry, consumers.orderedStream().toList());
  }

  @Bean
  public SubscriptionAcceptance subscriptionAcceptance(SubscriptionCriteriaRule criteria,
      SubscriptionEndpointRule endpoints) {
    return new SubscriptionAcceptance(criteria, endpoints);
  }

  /** HAPI's processor config insists on a sender; e-mail channels are never enabled here. */
  @Bean
  public IEmailSender emailSender() {
    return details -> {
      throw new UnsupportedOperationException("E-mail subscriptions are not supported");
    };
  }
}
