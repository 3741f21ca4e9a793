package se.samverkan.auth;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * {@code rest.security} of {@code GET /fhir/metadata}, as SMART App Launch has a server say how it
 * is protected (http://hl7.org/fhir/smart-app-launch/1.0.0/conformance/ : the service coding
 * SMART-on-FHIR and the oauth-uris extension with the token endpoint; SMART 2.0 moved these to
 * /.well-known/smart-configuration, which we serve too, from the same {@link TokenEndpoints}).
 */
@Interceptor
public class SmartSecurityCapability implements ServerInterceptor {

  static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
  static final String SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service";

  private final TokenEndpoints endpoints;

  public SmartSecurityCapability(TokenEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void describeSecurity(IBaseConformance generated, RequestDetails request) {
    CapabilityStatement capabilities = (CapabilityStatement) generated;
    CapabilityStatement.CapabilityStatementRestSecurityComponent security =
        capabilities.getRestFirstRep().getSecurity();
    security.addService().addCoding()
        .setSystem(SECURITY_SERVICE).setCode("SMART-on-FHIR").setDisplay("SMART-on-FHIR");
    // HAPI keeps the statement for a minute (ConformanceMethodBinding) and made its
    // implementation.url from the same request base: the two agree.
    String root = request.getFhirServerBase() == null ? "" : TokenEndpoints.rootOf(request.getFhirServerBase());
    security.setDescription("Every request but this CapabilityStatement, the SMART configuration, the OpenAPI "
        + "description and Swagger UI needs an OAuth2 bearer token (Authorization: Bearer <access token>) whose "
        + "scopes allow it. " + endpoints.smartConfiguration(root) + " says where to get one and which scopes "
        + "mean something.");
    endpoints.token(root).ifPresent(token -> {
      Extension uris = security.addExtension().setUrl(OAUTH_URIS);
      uris.addExtension("token", new UriType(token));
    });
  }
}
