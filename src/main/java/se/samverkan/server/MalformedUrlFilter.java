package se.samverkan.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
 *       as U+FFFD. Neither Tomcat nor the firewall checks the query string.
 * </ul>
 *
 * <p>Both answer through the {@link RequestRejectedHandler} (see {@link MalformedRequestConfig}),
 * as Spring Security does with what its own firewall refuses.
 */
class MalformedUrlFilter extends OncePerRequestFilter {

  /** A query string with a broken %-escape; its message is safe to answer with. */
  static final class MalformedQuery extends RequestRejectedException {
    MalformedQuery() {
      super("The query string is malformed: every '%' must be followed by two hexadecimal digits, and"
          + " the %-escaped bytes must form UTF-8 (a literal '%' is written %25).");
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
      if (!wellFormedQuery(request.getQueryString())) {
        throw new MalformedQuery();
      }
    } catch (RequestRejectedException e) {
      rejected.handle(request, response, e);
      return;
    }
    chain.doFilter(request, response);
  }

  /** Whether every %-escape is complete and the escaped bytes are UTF-8. */
  static boolean wellFormedQuery(String query) {
    if (query == null || query.indexOf('%') < 0) {
      return true;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(query.length());
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (i + 2 >= query.length()) {
        return false;
      }
      int high = Character.digit(query.charAt(i + 1), 16);
      int low = Character.digit(query.charAt(i + 2), 16);
      if (high < 0 || low < 0) {
        return false;
      }
      bytes.write(high * 16 + low);
      i += 2;
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
