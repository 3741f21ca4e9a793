package se.samverkan.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Which database the server tests run on: embedded H2 (in memory) by default, PostgreSQL when the
 * build sets {@code samverkan.test.database=postgres} (the second Surefire execution does).
 *
 * <p>On PostgreSQL a fresh database is created once per test JVM, so every run also exercises
 * the schema migration from empty. Its name is unique to the JVM ({@code
 * samverkan_test_<epoch seconds>_<random>}), so two checkouts testing against the same
 * PostgreSQL at once do not drop each other's database; it is dropped again when the JVM exits.
 * Databases of that pattern that earlier runs left behind (killed JVMs) are dropped when they are
 * over an hour old and nobody is connected to them. An unreachable PostgreSQL fails the run under
 * {@code CI=true} or {@code SAMVERKAN_TEST_POSTGRES_REQUIRED=true} (.ci/run sets it); elsewhere
 * the PostgreSQL run is skipped with a message saying how to get one.
 */
public final class TestDatabase implements ExecutionCondition {

  public static final boolean POSTGRES =
      "postgres".equalsIgnoreCase(System.getProperty("samverkan.test.database", "h2"));

  /** Server and credentials for the throwaway test database; .ci/run may point these elsewhere. */
  static final String PG_SERVER =
      env("SAMVERKAN_TEST_PG_SERVER", "jdbc:postgresql://127.0.0.1:5432/");
  static final String PG_USER = env("SAMVERKAN_TEST_PG_USER", "postgres");
  static final String PG_PASSWORD = env("SAMVERKAN_TEST_PG_PASSWORD", "");
  /**
   * This JVM's database. The creation time in the name lets a later run tell a leftover from a
   * database another run has only just created; the random part keeps two runs started in the
   * same second apart. Lower-case letters, digits and underscores only: a plain identifier.
   */
  static final String PG_DATABASE = newName();

  private static String newName() {
    return "samverkan_test_" + (System.currentTimeMillis() / 1000) + "_"
        + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36);
  }

  /** Names this class gives its databases; group 1 is the creation time in epoch seconds. */
  private static final Pattern OURS = Pattern.compile("samverkan_test_(\\d{10})_[0-9a-z]{1,6}");
  /** A database of ours older than this that nobody is connected to is a leftover. */
  private static final Duration LEFTOVER_AGE = Duration.ofHours(1);

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

  /**
   * A PostgreSQL database of its own, for tests that start servers of their own (two replicas),
   * named and dropped as this JVM's database is. Its JDBC URL.
   */
  public static synchronized String newPostgresDatabase() {
    String name = newName();
    try (Connection connection = DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, PG_PASSWORD);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create a PostgreSQL database at " + PG_SERVER + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> drop(name), "drop " + name));
    return PG_SERVER + name;
  }

  public static String postgresUser() {
    return PG_USER;
  }

  public static String postgresPassword() {
    return PG_PASSWORD;
  }

  /**
   * For tests that need PostgreSQL whichever database the suite runs on (servers of their own on
   * a database of their own): fails the run when none is reachable under {@code CI=true}, as the
   * PostgreSQL run does, and is skipped elsewhere with a message saying how to get one.
   */
  public static final class PostgresReachable implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      try (Connection connection = DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, PG_PASSWORD)) {
        return ConditionEvaluationResult.enabled("PostgreSQL at " + PG_SERVER);
      } catch (SQLException e) {
        String message = "PostgreSQL is not reachable at " + PG_SERVER + " as " + PG_USER + " (" + e.getMessage()
            + "). Run .ci/run, which starts one, or set SAMVERKAN_TEST_PG_SERVER/_USER/_PASSWORD.";
        if (postgresRequired()) {
          throw new IllegalStateException(message);
        }
        System.err.println("SKIPPED: " + message);
        return ConditionEvaluationResult.disabled(message);
      }
    }
  }

  private static synchronized boolean recreatePostgresDatabase() {
    if (postgresReady == null) {
      try (Connection connection =
              DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, PG_PASSWORD);
          Statement statement = connection.createStatement()) {
        dropLeftovers(statement);
        statement.execute("CREATE DATABASE " + PG_DATABASE);
        Runtime.getRuntime()
            .addShutdownHook(new Thread(TestDatabase::dropOwnDatabase, "drop " + PG_DATABASE));
        postgresReady = true;
      } catch (SQLException e) {
        postgresProblem = e.getMessage();
        postgresReady = false;
      }
    }
    return postgresReady;
  }

  /**
   * Drops databases earlier runs left behind (a JVM that was killed runs no shutdown hook). Only
   * names of our pattern older than {@link #LEFTOVER_AGE}, and only with a plain DROP, which
   * PostgreSQL refuses while anyone is connected, so a run still going is never touched. Never
   * fails the run: this is housekeeping.
   */
  private static void dropLeftovers(Statement statement) {
    List<String> leftovers = new ArrayList<>();
    long cutoff = Instant.now().minus(LEFTOVER_AGE).getEpochSecond();
    try (ResultSet names = statement.executeQuery(
        "SELECT datname FROM pg_database WHERE datname LIKE 'samverkan\\_test\\_%'")) {
      while (names.next()) {
        Matcher ours = OURS.matcher(names.getString(1));
        if (ours.matches() && Long.parseLong(ours.group(1)) < cutoff) {
          leftovers.add(ours.group());
        }
      }
    } catch (SQLException e) {
      return;
    }
    for (String leftover : leftovers) {
      try {
        statement.execute("DROP DATABASE IF EXISTS " + leftover);
      } catch (SQLException inUseOrNotOurs) {
        // Someone is still connected, or another role owns it: leave it alone.
      }
    }
  }

  /**
   * The shutdown hook: drops this JVM's database. JVM shutdown hooks run concurrently, so the
   * Spring test context may still be closing its connection pool. A plain DROP first (PostgreSQL
   * waits up to five seconds for other sessions to leave before it refuses); only then WITH
   * (FORCE), which ends any connection left. Failure is ignored: a later run drops the leftover.
   */
  private static void dropOwnDatabase() {
    drop(PG_DATABASE);
  }

  private static void drop(String database) {
    try (Connection connection =
            DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, PG_PASSWORD);
        Statement statement = connection.createStatement()) {
      try {
        statement.execute("DROP DATABASE IF EXISTS " + database);
      } catch (SQLException stillConnected) {
        statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      // Best effort only; see dropLeftovers.
    }
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
