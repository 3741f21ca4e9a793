package se.samverkan.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import se.samverkan.SamverkanApplication;
import se.samverkan.journey.ExampleLoader;

/**
 * A Samverkan of its own on an embedded H2 file, for tests that stop and start the server (the
 * shared test context cannot be restarted).
 */
public final class StandaloneServer {

  private StandaloneServer() {}

  public static ConfigurableApplicationContext start(Path dbFile, String... arguments) {
    return run("--samverkan.storage.h2-file=" + dbFile, arguments);
  }

  /** One of several servers on a PostgreSQL database they share. */
  public static ConfigurableApplicationContext startReplica(String jdbcUrl, String... arguments) {
    return run("--spring.datasource.url=" + jdbcUrl, arguments, "--spring.datasource.username=" + TestDatabase.postgresUser(),
        "--spring.datasource.password=" + TestDatabase.postgresPassword());
  }

  private static ConfigurableApplicationContext run(String database, String[] arguments, String... more) {
    // As in FhirServerTest: receivers on loopback at a port the system picks, and no forwarded headers.
    List<String> args = new ArrayList<>(List.of("--server.port=0", database,
        "--samverkan.notify.allowed-endpoints=http://127.0.0.1:10000-65535", "--server.forward-headers-strategy=none"));
    args.addAll(List.of(more));
    args.addAll(List.of(arguments));
    return new SpringApplicationBuilder(SamverkanApplication.class).run(args.toArray(String[]::new));
  }

  /** A token for a development client, from this server's issuer. */
  public static String token(ConfigurableApplicationContext context, String clientId) {
    int port = ((ServletWebServerApplicationContext) context).getWebServer().getPort();
    return ExampleLoader.clientCredentials(URI.create("http://localhost:" + port + "/oauth2/token"), clientId, "dev-only")
        .get();
  }

  public static String baseUrl(ConfigurableApplicationContext context) {
    int port = ((ServletWebServerApplicationContext) context).getWebServer().getPort();
    return "http://localhost:" + port + "/fhir";
  }

  /** A client of the development issuer's region-blekinge, with a token from this very server. */
  public static IGenericClient client(ConfigurableApplicationContext context) {
    FhirContext fhir = context.getBean(FhirContext.class);
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    IGenericClient client = fhir.newRestfulGenericClient(baseUrl(context));
    // Each start signs with a new development key: a token from this very server.
    client.registerInterceptor(new BearerTokenAuthInterceptor(token(context, "region-blekinge")));
    return client;
  }
}
