package se.samverkan.server.spi;

import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;

/**
 * A feature that reads stored changes from HAPI's subscription pipeline (a hook on
 * SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED or later) says which changes it needs. HAPI queues
 * every change for matching and, when it is handed over, reads the resource again
 * (SubscriptionMatchingListener#matchActiveSubscriptionsAndDeliver, HAPI 8.8); notify leaves a
 * change out of the queue when no subscription can match it and no consumer needs it
 * (notify/UnmatchableChangesSkipped). So a consumer that answers false here never sees that change.
 */
public interface ChangeConsumer {

  /**
   * Whether this change, as it is being stored, may be of use to this consumer. Called in the
   * writing transaction for every change, so it must be cheap; when in doubt, true.
   */
  boolean needs(ResourceModifiedMessage change);
}
