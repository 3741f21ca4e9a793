package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Takes over rest-hook delivery from HAPI at the last moment before HAPI would send: the matched,
 * access-checked change goes into the {@link NotificationOutbox} (in the transaction that hands it
 * over) and HAPI's own in-memory delivery is skipped. The {@link DeliveryWorker} sends it.
 */
@Interceptor
public class NotificationQueueingInterceptor implements StorageInterceptor {

  private final FhirContext fhirContext;
  private final NotificationOutbox outbox;

  public NotificationQueueingInterceptor(FhirContext fhirContext, NotificationOutbox outbox) {
    this.fhirContext = fhirContext;
    this.outbox = outbox;
  }

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY)
  public boolean queue(CanonicalSubscription subscription, ResourceDeliveryMessage delivery) {
    IIdType changed = delivery.getPayloadId(fhirContext);
    if (changed == null || !changed.hasResourceType() || !changed.hasIdPart()) {
      return false;
    }
    // HAPI hands over the id without a version; the receiver reads the current one anyway.
    String focus = changed.getResourceType() + "/" + changed.getIdPart();
    outbox.add(subscription.getIdPart(), focus, delivery.getOperationType().name().toLowerCase(Locale.ROOT));
    return false;
  }
}
