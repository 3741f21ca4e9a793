package se.samverkan.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestTokens;

/** Point 1 of access control: who may talk to the server at all, and what a token's scopes allow. */
class AuthenticationTest extends FhirServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String READ_WRITE = "system/*.read system/*.write";

  @Test
  void aRequestWithoutATokenIsRefusedWith401AndAnOperationOutcome() {
    HttpResponse<String> response = get("/Patient", "Authorization", "");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));
    assertThat(outcome(response).getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.LOGIN);
  }

  /** RFC 6750 §3: the challenge names the realm; the outcome says where a token comes from. */
  @Test
  void a401SaysWhereATokenComesFrom() {
    for (String authorization : new String[] {"", "Bearer not-a-jwt"}) {
      HttpResponse<String> response = get("/Patient", "Authorization", authorization);

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).as(authorization)
          .hasValueSatisfying(h -> assertThat(h).startsWith("Bearer realm=\"Samverkan\""));
      assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).as(authorization)
          .contains(root() + "/oauth2/token")
          .contains(root() + "/.well-known/smart-configuration");
    }
  }

  @Test
  void anExpiredTokenIsRefused() {
    String expired = tokens.token("vc", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", READ_WRITE,
        security().devIssuer().issuer(), Instant.now().minus(Duration.ofHours(2)), Duration.ofMinutes(30));
    assertUnauthorized(expired);
  }

  @Test
  void aTokenFromAnotherIssuerIsRefused() {
    String foreign = tokens.token("vc", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", READ_WRITE,
        "https://issuer.example.org", Instant.now(), Duration.ofMinutes(30));
    assertUnauthorized(foreign);
  }

  @Test
  void aTokenSignedWithAnotherKeyIsRefused() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey((RSAPrivateKey) pair.getPrivate())
        .keyID("forger").build();
    String forged = new TestTokens(new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key))), security().devIssuer().issuer())
        .token("vc", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", READ_WRITE);
    assertUnauthorized(forged);
  }

  @Test
  void anUnsignedTokenIsRefused() {
    // The valid suite token's claims, re-sent with "alg": "none" and no signature.
    String payload = token.split("\\.")[1];
    String header = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    assertUnauthorized(header + "." + payload + ".");
  }

  @Test
  void aTamperedTokenIsRefused() {
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace(TestTokens.REGION, "SE2120000829-SV1080");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertUnauthorized(tampered);
    assertUnauthorized("not-a-jwt");
  }

  @Test
  void aValidTokenWithoutTheNeededScopeIsRefusedWith403() {
    String patientsOnly = tokens.token("reader", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system",
        "system/Patient.read");

    assertThat(get("/Patient?_count=1", "Authorization", "Bearer " + patientsOnly).statusCode()).isEqualTo(200);
    HttpResponse<String> observations = get("/Observation?_count=1", "Authorization", "Bearer " + patientsOnly);
    assertThat(observations.statusCode()).isEqualTo(403);
    assertThat(outcome(observations).getIssueFirstRep().getDiagnostics()).contains("scopes do not allow");
    HttpResponse<String> write = send("POST", "/Patient", json(se.samverkan.support.TestPeople.patient()),
        "Authorization", "Bearer " + patientsOnly);
    assertThat(write.statusCode()).isEqualTo(403);
  }

  @Test
  void smartV2ScopesAreUnderstood() {
    String searchOnly = tokens.token("reader", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system",
        "system/Observation.rs");
    assertThat(get("/Observation?_count=1", "Authorization", "Bearer " + searchOnly).statusCode()).isEqualTo(200);
    assertThat(get("/Patient?_count=1", "Authorization", "Bearer " + searchOnly).statusCode()).isEqualTo(403);
  }

  @Test
  void noScopeMayWriteTheAuditLogAndOnlyLogReviewersReadIt() {
    String audit = "{\"resourceType\":\"AuditEvent\",\"type\":{\"code\":\"rest\"},\"recorded\":\"2026-11-24T10:00:00Z\","
        + "\"agent\":[{\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"x\"}}}";
    assertThat(send("POST", "/AuditEvent", audit).statusCode()).isEqualTo(403);
    assertThat(get("/AuditEvent?_count=1").statusCode()).isEqualTo(403);

    String reviewer = tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
    assertThat(get("/AuditEvent?_count=1", "Authorization", "Bearer " + reviewer).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/AuditEvent", audit, "Authorization", "Bearer " + reviewer).statusCode()).isEqualTo(403);
  }

  @Test
  void serverWideDefinitionsNeedAScopeNamingTheirType() {
    String journalSystem = tokens.token("vc", TestTokens.HOSPITAL, TestTokens.REGION, "journal-system", READ_WRITE);
    String searchParameter = "{\"resourceType\":\"SearchParameter\",\"url\":\"https://samverkan.se/fhir/SearchParameter/x-test\","
        + "\"name\":\"x\",\"status\":\"draft\",\"description\":\"x\",\"code\":\"x-test\",\"base\":[\"Patient\"],"
        + "\"type\":\"token\",\"expression\":\"Patient.gender\"}";
    HttpResponse<String> refused = send("POST", "/SearchParameter", searchParameter, "Authorization", "Bearer " + journalSystem);
    assertThat(refused.statusCode()).isEqualTo(403);
  }

  @Test
  void whatDescribesTheServerIsPublic() throws Exception {
    assertThat(get("/metadata", "Authorization", "").statusCode()).isEqualTo(200);
    assertThat(send("GET", root() + "/actuator/health/readiness", null, "Authorization", "").statusCode()).isEqualTo(200);

    for (String path : new String[] {root() + "/.well-known/smart-configuration", "/.well-known/smart-configuration"}) {
      HttpResponse<String> smart = send("GET", path, null, "Authorization", "");
      assertThat(smart.statusCode()).as(path).isEqualTo(200);
      JsonNode doc = JSON.readTree(smart.body());
      assertThat(doc.path("token_endpoint").asText()).isEqualTo(root() + "/oauth2/token");
      assertThat(doc.path("grant_types_supported").toString()).contains("client_credentials");
      assertThat(doc.path("issuer").asText()).isEqualTo(security().devIssuer().issuer());
    }
  }

  @Test
  void aDevelopmentClientGetsATokenWithItsOrganizationByClientCredentials() throws Exception {
    HttpResponse<String> response = tokenRequest("vc-ronneby", "dev-only");
    assertThat(response.statusCode()).isEqualTo(200);
    String accessToken = JSON.readTree(response.body()).path("access_token").asText();
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));

    assertThat(claims.path("sub").asText()).isEqualTo("vc-ronneby");
    assertThat(claims.path("unit").asText()).isEqualTo("SE2321000081-SV2081");
    assertThat(claims.path("care_provider").asText()).isEqualTo(TestTokens.REGION);
    assertThat(claims.path("scope").toString()).contains("system/*.read", "system/*.write");
    assertThat(get("/Patient?_count=1", "Authorization", "Bearer " + accessToken).statusCode()).isEqualTo(200);

    assertThat(tokenRequest("vc-ronneby", "wrong").statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> tokenRequest(String client, String secret) {
    String basic = Base64.getEncoder().encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return send("POST", root() + "/oauth2/token", "grant_type=client_credentials",
        "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic " + basic);
  }

  private void assertUnauthorized(String badToken) {
    HttpResponse<String> response = get("/Patient?_count=1", "Authorization", "Bearer " + badToken);
    assertThat(response.statusCode()).as("token %s", badToken.length() > 20 ? badToken.substring(0, 20) + "…" : badToken)
        .isEqualTo(401);
    assertThat(outcome(response).getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.LOGIN);
  }

  private String root() {
    return URI.create(baseUrl()).resolve("/").toString().replaceAll("/$", "");
  }
}
