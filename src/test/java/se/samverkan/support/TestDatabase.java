package se.samverkan.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Which database the server tests run on: embedded H2 (in memory) by default, PostgreSQL when the
 * build sets {@code samverkan.test.database=postgres} (the second Surefire execution does).
 *
 * <p>On PostgreSQL a fresh database is created once per test JVM, so every run also exercises
 * the schema migration from empty. An unreachable PostgreSQL fails the run under {@code CI=true}
 * or {@code SAMVERKAN_TEST_POSTGRES_REQUIRED=true} (.ci/run sets it); elsewhere the PostgreSQL
 * run is skipped with a message saying how to get one.
 */
public final class TestDatabase implements ExecutionCondition {

  public static final boolean POSTGRES =
      "postgres".equalsIgnoreCase(System.getProperty("samverkan.test.database", "h2"));

  /** Server and credentials for the throwaway test database; .ci/run may point these elsewhere. */
  static final String PG_SERVER =
      env("SAMVERKAN_TEST_PG_SERVER", "jdbc:postgresql://127.0.0.1:5432/");
  static final String PG_USER = env("SAMVERKAN_TEST_PG_USER", "postgres");
  static final String PG_PASSWORD = env("SAMVERKAN_TEST_PG_PASSWORD", "");
  static final String PG_DATABASE = "samverkan_test";

  private static Boolean postgresReady;
  private static String postgresProblem;

  public static void register(DynamicPropertyRegistry registry) {
    if (POSTGRES) {
      registry.add("spring.datasource.url", () -> PG_SERVER + PG_DATABASE);
      registry.add("spring.datasource.username", () -> PG_USER);
      registry.add("spring.datasource.password", () -> PG_PASSWORD);
    } else {
      registry.add("spring.datasource.url", () -> "jdbc:h2:mem:samverkan-test;DB_CLOSE_DELAY=-1");
    }
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (!POSTGRES) {
      return ConditionEvaluationResult.enabled("embedded H2");
    }
    if (!recreatePostgresDatabase()) {
      String message =
          "PostgreSQL is not reachable at " + PG_SERVER + " as " + PG_USER + " (" + postgresProblem
              + "). Run .ci/run, which starts one, or set SAMVERKAN_TEST_PG_SERVER/_USER/_PASSWORD.";
      if (postgresRequired()) {
        throw new IllegalStateException(message);
      }
      System.err.println("SKIPPED on PostgreSQL: " + message);
      return ConditionEvaluationResult.disabled(message);
    }
    return ConditionEvaluationResult.enabled("PostgreSQL at " + PG_SERVER);
  }

  private static synchronized boolean recreatePostgresDatabase() {
    if (postgresReady == null) {
      try (Connection connection =
              DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, PG_PASSWORD);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP DATABASE IF EXISTS " + PG_DATABASE + " WITH (FORCE)");
        statement.execute("CREATE DATABASE " + PG_DATABASE);
        postgresReady = true;
      } catch (SQLException e) {
        postgresProblem = e.getMessage();
        postgresReady = false;
      }
    }
    return postgresReady;
  }

  private static boolean postgresRequired() {
    return "true".equalsIgnoreCase(System.getenv("CI"))
        || "true".equalsIgnoreCase(System.getenv("SAMVERKAN_TEST_POSTGRES_REQUIRED"));
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
