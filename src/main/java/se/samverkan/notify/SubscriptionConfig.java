package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.hl7.fhir.dstu2.model.Subscription;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import se.samverkan.security.AccessPolicy;

/**
 * HAPI's subscription machinery: Subscription resources are validated on write, matched against
 * every change and delivered by rest-hook. Only rest-hook is offered; e-mail would carry patient
 * data outside the API's access control.
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
    return settings;
  }

  /** Registered with HAPI's own interceptor service: deliveries happen outside requests. */
  @Bean
  public SubscriptionAccessInterceptor subscriptionAccessInterceptor(
      FhirContext fhirContext, DaoRegistry daos, AccessPolicy policy, IInterceptorService interceptors) {
    SubscriptionAccessInterceptor interceptor = new SubscriptionAccessInterceptor(fhirContext, daos, policy);
    interceptors.registerInterceptor(interceptor);
    return interceptor;
  }

  /** HAPI's processor config insists on a sender; e-mail channels are never enabled here. */
  @Bean
  public IEmailSender emailSender() {
    return details -> {
      throw new UnsupportedOperationException("E-mail subscriptions are not supported");
    };
  }
}
