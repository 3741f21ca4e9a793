package se.samverkan.auth;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * Puts the {@link Caller} of every FHIR request into its {@link RequestDetails}, first thing, so
 * that every later rule (scopes, ownership, consent, audit) asks the same object, also on HAPI's
 * worker threads where Spring's security context is not set.
 */
@Interceptor(order = HookOrder.CALLER_IDENTIFIED)
public class CallerInterceptor implements ServerInterceptor {

  private final String emergencyHeader;

  public CallerInterceptor(SecurityProperties properties) {
    this.emergencyHeader = properties.emergencyHeader();
  }

  /** HTTP header values are ASCII: a reason in Swedish comes percent-encoded as UTF-8. */
  static String reason(String header) {
    if (header == null) {
      return null;
    }
    try {
      return URLDecoder.decode(header, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return header;
    }
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean identify(RequestDetails request) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication != null && authentication.getPrincipal() instanceof Jwt jwt) {
      Caller.fromToken(jwt, reason(request.getHeader(emergencyHeader))).attachTo(request);
    }
    return true;
  }

  /**
   * A request HAPI refuses before it knows what is asked (no method for its path and parameters)
   * never reaches {@link #identify}: its caller is put in here, as the failure is answered, so that
   * its audit record still says who asked. Answers nothing itself.
   */
  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException identifyOnEarlyFailure(RequestDetails request) {
    if (Caller.of(request) == null) {
      identify(request);
    }
    return null;
  }
}
