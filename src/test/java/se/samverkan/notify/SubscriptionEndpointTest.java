package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.WebhookReceiver;

/**
 * A Subscription makes the server send requests where the subscriber says: only to endpoints the
 * operator allows (samverkan.notify.allowed-endpoints; this suite allows http://127.0.0.1 on ports
 * 10000-65535, where the webhook receivers listen), and what a failed delivery reveals about the
 * network stays in the server's log. Otherwise a token would buy a port scanner inside the
 * server's network: 127.0.0.1:5432, 169.254.169.254, internal hosts.
 */
@ExtendWith(OutputCaptureExtension.class)
class SubscriptionEndpointTest extends FhirServerTest {

  @RegisterExtension final WebhookReceiver receiver = WebhookReceiver.perTest();

  @Test
  void aSubscriptionToAnEndpointTheOperatorHasNotAllowedIsRefusedAndNotStored() {
    int open = receiver.port();
    String[] refused = {
      "http://127.0.0.1:5432/",                          // the database's port: not an allowed port
      "http://169.254.169.254/latest/meta-data/",        // cloud metadata
      "http://10.0.0.5:8080/hook",                       // an internal host
      "http://db:5432/",                                 // a name on the server's network
      "http://localhost:" + open + "/hook",              // allowed are addresses, not names that resolve to them
      "http://2130706433:" + open + "/hook",             // 127.0.0.1 written as one number
      "http://[::1]:" + open + "/hook",
      "https://127.0.0.1:" + open + "/hook",             // another scheme than the allowed one
      "ftp://127.0.0.1:" + open + "/hook",
      "http://anyone@127.0.0.1:" + open + "/hook",        // user info: what the host is depends on who parses
      "/hook", "not a url", "http:///hook"};
    for (String endpoint : refused) {
      String tag = TestPeople.uniqueId();
      HttpResponse<String> response = send("POST", "/Subscription", json(subscription(endpoint, tag)));

      assertThat(response.statusCode()).as(endpoint).isEqualTo(422);
      OperationOutcome.OperationOutcomeIssueComponent issue = outcome(response).getIssueFirstRep();
      assertThat(issue.getSeverity()).as(endpoint).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
      assertThat(issue.getExpression()).as(endpoint).extracting(Object::toString).containsExactly("Subscription.channel.endpoint");
      assertThat(issue.getDiagnostics()).as(endpoint).contains("samverkan.notify.allowed-endpoints");
      assertThat(countAll("/Subscription?criteria=" + criteria(tag))).as(endpoint + " stored").isZero();
    }
  }

  @Test
  void anAllowedSubscriptionCannotBeMovedToAnEndpointThatIsNot() {
    String tag = TestPeople.uniqueId();
    IdType id = create(subscription(receiver.url(), tag));
    assertThat(countAll("/Subscription?criteria=" + criteria(tag))).as("found by its criteria").isOne();
    Subscription moved = parse(Subscription.class, get("/Subscription/" + id.getIdPart()));
    moved.getChannel().setEndpoint("http://169.254.169.254/latest/meta-data/");

    HttpResponse<String> response = send("PUT", "/Subscription/" + id.getIdPart(), json(moved));

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(parse(Subscription.class, get("/Subscription/" + id.getIdPart())).getChannel().getEndpoint())
        .isEqualTo(receiver.url());
  }

  /**
   * The subscriber reads that deliveries fail, not why: no status code, no exception, no address
   * (those would tell what listens where). The server's log has the reason, naming the
   * subscription only.
   */
  @Test
  void aFailingDeliveryTellsTheSubscriberNothingAboutTheNetwork(CapturedOutput log) {
    receiver.answer(401);
    String tag = TestPeople.uniqueId();
    IdType answering = subscribe(receiver.url(), tag);
    IdType unreachable = subscribe("http://127.0.0.1:" + freePort() + "/hook", tag);
    create(goal(tag));

    for (IdType subscription : new IdType[] {answering, unreachable}) {
      await().atMost(Duration.ofSeconds(30)).until(() -> read(subscription).getStatus() == Subscription.SubscriptionStatus.ERROR);
      // The time of the last attempt may hold any digits; the rest may not name a status.
      String error = read(subscription).getError().replaceAll("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z", "<time>");
      assertThat(error).as(subscription.getIdPart()).contains("delivery attempts in a row failed, the last at <time>")
          .doesNotContain("401").doesNotContain("HTTP").doesNotContain("Exception").doesNotContain("127.0.0.1")
          .doesNotContain("reached").doesNotContain("refused");
    }
    assertThat(log.getAll())
        .contains("Subscription/" + answering.getIdPart()).contains("HTTP 401")
        .contains("Subscription/" + unreachable.getIdPart()).contains("ConnectException");
  }

  private IdType subscribe(String endpoint, String tag) {
    IdType id = create(subscription(endpoint, tag));
    await().atMost(Duration.ofSeconds(30)).until(() -> read(id).getStatus() == Subscription.SubscriptionStatus.ACTIVE);
    return id;
  }

  /** A Subscription to Goals tagged {@code tag}. */
  private Subscription subscription(String endpoint, String tag) {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("Journalsystemets webhook").setCriteria("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag);
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
        .setPayload("application/fhir+json");
    return subscription;
  }

  private static String criteria(String tag) {
    return URLEncoder.encode("Goal?_tag=" + TestPeople.TEST_ID + "|" + tag, StandardCharsets.UTF_8);
  }

  private Subscription read(IdType id) {
    return parse(Subscription.class, get("/Subscription/" + id.getIdPart()));
  }

  private Goal goal(String tag) {
    IdType patient = create(TestPeople.patient());
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Klara trappan själv");
    goal.setSubject(new Reference(patient));
    goal.getMeta().addTag(TestPeople.TEST_ID, tag, null);
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
