package se.samverkan.server.errors;


import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error report as an OperationOutcome instead of its HTML page. Tomcat answers some
 * requests itself, before any filter or servlet: a request line it cannot parse (a space, quote,
 * '{' or control character in the URL), an invalid %-escape, an encoded NUL, slash or backslash,
 * a malformed header, an unsupported HTTP version. This valve writes those answers; everything
 * that reaches the application is answered there ({@link FhirErrorController} for the rest).
 * Installed on the host in place of Tomcat's and Spring Boot's ErrorReportValve by
 * {@code server.edge.MalformedRequestConfig}.
 */
public class FhirErrorReportValve extends ErrorReportValve {

  private final Supplier<FhirContext> fhirContext;

  public FhirErrorReportValve(Supplier<FhirContext> fhirContext) {
    this.fhirContext = fhirContext;
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    // As Tomcat's own: only an error not yet answered, on a connection that can still take an answer.
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean();
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    try {
      // Tomcat's message is left out: for a bad request line it repeats the URL.
      String json = ErrorOutcomes.json(fhirContext.get(), request, response, ErrorOutcomes.code(status),
          ErrorOutcomes.diagnostics(status));
      response.setContentType(ErrorOutcomes.FHIR_JSON);
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(json);
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response cannot be written: nothing more to do, as in Tomcat's.
    }
  }
}
