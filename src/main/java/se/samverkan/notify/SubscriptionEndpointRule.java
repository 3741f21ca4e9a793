package se.samverkan.notify;

import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.StorageInterceptor;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * A Subscription's {@code channel.endpoint} is where the server sends requests on the
 * subscriber's behalf, from inside the server's network. Left to the subscriber, a token would buy
 * a port scanner and a request forger there: {@code http://127.0.0.1:5432}, the cloud's metadata
 * service at 169.254.169.254, internal hosts. So the operator lists where notifications may go
 * ({@code samverkan.notify.allowed-endpoints}); a client's write naming any other endpoint is
 * refused with 422, and every delivery attempt checks again, since the list may have changed and a
 * host's addresses may have changed since the write (docs/notifications.md).
 *
 * <p>An entry is {@code scheme://host[:port]}: scheme {@code http} or {@code https}; host a name
 * ({@code journal.kommun.example}), a wildcard for its subdomains ({@code *.kommun.example}) or for
 * any host ({@code *}), or an address ({@code 10.1.2.3}, {@code [fd00::5]}); port a number, a range
 * ({@code 8443-8453}) or {@code *}, by default the scheme's. An endpoint matches by what
 * {@link URI} (the HTTP client's own parser) reads as its scheme, host and port; an endpoint with
 * user information ({@code http://a@b/}) is refused, since parsers disagree on its host.
 *
 * <p>Addresses: at each delivery the host's addresses are looked up and checked. Loopback,
 * unspecified, link-local (the metadata service), multicast and the IPv6 metadata address are
 * reached only through an entry that names that address itself; private ranges (10/8, 172.16/12,
 * 192.168/16, 100.64/10, fc00::/7) only through an entry naming the host or address exactly, not
 * through a wildcard. So a name whose DNS its owner points at an internal address (DNS rebinding)
 * reaches nothing a wildcard did not already trust it with. The HTTP client then looks the name up
 * again to connect; the JVM's address cache (networkaddress.cache.ttl, 30 s by default) answers
 * that from the lookup just made, except when the cached entry expires in between. Entries naming
 * addresses leave no such gap. (HAPI's own hook, SubscriptionSettings#setRestHookEndpointUrlValidationRegex,
 * checks at write time only and repeats the URL in its message.)
 */
@Interceptor
public class SubscriptionEndpointRule implements StorageInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionEndpointRule.class);

  static final String KEY = "samverkan.notify.allowed-endpoints";
  private static final Pattern ENTRY = Pattern.compile(
      "(?i)(https?)://(\\*|\\*\\.[^:/\\[\\]*@]+|\\[[0-9a-f:.]+\\]|[^:/\\[\\]*@]+)(?::(\\*|\\d{1,5}(?:-\\d{1,5})?))?/?");
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  /** How a host name becomes addresses: {@link InetAddress#getAllByName}, but in tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** One allow-list entry; {@code address} is set when the entry names an address. */
  private record Allowed(String scheme, String host, InetAddress address, int fromPort, int toPort) {

    boolean wildcard() {
      return host.startsWith("*");
    }

    boolean matches(Target target) {
      if (!scheme.equals(target.scheme()) || target.port() < fromPort || target.port() > toPort) {
        return false;
      }
      if (host.equals("*")) {
        return true;
      }
      if (host.startsWith("*.")) {
        return target.address() == null && target.host().endsWith(host.substring(1));
      }
      return address != null ? address.equals(target.address()) : host.equals(target.host());
    }
  }

  /** What an endpoint URL names: {@code address} is set when its host is an address. */
  private record Target(String scheme, String host, InetAddress address, int port) {
    String origin() {
      return scheme + "://" + host + ":" + port;
    }
  }

  private final List<Allowed> allowed;
  private final Resolver resolver;

  public SubscriptionEndpointRule(List<String> allowed) {
    this(allowed, InetAddress::getAllByName);
  }

  SubscriptionEndpointRule(List<String> allowed, Resolver resolver) {
    this.allowed = allowed.stream().map(SubscriptionEndpointRule::entry).toList();
    this.resolver = resolver;
    if (this.allowed.isEmpty()) {
      log.info("No Subscription endpoint is allowed ({} is empty): Subscriptions are refused", KEY);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  /**
   * A client's write only: the server's own status updates (activation by HAPI, {@code error} by
   * the {@link DeliveryWorker}) keep the endpoint as it is, and the delivery checks it anyway.
   */
  private void check(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Subscription subscription) || request instanceof SystemRequestDetails) {
      return;
    }
    whyNotAllowed(subscription.getChannel().getEndpoint()).ifPresent(reason -> {
      String message = Messages.english(Message.SUBSCRIPTION_ENDPOINT_REFUSED, reason, KEY);
      OperationOutcome outcome = new OperationOutcome();
      outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
          .setCode(OperationOutcome.IssueType.BUSINESSRULE).setDiagnostics(message)
          .addExpression("Subscription.channel.endpoint");
      throw new UnprocessableEntityException(message, outcome);
    });
  }

  /**
   * Why a Subscription may not name this endpoint; empty when it may. Decided by the allow-list
   * and, for an address written in the URL, its range; never by a DNS lookup, so a write neither
   * waits for DNS nor learns what a name resolves to. Names the endpoint's scheme, host and port
   * only: its path or query may hold a secret.
   */
  public Optional<String> whyNotAllowed(String endpoint) {
    Optional<Target> target = target(endpoint);
    if (target.isEmpty()) {
      return Optional.of(Messages.english(Message.SUBSCRIPTION_ENDPOINT_NOT_URL));
    }
    Optional<Allowed> entry = entryFor(target.get());
    if (entry.isEmpty()) {
      return Optional.of(Messages.english(Message.SUBSCRIPTION_ENDPOINT_NOT_ALLOWED, target.get().origin()));
    }
    if (target.get().address() != null && entry.get().address() == null) {
      return whyNotReachable(target.get(), entry.get(), target.get().address());
    }
    return Optional.empty();
  }

  /**
   * Why a notification may not be sent to this endpoint now; empty when it may. The allow-list as
   * configured now, and the addresses the host has now. For the server's log only: it names
   * addresses.
   */
  public Optional<String> whyNotDeliverable(String endpoint) {
    Optional<String> notAllowed = whyNotAllowed(endpoint);
    if (notAllowed.isPresent()) {
      return notAllowed;
    }
    Target target = target(endpoint).orElseThrow();
    Allowed entry = entryFor(target).orElseThrow();
    if (target.address() != null) {
      return Optional.empty(); // an address, checked above: no lookup
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(target.host());
    } catch (UnknownHostException e) {
      return Optional.of(target.origin() + ": the host name does not resolve");
    }
    for (InetAddress address : addresses) {
      Optional<String> unreachable = whyNotReachable(target, entry, address);
      if (unreachable.isPresent()) {
        return unreachable;
      }
    }
    return Optional.empty();
  }

  /** The entry an endpoint is allowed by: one naming its host or address rather than a wildcard, if any. */
  private Optional<Allowed> entryFor(Target target) {
    return allowed.stream().filter(a -> a.matches(target)).min(Comparator.comparing(Allowed::wildcard));
  }

  /** The endpoint's scheme, host and port as an origin ({@code scheme://host:port}), for logs. */
  public static String origin(String endpoint) {
    return target(endpoint).map(Target::origin).orElse("(not a URL)");
  }

  private static Optional<String> whyNotReachable(Target target, Allowed entry, InetAddress address) {
    Message range = specialRange(address);
    if (range != null) {
      return Optional.of(Messages.english(Message.SUBSCRIPTION_ENDPOINT_SPECIAL_ADDRESS,
          target.origin(), address.getHostAddress(), Messages.english(range)));
    }
    if (entry.wildcard() && isPrivate(address)) {
      return Optional.of(Messages.english(Message.SUBSCRIPTION_ENDPOINT_PRIVATE_ADDRESS,
          target.origin(), address.getHostAddress(), entry.host()));
    }
    return Optional.empty();
  }

  /** The kind of address nothing but an entry naming it may reach; null for any other. */
  private static Message specialRange(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return Message.ADDRESS_LOOPBACK;
    }
    if (address.isAnyLocalAddress()) {
      return Message.ADDRESS_UNSPECIFIED;
    }
    InetAddress embedded = embeddedIpv4(address);
    if (embedded != address) {
      return specialRange(embedded);
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address && bytes[0] == 0) {
      return Message.ADDRESS_UNSPECIFIED;
    }
    if (address.isLinkLocalAddress()) {
      return Message.ADDRESS_LINK_LOCAL;
    }
    if (address.isMulticastAddress() || (address instanceof Inet4Address && (bytes[0] & 0xff) == 255)) {
      return Message.ADDRESS_MULTICAST;
    }
    if (address.getHostAddress().equals("fd00:ec2:0:0:0:0:0:254")) {
      return Message.ADDRESS_CLOUD_METADATA;
    }
    return null;
  }

  private static boolean isPrivate(InetAddress address) {
    InetAddress embedded = embeddedIpv4(address);
    byte[] b = embedded.getAddress();
    if (embedded.isSiteLocalAddress()) {
      return true; // 10/8, 172.16/12, 192.168/16, fec0::/10
    }
    if (embedded instanceof Inet4Address) {
      return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64/10, carrier-grade NAT
    }
    return (b[0] & 0xfe) == 0xfc; // fc00::/7, unique local
  }

  /** The IPv4 address an IPv4-compatible (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) address carries. */
  private static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address v6)) {
      return address;
    }
    byte[] b = v6.getAddress();
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; i < 12; i++) {
      nat64 &= b[i] == 0;
    }
    if (!v6.isIPv4CompatibleAddress() && !nat64) {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException e) {
      return address;
    }
  }

  private static Optional<Target> target(String endpoint) {
    if (endpoint == null) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(endpoint.trim());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getRawUserInfo() != null
        || !(scheme.equals("http") || scheme.equals("https"))) {
      return Optional.empty();
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort() == -1 ? defaultPort(scheme) : uri.getPort();
    return Optional.of(new Target(scheme, host, literal(host), port));
  }

  private static Allowed entry(String entry) {
    Matcher m = ENTRY.matcher(entry == null ? "" : entry.trim());
    if (!m.matches()) {
      throw new IllegalStateException(KEY + ": '" + entry + "' is not scheme://host[:port], with scheme http or "
          + "https, host a name, *.domain, * or an address ([…] for IPv6), port a number, a range a-b or *");
    }
    String scheme = m.group(1).toLowerCase(Locale.ROOT);
    String host = m.group(2).toLowerCase(Locale.ROOT);
    String port = m.group(3);
    int from;
    int to;
    if (port == null) {
      from = to = defaultPort(scheme);
    } else if (port.equals("*")) {
      from = 1;
      to = 65535;
    } else {
      String[] range = port.split("-");
      from = Integer.parseInt(range[0]);
      to = Integer.parseInt(range[range.length - 1]);
    }
    if (from < 1 || to > 65535 || from > to) {
      throw new IllegalStateException(KEY + ": '" + entry + "' has no valid port or port range");
    }
    InetAddress address = literal(host);
    if (host.startsWith("[") && address == null) {
      throw new IllegalStateException(KEY + ": '" + entry + "' has no valid IPv6 address");
    }
    return new Allowed(scheme, host, address, from, to);
  }

  /** The address a host written as an address stands for (no DNS lookup), else null. */
  private static InetAddress literal(String host) {
    boolean v6 = host.startsWith("[") && host.endsWith("]");
    if (!v6 && !IPV4.matcher(host).matches()) {
      return null;
    }
    try {
      // An address literal is parsed, never looked up (InetAddress#getByName).
      return InetAddress.getByName(v6 ? host.substring(1, host.length() - 1) : host);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static int defaultPort(String scheme) {
    return scheme.equals("https") ? 443 : 80;
  }
}
