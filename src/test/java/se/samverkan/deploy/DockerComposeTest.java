package se.samverkan.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs on our build machines, so docker-compose.yml is kept correct by this
 * test: the server's settings must be keys that application-postgres.yaml reads, must point at
 * the compose database with its credentials, and the data must sit in a named volume.
 */
class DockerComposeTest {

  private static Map<String, Object> services;
  private static Map<String, Object> server;
  private static Map<String, Object> db;
  private static Map<String, String> serverEnv;
  private static String postgresProfile;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void readComposeFile() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    services = (Map<String, Object>) compose.get("services");
    server = (Map<String, Object>) services.get("server");
    db = (Map<String, Object>) services.get("db");
    serverEnv = (Map<String, String>) server.get("environment");
    postgresProfile = Files.readString(Path.of("src/main/resources/application-postgres.yaml"));
  }

  @Test
  void theServerRunsThePostgresProfileWithKeysThatProfileReads() {
    assertThat(serverEnv).containsEntry("SPRING_PROFILES_ACTIVE", "postgres");
    assertThat(serverEnv.keySet()).filteredOn(key -> key.startsWith("SAMVERKAN_DB_"))
        .isNotEmpty()
        .allSatisfy(key -> assertThat(postgresProfile).contains("${" + key + ":"));
    Matcher placeholders = Pattern.compile("\\$\\{(SAMVERKAN_[A-Z_]+):").matcher(postgresProfile);
    while (placeholders.find()) {
      assertThat(serverEnv).containsKey(placeholders.group(1));
    }
  }

  /**
   * The other settings are keys of README's configuration table, in the environment-variable form
   * Spring Boot binds (dots and dashes as underscores, upper case).
   */
  @Test
  void everyOtherSettingIsAKeyTheReadmeDocuments() throws IOException {
    Matcher keys = Pattern.compile("(?m)^\\| `(samverkan\\.[a-z0-9.-]+)`").matcher(Files.readString(Path.of("README.md")));
    java.util.Set<String> documented = new java.util.HashSet<>();
    while (keys.find()) {
      documented.add(keys.group(1).toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    assertThat(serverEnv.keySet()).filteredOn(key -> key.startsWith("SAMVERKAN_") && !key.startsWith("SAMVERKAN_DB_"))
        .isNotEmpty()
        .allSatisfy(key -> assertThat(documented).contains(key));
  }

  /**
   * Two replicas behind the balancer, configured alike (docs/reliability.md, "Running several
   * replicas"): the same settings and key volume, only the balancer published, and the balancer's
   * configuration naming both.
   */
  @Test
  @SuppressWarnings("unchecked")
  void twoReplicasConfiguredAlikeSitBehindTheBalancer() throws IOException {
    Map<String, Object> replica = (Map<String, Object>) services.get("server-b");
    Map<String, Object> balancer = (Map<String, Object>) services.get("balancer");

    assertThat(replica).isEqualTo(server);
    assertThat(server).doesNotContainKey("ports");
    assertThat(serverEnv).containsKey("SAMVERKAN_SECURITY_DEV_ISSUER_KEY_FILE");
    assertThat((List<String>) server.get("volumes")).anySatisfy(volume ->
        assertThat(serverEnv.get("SAMVERKAN_SECURITY_DEV_ISSUER_KEY_FILE")).startsWith(volume.split(":")[1] + "/"));
    assertThat((List<String>) balancer.get("ports")).containsExactly("8080:8080");
    assertThat(serverEnv.get("SAMVERKAN_FHIR_PUBLIC_BASE_URL")).isEqualTo("http://localhost:8080/fhir");
    Map<String, String> balancerEnv = (Map<String, String>) balancer.get("environment");
    assertThat(balancerEnv).containsEntry("REPLICA_A", "server:8080").containsEntry("REPLICA_B", "server-b:8080");
    assertThat((Map<String, Map<String, String>>) balancer.get("depends_on")).containsOnlyKeys("server", "server-b")
        .allSatisfy((name, condition) -> assertThat(condition).containsEntry("condition", "service_healthy"));
    String config = Files.readString(Path.of("drills/haproxy.cfg"));
    assertThat(config).contains("\"${LB_BIND}\"").contains("\"${REPLICA_A}\" check").contains("\"${REPLICA_B}\" check")
        .contains("option httpchk GET /actuator/health/readiness").contains("balance roundrobin")
        .doesNotContain("forwardfor");
    assertThat(Files.readString(Path.of("Dockerfile"))).as("the key volume is the server user's to write")
        .contains("/opt/samverkan/keys");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theServerPointsAtTheComposeDatabaseWithItsCredentials() {
    Map<String, String> dbEnv = (Map<String, String>) db.get("environment");

    assertThat(serverEnv.get("SAMVERKAN_DB_URL"))
        .isEqualTo("jdbc:postgresql://db:5432/" + dbEnv.get("POSTGRES_DB"));
    assertThat(serverEnv.get("SAMVERKAN_DB_USER")).isEqualTo(dbEnv.get("POSTGRES_USER"));
    assertThat(serverEnv.get("SAMVERKAN_DB_PASSWORD")).isEqualTo(dbEnv.get("POSTGRES_PASSWORD"));
    assertThat((String) db.get("image")).matches("postgres:(1[5-9]|[2-9][0-9]).*");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theServerWaitsForAHealthyDatabaseAndBothHaveHealthChecks() {
    Map<String, Map<String, String>> dependsOn =
        (Map<String, Map<String, String>>) server.get("depends_on");
    assertThat(dependsOn.get("db")).containsEntry("condition", "service_healthy");
    assertThat(db).containsKey("healthcheck");
    assertThat(server.get("healthcheck").toString()).contains("/actuator/health/readiness");
  }

  @Test
  @SuppressWarnings("unchecked")
  void databaseFilesLiveInANamedVolume() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    Map<String, Object> volumes = (Map<String, Object>) compose.get("volumes");
    List<String> dbVolumes = (List<String>) db.get("volumes");

    assertThat(dbVolumes).hasSize(1);
    String[] mount = dbVolumes.get(0).split(":");
    assertThat(volumes).containsKey(mount[0]);
    assertThat(mount[1]).isEqualTo("/var/lib/postgresql/data");
  }

  @Test
  void theServerImageIsAMultiStageBuildOfThisRepository() throws IOException {
    assertThat(server.get("build")).isEqualTo(".");
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    assertThat(Pattern.compile("(?m)^FROM ").matcher(dockerfile).results().count()).isEqualTo(2);
    assertThat(dockerfile).contains(" AS build").contains("COPY --from=build").contains("./mvnw");
  }

  /** As the README says to start it in production, and as bench/run --start prepared measures it. */
  @Test
  void theImageStartsTheExtractedJarWithTheClassDataSharingArchiveItMade() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String lastStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
    assertThat(lastStage).contains("COPY tools/prepare-start /usr/local/bin/prepare-start")
        .containsPattern("RUN prepare-start \\S+ /opt/samverkan/app ")
        .contains("ENTRYPOINT [\"/opt/samverkan/app/start.sh\"]");
    assertThat(Path.of("tools/prepare-start")).isExecutable();
    assertThat(Files.readString(Path.of("README.md")))
        .contains("tools/prepare-start target/samverkan-*.jar /opt/samverkan/app")
        .contains("/opt/samverkan/app/start.sh");
  }
}
