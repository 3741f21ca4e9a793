package se.samverkan.ops;

import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.FhirServerProperties;

/** Says once, when the server is ready, where to find it and how long start-up took. */
@Component
public class ReadyLogger {

  private static final Logger log = LoggerFactory.getLogger(ReadyLogger.class);

  @EventListener
  public void onReady(ApplicationReadyEvent event) {
    if (!(event.getApplicationContext() instanceof ServletWebServerApplicationContext web)) {
      return;
    }
    String contextPath = web.getServletContext() == null ? "" : web.getServletContext().getContextPath();
    Runtime runtime = Runtime.getRuntime();
    log.info(
        "Samverkan is ready: FHIR R4 at http://localhost:{}{}{} (started in {} ms, heap in use {} MiB)",
        web.getWebServer().getPort(),
        contextPath,
        FhirServerProperties.FHIR_PATH,
        ManagementFactory.getRuntimeMXBean().getUptime(),
        (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024));
  }
}
