package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.security.OAuthFlow;
import io.swagger.v3.oas.models.security.OAuthFlows;
import io.swagger.v3.oas.models.security.Scopes;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import se.samverkan.security.TokenEndpoints;

/**
 * HAPI's OpenAPI description and Swagger UI ({@code /fhir/api-docs}, {@code /fhir/swagger-ui/}),
 * with what HAPI 8.8 leaves out: how to authenticate. Without a security scheme Swagger UI has no
 * "Authorize" button and every "Try it out" ends in 401. We declare a bearer token (paste one) and,
 * when the token endpoint is known, OAuth2 client credentials against it (Swagger UI fetches the
 * token itself); {@code /metadata} needs neither. Also {@code /fhir/swagger-ui} without the
 * slash, which HAPI took for a resource type, redirects to the page.
 */
public class OpenApiDescription extends OpenApiInterceptor {

  static final String BEARER = "bearer";
  static final String SMART = "smart";
  private static final String SWAGGER_UI = "/swagger-ui";

  private final TokenEndpoints endpoints;

  public OpenApiDescription(TokenEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  @Override
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLER_SELECTED)
  public boolean serveSwaggerUi(
      HttpServletRequest request, HttpServletResponse response, ServletRequestDetails requestDetails)
      throws IOException {
    if (SWAGGER_UI.equals(request.getPathInfo())) {
      String base = requestDetails.getServer().getServerAddressStrategy()
          .determineServerBase(request.getServletContext(), request);
      response.sendRedirect(response.encodeRedirectURL(base + SWAGGER_UI + "/"));
      return false;
    }
    return super.serveSwaggerUi(request, response, requestDetails);
  }

  @Override
  protected OpenAPI generateOpenApi(ServletRequestDetails requestDetails) {
    OpenAPI openApi = super.generateOpenApi(requestDetails);
    String root = TokenEndpoints.rootOf(requestDetails.getFhirServerBase());
    if (openApi.getComponents() == null) {
      openApi.setComponents(new Components());
    }
    openApi.getComponents().addSecuritySchemes(BEARER, new SecurityScheme()
        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
        .description("An access token from your organization's OAuth2 issuer; "
            + endpoints.smartConfiguration(root) + " says where."));
    openApi.addSecurityItem(new SecurityRequirement().addList(BEARER));
    endpoints.token(root).ifPresent(token -> {
      Scopes scopes = new Scopes();
      endpoints.scopes().forEach(scope -> scopes.addString(scope, "SMART scope (any resource type may stand for *)"));
      openApi.getComponents().addSecuritySchemes(SMART, new SecurityScheme()
          .type(SecurityScheme.Type.OAUTH2)
          .description(endpoints.development()
              ? "The development token issuer: client id one of samverkan.security.dev-issuer.clients "
                  + "(e.g. vc-ronneby, kommun-ronneby), secret dev-only. Leave the scopes unticked for all "
                  + "of the client's."
              : "Client credentials at your issuer's token endpoint.")
          .flows(new OAuthFlows().clientCredentials(new OAuthFlow().tokenUrl(token).scopes(scopes))));
      openApi.addSecurityItem(new SecurityRequirement().addList(SMART));
    });
    PathItem metadata = openApi.getPaths().get("/metadata");
    if (metadata != null && metadata.getGet() != null) {
      metadata.getGet().setSecurity(List.of()); // public: WebSecurityConfig
    }
    return openApi;
  }
}
