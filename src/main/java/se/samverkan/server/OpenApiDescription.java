package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.Hook;
import se.samverkan.server.spi.ServerInterceptor;
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
import io.swagger.v3.core.util.Yaml;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import se.samverkan.auth.TokenEndpoints;

/**
 * HAPI's OpenAPI description and Swagger UI ({@code /fhir/api-docs}, {@code /fhir/swagger-ui/}),
 * with what HAPI 8.8 leaves out: how to authenticate. Without a security scheme Swagger UI has no
 * "Authorize" button and every "Try it out" ends in 401. We declare a bearer token (paste one) and,
 * when the token endpoint is known, OAuth2 client credentials against it (Swagger UI fetches the
 * token itself); {@code /metadata} needs neither. Also {@code /fhir/swagger-ui} without the
 * slash, which HAPI took for a resource type, redirects to the page.
 *
 * <p>The description is public and HAPI builds it anew for every request: the whole of it (every
 * R4 type, 5.7 MB of YAML) took 10–36 s of CPU on the 2-core CI machine, so a few anonymous
 * requests could keep the server busy. Each page is kept for {@link #KEPT} once made; the pages
 * are bounded (one per resource type, "All", the system page and one for every unknown name), so
 * the cache is too.
 */
public class OpenApiDescription extends OpenApiInterceptor implements ServerInterceptor {

  static final String BEARER = "bearer";
  static final String SMART = "smart";
  private static final String SWAGGER_UI = "/swagger-ui";

  /** How long a generated description is served again; new SearchParameters show after at most this. */
  static final Duration KEPT = Duration.ofMinutes(5);
  private static final String API_DOCS = "/api-docs";
  private static final String UNKNOWN_PAGE = "";

  private final TokenEndpoints endpoints;
  private final Clock clock;
  private final Map<String, Document> documents = new ConcurrentHashMap<>();

  /** A page of the description as served, for the server base it names. */
  private record Document(String base, String yaml, Instant made) {}

  public OpenApiDescription(TokenEndpoints endpoints) {
    this(endpoints, Clock.systemUTC());
  }

  OpenApiDescription(TokenEndpoints endpoints, Clock clock) {
    this.endpoints = endpoints;
    this.clock = clock;
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
    if (API_DOCS.equals(request.getPathInfo())) {
      // As OpenApiInterceptor#serveSwaggerUi answers it, from the kept page.
      response.setContentType("text/yaml");
      response.setStatus(200);
      response.getWriter().write(description(requestDetails));
      response.getWriter().close();
      return false;
    }
    return super.serveSwaggerUi(request, response, requestDetails);
  }

  /** The YAML of the page asked for, made at most once per {@link #KEPT} (per server base). */
  String description(ServletRequestDetails requestDetails) {
    String page = pageKey(requestDetails);
    String base = requestDetails.getFhirServerBase();
    Instant now = clock.instant();
    Document kept = documents.get(page);
    if (kept != null && kept.base().equals(base) && kept.made().plus(KEPT).isAfter(now)) {
      return kept.yaml();
    }
    Document made = new Document(base, Yaml.pretty(generateOpenApi(requestDetails)), now);
    documents.put(page, made);
    return made.yaml();
  }

  /**
   * Which page a request asks for. Every name that is not a page gives the same small description
   * (OpenApiInterceptor#generateOpenApi includes only the matching type), so all share one entry
   * and a caller cannot grow the cache by inventing names.
   */
  private static String pageKey(ServletRequestDetails requestDetails) {
    String[] values = requestDetails.getParameters().get("page");
    String page = values == null || values.length == 0 || values[0] == null || values[0].isBlank()
        ? PAGE_ALL : values[0];
    boolean known = page.equals(PAGE_ALL) || page.equals(PAGE_SYSTEM)
        || requestDetails.getFhirContext().getResourceTypes().contains(page);
    return known ? page : UNKNOWN_PAGE;
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
