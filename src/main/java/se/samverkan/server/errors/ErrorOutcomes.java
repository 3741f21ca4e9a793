package se.samverkan.server.errors;


import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import se.samverkan.messages.MessageLanguage;
import se.samverkan.messages.OutcomeLanguage;

/**
 * The one place that builds an error answer's OperationOutcome: the rules' refusals hand one to
 * HAPI with their exception ({@link #outcome}), and this class writes one itself outside HAPI's
 * error handling: token errors, the request size limit, malformed URLs
 * ({@code server.edge.MalformedRequestConfig}) and whatever reaches Spring's or Tomcat's error
 * handling. Those are always JSON ({@code application/fhir+json}): such requests may be too broken
 * to negotiate a format, and the project's rule is an OperationOutcome, never an HTML page or
 * Spring's error JSON.
 */
public final class ErrorOutcomes {

  public static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";

  /** Said for every URL refused before it reaches a handler; it never repeats the URL itself. */
  public static final String MALFORMED_REQUEST = Messages.english(Message.MALFORMED_REQUEST);
  public static final String INTERNAL_ERROR_MESSAGE = Messages.english(Message.INTERNAL_ERROR);

  private ErrorOutcomes() {}

  /** An OperationOutcome of one issue of severity error, saying {@code diagnostics}. */
  public static OperationOutcome outcome(OperationOutcome.IssueType code, String diagnostics) {
    return addIssue(new OperationOutcome(), code, diagnostics);
  }

  /** The outcome with one more issue of severity error, after those it has. */
  public static OperationOutcome addIssue(OperationOutcome outcome, OperationOutcome.IssueType code, String diagnostics) {
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(diagnostics);
    return outcome;
  }

  /** The outcome with its first issue about the element at {@code expression} (FHIRPath, e.g. {@code Subscription.criteria}). */
  public static OperationOutcome withExpression(OperationOutcome outcome, String expression) {
    outcome.getIssueFirstRep().addExpression(expression);
    return outcome;
  }

  /**
   * An OperationOutcome of one error issue, as JSON, in the language the request asks for
   * ({@link MessageLanguage}) if the diagnostics are a message of ours; it sets Content-Language then.
   */
  public static String json(FhirContext fhirContext, HttpServletRequest request, HttpServletResponse response,
      OperationOutcome.IssueType code, String diagnostics) {
    OperationOutcome outcome = outcome(code, diagnostics);
    Locale language = MessageLanguage.of(request == null ? null : request.getHeader("Accept-Language"));
    if (OutcomeLanguage.localise(outcome, language)) {
      response.setHeader("Content-Language", MessageLanguage.tag(language));
    }
    return fhirContext.newJsonParser().encodeResourceToString(outcome);
  }

  /** Answers the response with the status and an OperationOutcome of one error issue. */
  public static void write(HttpServletRequest request, HttpServletResponse response, FhirContext fhirContext, int status,
      OperationOutcome.IssueType code, String diagnostics) throws IOException {
    response.setStatus(status);
    response.setContentType(FHIR_JSON);
    response.getOutputStream().write(
        json(fhirContext, request, response, code, diagnostics).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The issue code for an error that arrives with nothing but its HTTP status (Tomcat's and
   * Spring's error handling).
   */
  static OperationOutcome.IssueType code(int status) {
    return switch (status) {
      case 400 -> OperationOutcome.IssueType.INVALID;
      case 401 -> OperationOutcome.IssueType.LOGIN;
      case 403 -> OperationOutcome.IssueType.FORBIDDEN;
      case 404 -> OperationOutcome.IssueType.NOTFOUND;
      case 405, 501, 505 -> OperationOutcome.IssueType.NOTSUPPORTED;
      case 408 -> OperationOutcome.IssueType.TIMEOUT;
      case 413, 414, 431 -> OperationOutcome.IssueType.TOOLONG;
      default -> status >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.PROCESSING;
    };
  }

  /**
   * A generic message for an error that arrives with nothing but its HTTP status. Deliberately
   * not the exception's or Tomcat's message: those may repeat the URL or a header (personal data)
   * or name Java internals.
   */
  static String diagnostics(int status) {
    return switch (status) {
      case 400 -> MALFORMED_REQUEST;
      case 401 -> Messages.english(Message.HTTP_TOKEN_REQUIRED);
      case 403 -> Messages.english(Message.HTTP_NOT_ALLOWED);
      case 404 -> Messages.english(Message.HTTP_NOTHING_HERE);
      case 405 -> Messages.english(Message.HTTP_METHOD_NOT_ALLOWED);
      case 408 -> Messages.english(Message.HTTP_TOO_LATE);
      case 413, 414, 431 -> Messages.english(Message.HTTP_TOO_LARGE);
      case 505 -> Messages.english(Message.HTTP_VERSION);
      default -> status >= 500
          ? INTERNAL_ERROR_MESSAGE
          : Messages.english(Message.HTTP_REFUSED, status);
    };
  }
}
