package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import se.samverkan.support.WebhookReceiver;

/**
 * The operator's allow-list for Subscription endpoints, and the check at each delivery: the list
 * as it is now, and the addresses a host name has now (SubscriptionEndpointTest has the 422 on
 * write). DNS is played by a table here, so that a name can be made to point anywhere.
 */
class SubscriptionEndpointRuleTest {

  private static final List<String> ALLOWED = List.of(
      "https://journal.kommun.example", "https://*.region.example:8443-8445", "http://10.1.2.3:*",
      "https://[fd00::5]", "http://127.0.0.1:9000");

  /** The DNS of this test: names that point at public, private, loopback and metadata addresses. */
  private static final Map<String, String> DNS = Map.of(
      "journal.kommun.example", "10.20.30.40",
      "hook.region.example", "198.51.100.7",
      "rebound.region.example", "127.0.0.1",
      "internal.region.example", "192.168.1.10",
      "metadata.region.example", "169.254.169.254",
      "mapped.region.example", "::ffff:169.254.169.254",
      "nat64.region.example", "64:ff9b::7f00:1",
      "ula.region.example", "fd12:3456::1");

  private final SubscriptionEndpointRule rule = new SubscriptionEndpointRule(ALLOWED, SubscriptionEndpointRuleTest::resolve);

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "https://journal.kommun.example/samverkan/hook?key=s3cret, allowed",
    "HTTPS://Journal.Kommun.Example:443/hook,                  allowed",
    "https://hook.region.example:8444/x,                       allowed",
    "http://10.1.2.3:5432/,                                    allowed",
    "https://[fd00:0:0:0:0:0:0:5]/hook,                        allowed",
    "http://127.0.0.1:9000/hook,                               allowed",
    "http://journal.kommun.example/hook,                       refused",
    "https://journal.kommun.example:8443/hook,                 refused",
    "https://region.example:8443/hook,                         refused",
    "https://hook.region.example/hook,                         refused",
    "https://evil.example/hook,                                refused",
    "https://journal.kommun.example.evil.example/hook,          refused",
    "http://10.1.2.4/,                                         refused",
    "http://127.0.0.1:9001/hook,                               refused",
    "http://localhost:9000/hook,                               refused",
    "https://user@journal.kommun.example/hook,                 refused",
    "ftp://journal.kommun.example/hook,                        refused",
    "journal.kommun.example/hook,                              refused",
    "https:///hook,                                            refused"})
  void theAllowListDecidesByScheme_Host_AndPort(String endpoint, String expected) {
    assertThat(rule.whyNotAllowed(endpoint)).as(endpoint).matches(reason -> reason.isEmpty() == expected.equals("allowed"));
  }

  @Test
  void aRefusalNamesTheOriginButNeverThePathOrQuery() {
    assertThat(rule.whyNotAllowed("https://evil.example/hook?token=s3cret")).hasValueSatisfying(reason ->
        assertThat(reason).contains("https://evil.example:443").doesNotContain("s3cret").doesNotContain("/hook"));
  }

  /** A name is allowed by its entry; where it points is checked at each delivery (DNS rebinding). */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "https://journal.kommun.example/hook,     deliverable",     // a private address, but the name is listed exactly
    "https://hook.region.example:8443/hook,   deliverable",     // public
    "https://rebound.region.example:8443/,    loopback",
    "https://internal.region.example:8443/,   private",         // a wildcard does not reach private addresses
    "https://ula.region.example:8443/,        private",
    "https://metadata.region.example:8443/,   link-local",
    "https://mapped.region.example:8443/,     link-local",
    "https://nat64.region.example:8443/,      loopback",
    "https://gone.region.example:8443/,       does not resolve",
    "http://127.0.0.1:9000/hook,              deliverable",     // an address named in the list
    "http://10.1.2.3:80/,                     deliverable"})
  void atDeliveryTheHostsAddressesAreCheckedAgain(String endpoint, String expected) {
    if (expected.equals("deliverable")) {
      assertThat(rule.whyNotDeliverable(endpoint)).as(endpoint).isEmpty();
    } else {
      assertThat(rule.whyNotDeliverable(endpoint)).as(endpoint).hasValueSatisfying(r -> assertThat(r).contains(expected));
    }
  }

  @Test
  void aWildcardForAnyHostStillReachesNoInternalAddress() {
    SubscriptionEndpointRule any = new SubscriptionEndpointRule(List.of("https://*:*", "http://*"), SubscriptionEndpointRuleTest::resolve);
    assertThat(any.whyNotAllowed("https://198.51.100.7/hook")).isEmpty();
    assertThat(any.whyNotAllowed("http://169.254.169.254/latest/meta-data/")).hasValueSatisfying(r -> assertThat(r).contains("link-local"));
    assertThat(any.whyNotAllowed("https://127.0.0.1:5432/")).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    assertThat(any.whyNotAllowed("https://[::1]:5432/")).hasValueSatisfying(r -> assertThat(r).contains("loopback"));
    assertThat(any.whyNotAllowed("https://0.0.0.0:5432/")).hasValueSatisfying(r -> assertThat(r).contains("unspecified"));
    assertThat(any.whyNotAllowed("https://10.0.0.5/")).hasValueSatisfying(r -> assertThat(r).contains("private"));
    assertThat(any.whyNotDeliverable("https://internal.region.example/")).hasValueSatisfying(r -> assertThat(r).contains("private"));
    assertThat(any.whyNotDeliverable("https://hook.region.example/")).isEmpty();
  }

  @Test
  void nothingIsAllowedByDefault() {
    SubscriptionEndpointRule none = new SubscriptionEndpointRule(List.of());
    assertThat(none.whyNotAllowed("https://journal.kommun.example/hook")).isPresent();
  }

  @Test
  void aMalformedEntryStopsTheStartWithTheKeyNamed() {
    for (String entry : new String[] {"journal.kommun.example", "ftp://x.example", "https://x.example/path",
        "https://x.example:0", "https://x.example:9-8", "https://[nope]", "https://a*.example"}) {
      assertThatThrownBy(() -> new SubscriptionEndpointRule(List.of(entry))).as(entry)
          .hasMessageContaining("samverkan.notify.allowed-endpoints").hasMessageContaining(entry);
    }
  }

  /**
   * The sender asks the rule before every attempt: an endpoint the list no longer allows, or a
   * name that now points at loopback, gets no request.
   */
  @Test
  void theSenderSendsNothingWhereTheRuleSaysNo() {
    try (WebhookReceiver receiver = WebhookReceiver.start(0)) {
      String loopbackByName = "http://localhost:" + receiver.port() + "/hook";
      NotificationSender allowsTheAddress = sender(List.of("http://127.0.0.1:" + receiver.port()));
      NotificationSender allowsNothing = sender(List.of());
      NotificationSender allowsAnyHost = sender(List.of("http://*:*"));

      assertThat(allowsNothing.send(subscription(receiver.url()), notification(), "http://localhost/fhir").delivered()).isFalse();
      NotificationSender.Result byName = allowsAnyHost.send(subscription(loopbackByName), notification(), "http://localhost/fhir");
      assertThat(byName.delivered()).isFalse();
      assertThat(byName.error()).contains("loopback");
      assertThat(receiver.requests()).isEmpty();

      assertThat(allowsTheAddress.send(subscription(receiver.url()), notification(), "http://localhost/fhir").delivered()).isTrue();
      assertThat(receiver.requests()).hasSize(1);
    }
  }

  private static NotificationSender sender(List<String> allowed) {
    return new NotificationSender(FhirContext.forR4Cached(), Duration.ofSeconds(5), new SubscriptionEndpointRule(allowed));
  }

  private static Subscription subscription(String endpoint) {
    Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.ACTIVE);
    subscription.setId("Subscription/1");
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint);
    return subscription;
  }

  private static NotificationOutbox.Pending notification() {
    return new NotificationOutbox.Pending(1, "e1", "1", "Goal/1", "create", System.currentTimeMillis(), 0);
  }

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    String address = DNS.get(host);
    if (address == null) {
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(address)};
  }
}
