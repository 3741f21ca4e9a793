package se.samverkan.server.edge;

import se.samverkan.server.errors.ErrorOutcomes;
import se.samverkan.server.errors.FhirErrorController;
import se.samverkan.server.errors.FhirErrorReportValve;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Malformed URLs get a 400 OperationOutcome like any other bad input (docs/reliability.md), not
 * Tomcat's HTML page or Spring's error JSON. They are refused at three levels before HAPI sees
 * them, and each level answers through {@link ErrorOutcomes}:
 *
 * <ol>
 *   <li>Tomcat (request line, %-decoding, encoded '/', '\' and NUL): {@link FhirErrorReportValve};
 *   <li>Spring Security's firewall ({@code ..}, {@code ;}, {@code //}, encoded '.', '%'): the
 *       {@link RequestRejectedHandler} below, also for {@link MalformedUrlFilter}, which runs the
 *       same firewall ahead of Spring MVC and checks query strings;
 *   <li>anything else forwarded to {@code /error}: {@link FhirErrorController}.
 * </ol>
 */
@Configuration
public class MalformedRequestConfig {

  /** Spring Security's default firewall, as a bean so that its chain and our filter share it. */
  @Bean
  public HttpFirewall httpFirewall() {
    return new StrictHttpFirewall();
  }

  /**
   * What the firewall refuses: 400 with a generic message. The firewall's own message can repeat a
   * header value, which may be personal data.
   */
  @Bean
  public RequestRejectedHandler malformedRequestHandler(FhirContext fhirContext) {
    return (request, response, rejected) -> {
      if (response.isCommitted()) {
        return; // refused while reading a header deep inside a request already answering
      }
      response.reset();
      ErrorOutcomes.write(request, response, fhirContext, HttpServletResponse.SC_BAD_REQUEST,
          OperationOutcome.IssueType.INVALID,
          rejected instanceof MalformedUrlFilter.MalformedQuery ? rejected.getMessage() : ErrorOutcomes.MALFORMED_REQUEST);
    };
  }

  /**
   * Right after the access log (which records the 400) and the request size limit, before Spring
   * MVC and Spring Security parse the path.
   */
  @Bean
  public FilterRegistrationBean<MalformedUrlFilter> malformedUrlFilter(
      HttpFirewall firewall, RequestRejectedHandler malformedRequestHandler) {
    FilterRegistrationBean<MalformedUrlFilter> registration =
        new FilterRegistrationBean<>(new MalformedUrlFilter(firewall, malformedRequestHandler));
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
    return registration;
  }

  @Bean
  public ErrorReportValveInstaller fhirErrorReportValve(ObjectProvider<FhirContext> fhirContext) {
    return new ErrorReportValveInstaller(fhirContext);
  }

  /**
   * Puts {@link FhirErrorReportValve} on Tomcat's host in place of any other ErrorReportValve:
   * Spring Boot adds one (server.error.include-stacktrace=never), and the host adds Tomcat's at
   * start unless one of the class it is told is there. Ordered last, so that it runs after Spring
   * Boot's customizer has added its valve.
   */
  static final class ErrorReportValveInstaller
      implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    private final ObjectProvider<FhirContext> fhirContext;

    ErrorReportValveInstaller(ObjectProvider<FhirContext> fhirContext) {
      this.fhirContext = fhirContext;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
      factory.addContextCustomizers(context -> {
        Host host = (Host) context.getParent();
        for (Valve valve : host.getPipeline().getValves()) {
          if (valve instanceof ErrorReportValve) {
            host.getPipeline().removeValve(valve);
          }
        }
        host.getPipeline().addValve(new FhirErrorReportValve(fhirContext::getObject));
        if (host instanceof StandardHost standard) {
          standard.setErrorReportValveClass(FhirErrorReportValve.class.getName());
        }
      });
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }
}
