package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static se.samverkan.support.StandaloneServer.client;
import static se.samverkan.support.StandaloneServer.start;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import se.samverkan.support.TestPeople;
import se.samverkan.support.WebhookReceiver;

/**
 * Deliveries survive a restart: what could not be delivered before the server stopped — because
 * the receiver was down, or because the server stopped right after the write — reaches the
 * receiver once the server is up again.
 */
class NotificationRestartTest {

  private static final String[] QUICK_RETRIES = {
    "--samverkan.notify.poll-interval=200ms", "--samverkan.notify.first-retry=300ms", "--samverkan.notify.max-retry=1s"
  };

  @TempDir Path dataDir;

  @Test
  void notificationsPendingWhenTheServerStopsAreDeliveredAfterItStarts() {
    Path dbFile = dataDir.resolve("db");
    int receiverPort = freePort(); // nobody listens there yet: every attempt is refused
    IdType failedBeforeStop;
    IdType writtenJustBeforeStop;
    String subscriptionId;

    try (ConfigurableApplicationContext first = start(dbFile, QUICK_RETRIES)) {
      IGenericClient client = client(first);
      Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
          .setReason("Journalsystem").setCriteria("Goal?");
      subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
          .setEndpoint("http://127.0.0.1:" + receiverPort + "/hook").setPayload("application/fhir+json");
      subscriptionId = client.create().resource(subscription).execute().getId().getIdPart();
      await().atMost(Duration.ofSeconds(30)).until(() -> client.read().resource(Subscription.class)
          .withId(subscriptionId).execute().getStatus() == Subscription.SubscriptionStatus.ACTIVE);

      IdType patient = (IdType) client.create().resource(TestPeople.patient()).execute().getId();
      failedBeforeStop = (IdType) client.create().resource(goal(patient)).execute().getId();
      NotificationOutbox outbox = first.getBean(NotificationOutbox.class);
      await().atMost(Duration.ofSeconds(30)).until(() -> outbox.pending(subscriptionId) == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.dueSubscriptions(100).isEmpty()); // attempted, waiting to retry

      writtenJustBeforeStop = (IdType) client.create().resource(goal(patient)).execute().getId();
    }

    try (WebhookReceiver receiver = WebhookReceiver.start(receiverPort);
        ConfigurableApplicationContext second = start(dbFile, QUICK_RETRIES)) {
      await().atMost(Duration.ofSeconds(60)).until(() ->
          receiver.delivered().stream().anyMatch(b -> b.contains("Goal/" + failedBeforeStop.getIdPart() + "\""))
              && receiver.delivered().stream().anyMatch(b -> b.contains("Goal/" + writtenJustBeforeStop.getIdPart() + "\"")));
      assertThat(receiver.delivered()).as("each notification once").hasSize(2);
      assertThat(second.getBean(NotificationOutbox.class).pending(subscriptionId)).isZero();
    }
  }

  private static Goal goal(IdType patient) {
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Bo kvar hemma");
    goal.setSubject(new Reference(patient.toUnqualifiedVersionless()));
    return goal;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
