package se.samverkan.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One line per request: method, path pattern, status, duration. Never the query string, ids or
 * bodies, which may carry personnummer or names: paths are reduced to patterns first.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class AccessLogFilter extends OncePerRequestFilter {

  static final String LOGGER_NAME = "se.samverkan.accesslog";
  private static final Logger log = LoggerFactory.getLogger(LOGGER_NAME);

  private final PathPatterns patterns;

  public AccessLogFilter(PathPatterns patterns) {
    this.patterns = patterns;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long start = System.nanoTime();
    try {
      chain.doFilter(request, response);
    } finally {
      if (log.isInfoEnabled()) {
        log.info(
            "{} {} {} {}ms",
            request.getMethod(),
            patterns.of(request.getRequestURI().substring(request.getContextPath().length())),
            response.getStatus(),
            (System.nanoTime() - start) / 1_000_000);
      }
    }
  }
}
