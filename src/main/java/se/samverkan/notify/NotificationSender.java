package se.samverkan.notify;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

/**
 * Sends one notification to a rest-hook endpoint. What it carries is never resource content:
 * with {@code channel.payload} absent (or the backport extension saying {@code empty}) a POST with
 * no body, as FHIR R4 defines; otherwise an <em>id-only</em> notification, a history Bundle shaped
 * after the R4 Subscriptions Backport IG: a SubscriptionStatus {@code Parameters} entry (which
 * subscription, the event's time and focus) and one entry naming the changed resource by URL. The
 * receiver reads the resource with its own token, under its own access rights.
 */
public class NotificationSender {

  /** The backport IG's channel.payload extension: empty | id-only | full-resource. */
  public static final String PAYLOAD_CONTENT =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
  static final String STATUS_PROFILE =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";

  /**
   * What one attempt came to. {@code error} is null on success; otherwise it is for the server's
   * log only — it names the endpoint's host, addresses, status codes and exception classes, which
   * tell what listens where — and never holds patient data.
   */
  public record Result(boolean delivered, String error) {}

  private final FhirContext fhirContext;
  private final HttpClient http;
  private final Duration timeout;
  private final SubscriptionEndpointRule endpoints;

  public NotificationSender(FhirContext fhirContext, Duration timeout, SubscriptionEndpointRule endpoints) {
    this.fhirContext = fhirContext;
    this.timeout = timeout;
    this.endpoints = endpoints;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** The payload content a subscription asked for: {@code empty} or {@code id-only}. */
  public static String content(Subscription subscription) {
    Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
    Extension extension = channel.getPayloadElement().getExtensionByUrl(PAYLOAD_CONTENT);
    if (extension != null && extension.getValue() != null) {
      return extension.getValue().primitiveValue();
    }
    return channel.hasPayload() ? "id-only" : "empty";
  }

  public Result send(Subscription subscription, NotificationOutbox.Pending notification, String baseUrl) {
    Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
    // The allow-list as configured now and the host's addresses now, not as they were at the write.
    Optional<String> refused = endpoints.whyNotDeliverable(channel.getEndpoint());
    if (refused.isPresent()) {
      return new Result(false, "Not sent: " + refused.get());
    }
    String origin = SubscriptionEndpointRule.origin(channel.getEndpoint());
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(channel.getEndpoint())).timeout(timeout);
    } catch (IllegalArgumentException e) {
      return new Result(false, "Not sent: the endpoint is not a valid URL");
    }
    for (StringType header : channel.getHeader()) {
      String value = header.getValue();
      int colon = value == null ? -1 : value.indexOf(':');
      if (colon > 0) {
        request.header(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
      }
    }
    if ("empty".equals(content(subscription))) {
      request.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      EncodingEnum encoding = EncodingEnum.forContentType(channel.getPayload());
      if (encoding == null) {
        encoding = EncodingEnum.JSON;
      }
      String body = encoding.newParser(fhirContext).encodeResourceToString(idOnly(subscription, notification, baseUrl));
      request.header("Content-Type", encoding.getResourceContentTypeNonLegacy() + "; charset=UTF-8")
          .POST(HttpRequest.BodyPublishers.ofString(body));
    }
    try {
      HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      return status / 100 == 2 ? new Result(true, null) : new Result(false, origin + " answered HTTP " + status);
    } catch (IOException e) {
      return new Result(false, origin + " could not be reached (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, "Delivery was interrupted");
    }
  }

  Bundle idOnly(Subscription subscription, NotificationOutbox.Pending notification, String baseUrl) {
    IdType focus = new IdType(notification.focus());
    String subscriptionUrl = baseUrl + "/Subscription/" + subscription.getIdElement().getIdPart();

    Parameters status = new Parameters();
    status.getMeta().addProfile(STATUS_PROFILE);
    status.addParameter().setName("subscription").setValue(new Reference(subscriptionUrl));
    status.addParameter().setName("status").setValue(new CodeType(subscription.getStatus().toCode()));
    status.addParameter().setName("type").setValue(new CodeType("event-notification"));
    Parameters.ParametersParameterComponent event = status.addParameter().setName("notification-event");
    event.addPart().setName("timestamp").setValue(new InstantType(new Date(notification.createdMillis())));
    event.addPart().setName("focus").setValue(new Reference(baseUrl + "/" + focus.getValue()));

    Bundle bundle = new Bundle().setType(Bundle.BundleType.HISTORY).setTimestamp(new Date());
    bundle.setIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + notification.eventId()));
    bundle.addEntry().setFullUrl("urn:uuid:" + notification.eventId()).setResource(status);
    Bundle.BundleEntryComponent changed = bundle.addEntry()
        .setFullUrl(baseUrl + "/" + focus.getResourceType() + "/" + focus.getIdPart());
    switch (notification.operation()) {
      case "create" -> {
        changed.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(focus.getResourceType());
        changed.getResponse().setStatus("201");
      }
      case "delete" -> {
        changed.getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl(focus.getResourceType() + "/" + focus.getIdPart());
        changed.getResponse().setStatus("204");
      }
      default -> {
        changed.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(focus.getResourceType() + "/" + focus.getIdPart());
        changed.getResponse().setStatus("200");
      }
    }
    return bundle;
  }
}
