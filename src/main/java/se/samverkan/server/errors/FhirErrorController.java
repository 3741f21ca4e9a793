package se.samverkan.server.errors;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Replaces Spring Boot's BasicErrorController at {@code /error}, where the servlet container
 * forwards every error no handler answered itself: an unknown path outside {@code /fhir} (404), an
 * exception thrown by a filter before HAPI (500). It answers an OperationOutcome with the original
 * status and a generic message ({@link ErrorOutcomes#diagnostics}), never the exception's message
 * or the path, which may hold personal data. The exception itself is logged by Tomcat.
 */
@Controller
@RequestMapping("${server.error.path:${error.path:/error}}")
public class FhirErrorController implements ErrorController {

  private final FhirContext fhirContext;

  public FhirErrorController(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  @RequestMapping
  public void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
    // No status: /error was asked for directly, and there is nothing there.
    int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code
        ? code : HttpServletResponse.SC_NOT_FOUND;
    if (status < 400) {
      status = HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
    }
    ErrorOutcomes.write(request, response, fhirContext, status, ErrorOutcomes.code(status), ErrorOutcomes.diagnostics(status));
  }
}
