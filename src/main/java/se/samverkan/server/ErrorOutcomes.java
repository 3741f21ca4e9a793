package se.samverkan.server;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The one place that writes an OperationOutcome outside HAPI's own error handling: token errors
 * and the request size limit. Always JSON ({@code application/fhir+json}): such requests may be
 * too broken to negotiate a format, and the project's rule is an OperationOutcome, never an HTML
 * page or Spring's error JSON.
 */
public final class ErrorOutcomes {

  public static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";

  private ErrorOutcomes() {}

  /** An OperationOutcome of one error issue, as JSON. */
  public static String json(FhirContext fhirContext, OperationOutcome.IssueType code, String diagnostics) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(diagnostics);
    return fhirContext.newJsonParser().encodeResourceToString(outcome);
  }

  /** Answers the response with the status and an OperationOutcome of one error issue. */
  public static void write(HttpServletResponse response, FhirContext fhirContext, int status,
      OperationOutcome.IssueType code, String diagnostics) throws IOException {
    response.setStatus(status);
    response.setContentType(FHIR_JSON);
    response.getOutputStream().write(json(fhirContext, code, diagnostics).getBytes(StandardCharsets.UTF_8));
  }
}
