package se.samverkan.auth;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import se.samverkan.server.errors.ErrorOutcomes;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * 401 and 403 from the token check as a FHIR OperationOutcome, with the {@code WWW-Authenticate}
 * header RFC 6750 asks for (§3: {@code Bearer realm="Samverkan"}, and the error for a token that
 * was refused). The message says what is wrong with the token, never what it held, and where a
 * token comes from: the token endpoint and the SMART configuration that describes it.
 */
class FhirAuthErrors implements AuthenticationEntryPoint, AccessDeniedHandler {

  static final String REALM = "Samverkan";

  private final FhirContext fhirContext;
  private final TokenEndpoints endpoints;
  private final BearerTokenAuthenticationEntryPoint bearerEntryPoint = new BearerTokenAuthenticationEntryPoint();
  private final BearerTokenAccessDeniedHandler bearerDenied = new BearerTokenAccessDeniedHandler();

  FhirAuthErrors(FhirContext fhirContext, TokenEndpoints endpoints) {
    this.fhirContext = fhirContext;
    this.endpoints = endpoints;
    bearerEntryPoint.setRealmName(REALM);
    bearerDenied.setRealmName(REALM);
  }

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    bearerEntryPoint.commence(request, response, e);
    boolean tokenGiven = request.getHeader("Authorization") != null;
    String root = TokenEndpoints.root(request);
    String smart = endpoints.smartConfiguration(root);
    String message = endpoints.token(root)
        .map(token -> Messages.english(tokenGiven ? Message.TOKEN_REFUSED_GET_ONE_HERE : Message.TOKEN_REQUIRED_GET_ONE_HERE,
            token, smart))
        .orElse(Messages.english(tokenGiven ? Message.TOKEN_REFUSED_GET_ONE_ELSEWHERE : Message.TOKEN_REQUIRED_GET_ONE_ELSEWHERE,
            smart));
    write(request, response, HttpServletResponse.SC_UNAUTHORIZED, OperationOutcome.IssueType.LOGIN, message);
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    bearerDenied.handle(request, response, e);
    write(request, response, HttpServletResponse.SC_FORBIDDEN, OperationOutcome.IssueType.FORBIDDEN,
        Messages.english(Message.TOKEN_DOES_NOT_ALLOW));
  }

  private void write(HttpServletRequest request, HttpServletResponse response, int status,
      OperationOutcome.IssueType type, String message) throws IOException {
    ErrorOutcomes.write(request, response, fhirContext, status, type, message);
  }
}
