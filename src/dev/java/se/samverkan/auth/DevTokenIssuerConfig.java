package se.samverkan.auth;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A token issuer for developers (Spring Authorization Server), so that the embedded default is
 * secure and still starts with no setup: {@code POST /oauth2/token} with the client-credentials
 * grant gives a token for one of the example organizations (application.yaml lists them). It
 * answers only requests from this machine (and refuses to start where it cannot tell), signs with
 * a key made at start-up (tokens die with the process) unless {@code dev-issuer.key-file} names a
 * file that replicas share (issue 21), and says loudly that it is for development.
 * It is off as soon as an external issuer is configured.
 */
@Configuration
@Conditional(DevTokenIssuerConfig.Enabled.class)
public class DevTokenIssuerConfig {

  private static final Logger log = LoggerFactory.getLogger(DevTokenIssuerConfig.class);
  static final String UNIT = "samverkan.unit";
  static final String CARE_PROVIDER = "samverkan.care-provider";
  static final String ROLE = "samverkan.role";

  public DevTokenIssuerConfig(Environment environment) {
    requireTheConnectionsOwnAddress(environment);
  }

  /**
   * "This machine" is judged by the address of the connection, so the issuer must see that
   * address. Spring Boot replaces it with the one X-Forwarded-For or Forwarded names — a header any
   * caller can write — when {@code server.forward-headers-strategy} is {@code native} (Tomcat's
   * RemoteIpValve: a peer in its internal-proxy ranges, 10/8, 172.16/12, 192.168/16, 127/8 …, may
   * name any client address) or {@code framework} (Spring's ForwardedHeaderFilter: any peer may),
   * and, with the key unset, on a detected cloud platform such as Kubernetes
   * (TomcatWebServerFactoryCustomizer#getOrDeduceUseForwardHeaders, Boot 3.5). A filter cannot
   * undo that reliably, so the issuer does not start there.
   */
  static void requireTheConnectionsOwnAddress(Environment environment) {
    Binder binder = Binder.get(environment);
    ServerProperties.ForwardHeadersStrategy strategy = binder
        .bind("server.forward-headers-strategy", ServerProperties.ForwardHeadersStrategy.class).orElse(null);
    CloudPlatform platform = CloudPlatform.getActive(environment);
    String rewrittenBy;
    if (strategy != null) {
      rewrittenBy = strategy == ServerProperties.ForwardHeadersStrategy.NONE
          ? null : "server.forward-headers-strategy=" + strategy.name().toLowerCase(java.util.Locale.ROOT);
    } else {
      rewrittenBy = platform != null && platform.isUsingForwardHeaders()
          ? "Spring Boot's default on " + platform + " (server.forward-headers-strategy unset)" : null;
    }
    if (rewrittenBy != null) {
      throw new IllegalStateException("The development token issuer answers only requests from this machine, "
          + "judged by the connection's address; with " + rewrittenBy + " that address is taken from the "
          + "X-Forwarded-For or Forwarded header, which any caller can write, so anyone could get a token. "
          + "Configure your token issuer (spring.security.oauth2.resourceserver.jwt.issuer-uri), which switches "
          + "the development issuer off, or, on a developer machine, set server.forward-headers-strategy=none.");
    }
  }

  /** On unless switched off or an external issuer is configured. */
  static final class Enabled implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return isOn(context.getEnvironment());
    }

    static boolean isOn(Environment env) {
      return DevIssuerSwitch.isOn(env); // in main: the server reads it too (TokenEndpoints)
    }
  }

  @Bean
  @Order(1)
  SecurityFilterChain devIssuerSecurity(HttpSecurity http, SecurityProperties properties) throws Exception {
    OAuth2AuthorizationServerConfigurer issuer = OAuth2AuthorizationServerConfigurer.authorizationServer();
    http.securityMatcher(issuer.getEndpointsMatcher())
        .with(issuer, Customizer.withDefaults())
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .csrf(csrf -> csrf.ignoringRequestMatchers(issuer.getEndpointsMatcher()))
        .addFilterBefore(new LoopbackOnly(), SecurityContextHolderFilter.class);
    log.warn("DEVELOPMENT token issuer enabled at /oauth2/token (loopback only, {}, "
        + "clients {}). Not for production: set spring.security.oauth2.resourceserver.jwt.issuer-uri.",
        properties.devIssuer().keyFile().isEmpty() ? "key made at start-up" : "key kept in dev-issuer.key-file",
        properties.devIssuer().clients().stream().map(SecurityProperties.Client::id).toList());
    return http.build();
  }

  @Bean
  RegisteredClientRepository devClients(SecurityProperties properties) {
    SecurityProperties.DevIssuer dev = properties.devIssuer();
    if (dev.clients().isEmpty()) {
      throw new IllegalStateException("samverkan.security.dev-issuer.clients is empty");
    }
    List<RegisteredClient> clients = dev.clients().stream()
        .map(c -> RegisteredClient.withId(c.id())
            .clientId(c.id())
            .clientSecret("{noop}" + dev.secret())
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .scopes(scopes -> scopes.addAll(Arrays.asList(c.scopes().trim().split("\\s+"))))
            .clientSettings(claims(c))
            .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(Duration.ofHours(1)).build())
            .build())
        .toList();
    // Not Spring's InMemoryRegisteredClientRepository: it refuses clients sharing a secret, and
    // one documented development secret for all is the point here.
    Map<String, RegisteredClient> byId = new ConcurrentHashMap<>();
    clients.forEach(c -> byId.put(c.getClientId(), c));
    return new RegisteredClientRepository() {
      @Override
      public void save(RegisteredClient client) {
        byId.put(client.getClientId(), client); // Spring re-saves a client to upgrade its secret's encoding
      }

      @Override
      public RegisteredClient findById(String id) {
        return byId.get(id);
      }

      @Override
      public RegisteredClient findByClientId(String clientId) {
        return byId.get(clientId);
      }
    };
  }

  /** What the client's tokens say about it; a monitoring client names no unit or care provider. */
  private static ClientSettings claims(SecurityProperties.Client client) {
    ClientSettings.Builder settings = ClientSettings.builder();
    for (String[] setting : new String[][] {
        {UNIT, client.unit()}, {CARE_PROVIDER, client.careProvider()}, {ROLE, client.role()}}) {
      if (setting[1] != null && !setting[1].isBlank()) {
        settings.setting(setting[0], setting[1]);
      }
    }
    return settings.build();
  }

  /** The organization claims, and all the client's scopes when the request names none (RFC 6749 §3.3). */
  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> samverkanClaims() {
    return context -> {
      ClientSettings settings = context.getRegisteredClient().getClientSettings();
      for (String[] claim : new String[][] {
          {Caller.UNIT_CLAIM, UNIT}, {Caller.CARE_PROVIDER_CLAIM, CARE_PROVIDER}, {Caller.ROLE_CLAIM, ROLE}}) {
        String value = settings.getSetting(claim[1]);
        if (value != null) {
          context.getClaims().claim(claim[0], value);
        }
      }
      if (context.getAuthorizedScopes().isEmpty()) {
        context.getClaims().claim("scope", context.getRegisteredClient().getScopes());
      }
    };
  }

  @Bean
  AuthorizationServerSettings devIssuerSettings(SecurityProperties properties) {
    return AuthorizationServerSettings.builder().issuer(properties.devIssuer().issuer()).build();
  }

  @Bean
  JWKSource<SecurityContext> devIssuerKeys(SecurityProperties properties) {
    String keyFile = properties.devIssuer().keyFile();
    RSAKey key = keyFile.isEmpty() ? newKey() : SharedKeyFile.readOrMake(Path.of(keyFile), DevTokenIssuerConfig::newKey);
    return new ImmutableJWKSet<>(new JWKSet(key));
  }

  private static RSAKey newKey() {
    KeyPair pair = rsaKeyPair();
    return new RSAKey.Builder((RSAPublicKey) pair.getPublic())
        .privateKey((RSAPrivateKey) pair.getPrivate())
        .keyID(UUID.randomUUID().toString())
        .build();
  }

  @Bean
  JwtEncoder devIssuerEncoder(JWKSource<SecurityContext> keys) {
    return new NimbusJwtEncoder(keys);
  }

  /**
   * Tokens are checked against the issuer's own key, and must name it as their issuer. The decoder
   * holds the public key as a Java key, made once: the authorization server's own decoder
   * (OAuth2AuthorizationServerConfiguration#jwtDecoder) selects from the JWK set per token and
   * turns the whole JWK, private part included, into Java keys every time (issue 20).
   */
  @Bean
  JwtDecoder devIssuerDecoder(JWKSource<SecurityContext> keys, SecurityProperties properties) {
    RSAPublicKey publicKey;
    try {
      publicKey = ((ImmutableJWKSet<SecurityContext>) keys).getJWKSet().getKeys().get(0).toRSAKey().toRSAPublicKey();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException("The development issuer's key is not an RSA key", e);
    }
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey(publicKey).build();
    decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(properties.devIssuer().issuer()));
    return decoder;
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The development issuer serves this machine only: the connection comes from loopback (the
   * address is the connection's own, see {@link #requireTheConnectionsOwnAddress}), and it was
   * not relayed — a request naming another client in a proxy header came through a proxy, and a
   * proxy on this machine would otherwise hand the issuer to whoever it serves.
   */
  static final class LoopbackOnly extends OncePerRequestFilter {
    private static final List<String> PROXY_HEADERS = List.of("Forwarded", "X-Forwarded-For", "X-Real-IP");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      boolean relayed = PROXY_HEADERS.stream().anyMatch(header -> request.getHeader(header) != null);
      if (relayed || !InetAddress.getByName(request.getRemoteAddr()).isLoopbackAddress()) {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"access_denied\",\"error_description\":"
            + "\"The development token issuer answers only on this machine (loopback).\"}");
        return;
      }
      chain.doFilter(request, response);
    }
  }
}
