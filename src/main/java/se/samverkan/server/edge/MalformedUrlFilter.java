package se.samverkan.server.edge;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a malformed URL with 400 and an OperationOutcome before anything parses it. Two checks:
 *
 * <ul>
 *   <li>Spring Security's firewall, the same {@link HttpFirewall} bean its filter chain uses, run
 *       earlier than there: Spring MVC's path parsing sits in front of that chain and failed on
 *       some URLs the firewall refuses ({@code //fhir/Patient}: 500);
 *   <li>the query string's %-escapes: a {@code %} not followed by two hex digits made HAPI fail
 *       with 500 ({@code Patient?name=%ZZ}), and escapes that do not form UTF-8 were searched for
 *       as U+FFFD. Neither Tomcat nor the firewall checks the query string. ({@link MatchUrls} reads
 *       the query strings inside a request, its conditions and conditional references, the same way.)
 * </ul>
 *
 * <p>Both answer through the {@link RequestRejectedHandler} (see {@link MalformedRequestConfig}),
 * as Spring Security does with what its own firewall refuses.
 */
class MalformedUrlFilter extends OncePerRequestFilter {

  /** A query string with a broken %-escape; its message is safe to answer with. */
  static final class MalformedQuery extends RequestRejectedException {
    MalformedQuery() {
      super(MatchUrls.MALFORMED_QUERY);
    }
  }

  private final HttpFirewall firewall;
  private final RequestRejectedHandler rejected;

  MalformedUrlFilter(HttpFirewall firewall, RequestRejectedHandler rejected) {
    this.firewall = firewall;
    this.rejected = rejected;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      // Only the checks on the URL: the firewalled request, which also checks headers and
      // parameters as they are read, is the security chain's business.
      firewall.getFirewalledRequest(request);
      if (!MatchUrls.wellFormedQuery(request.getQueryString())) {
        throw new MalformedQuery();
      }
    } catch (RequestRejectedException e) {
      rejected.handle(request, response, e);
      return;
    }
    chain.doFilter(request, response);
  }
}
