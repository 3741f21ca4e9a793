package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The schema step makes Samverkan's own tables, the notification outbox and the audit log, with HAPI's: after a
 * migrate start it is there, also in a database whose outbox the server once made itself; with
 * {@code samverkan.storage.schema=none} a missing one stops the start with a message an operator
 * can act on. On a fresh embedded H2 each (the server tests cover PostgreSQL, on a fresh database
 * per run, and the outbox in use).
 */
class SchemaMigrationTest {

  @Test
  void aMigrateStartCreatesTheOutboxBesideHapisTables() {
    DataSource db = freshDatabase();

    SchemaMigration.run(db);

    assertThat(SchemaMigration.tableExists(db, "HFJ_RESOURCE")).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.NOTIFICATION_TABLE)).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.AUDIT_LOG_TABLE)).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.AUDIT_LOG_KEY_TABLE)).isTrue();
    JdbcTemplate jdbc = new JdbcTemplate(db);
    jdbc.update("INSERT INTO SV_NOTIFICATION (EVENT_ID, SUBSCRIPTION_ID, FOCUS, OPERATION, CREATED_MILLIS, ATTEMPTS,"
        + " NEXT_ATTEMPT_MILLIS) VALUES ('e', '1', 'Goal/1', 'create', 0, 0, 0)");
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM SV_NOTIFICATION", Integer.class)).isEqualTo(1);
  }

  @Test
  void theOwnTasksRunOnceAndAreRecordedInTheirOwnMigrationTable() {
    DataSource db = freshDatabase();

    assertThat(SchemaMigration.migrateOwnTables(db, DriverTypeEnum.H2_EMBEDDED).succeededTasks).hasSize(SchemaMigration.ownTasks().size());
    assertThat(SchemaMigration.migrateOwnTables(db, DriverTypeEnum.H2_EMBEDDED).succeededTasks).isEmpty();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.OWN_MIGRATION_TABLE)).isTrue();
  }

  @Test
  void anOutboxTheServerOnceMadeItselfMigratesWithoutError() {
    DataSource db = freshDatabase();
    JdbcTemplate jdbc = new JdbcTemplate(db);
    SchemaMigration.NOTIFICATION_TABLE_DDL.forEach(jdbc::execute);
    jdbc.update("INSERT INTO SV_NOTIFICATION (EVENT_ID, SUBSCRIPTION_ID, FOCUS, OPERATION, CREATED_MILLIS, ATTEMPTS,"
        + " NEXT_ATTEMPT_MILLIS) VALUES ('e', '1', 'Goal/1', 'create', 0, 0, 0)");

    assertThat(SchemaMigration.migrateOwnTables(db, DriverTypeEnum.H2_EMBEDDED).succeededTasks).hasSize(SchemaMigration.ownTasks().size());
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM SV_NOTIFICATION", Integer.class))
        .as("the waiting notification is kept").isEqualTo(1);
  }

  @Test
  void withSchemaNoneAMissingOutboxStopsTheStartNamingTheTableAndTheKey() {
    DataSource db = freshDatabase();

    assertThatThrownBy(() -> SchemaMigration.requireOwnTables(db))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SV_NOTIFICATION")
        .hasMessageContaining("samverkan.storage.schema=none")
        .hasMessageContaining("README.md");
  }

  @Test
  void withSchemaNoneAnOutboxTheOperatorMadeFromTheReadmeIsEnough() throws IOException {
    DataSource db = freshDatabase();
    JdbcTemplate jdbc = new JdbcTemplate(db);
    for (String statement : readmeStatements().split(";")) {
      if (!statement.isBlank()) {
        jdbc.execute(statement);
      }
    }

    SchemaMigration.requireOwnTables(db);
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.NOTIFICATION_TABLE)).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.AUDIT_LOG_TABLE)).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.SEARCH_OWNER_TABLE)).isTrue();
    assertThat(SchemaMigration.tableExists(db, SchemaMigration.AUDIT_JOURNAL_TABLE))
        .as("the earlier versions' journal is only read if it is there").isFalse();
  }

  @Test
  void withSchemaNoneAMissingAuditLogStopsTheStartToo() {
    DataSource db = freshDatabase();
    SchemaMigration.NOTIFICATION_TABLE_DDL.forEach(new JdbcTemplate(db)::execute);

    assertThatThrownBy(() -> SchemaMigration.requireOwnTables(db))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SV_AUDIT_EVENT")
        .hasMessageContaining("audit log");
  }

  @Test
  void theReadmeGivesOperatorsTheStatementsTheSchemaStepRuns() throws IOException {
    String readme = oneLine(readmeStatements());
    assertThat(java.util.stream.Stream.of(SchemaMigration.NOTIFICATION_TABLE_DDL,
            SchemaMigration.NOTIFICATION_QUEUE_INDEX_DDL, SchemaMigration.AUDIT_LOG_TABLE_DDL,
            SchemaMigration.SEARCH_OWNER_TABLE_DDL).flatMap(List::stream).toList())
        .allSatisfy(statement -> assertThat(readme).contains(oneLine(statement) + ";"));
    String postgresOnly = oneLine(readmeStatements(2));
    assertThat(SchemaMigration.POSTGRES_LINK_STATISTICS)
        .allSatisfy(statement -> assertThat(postgresOnly).contains(oneLine(statement) + ";"));
  }

  @Test
  void onH2ThePostgresqlOnlyStatisticsTaskIsRecordedAsAppliedWithoutFailing() {
    DataSource db = freshDatabase();

    SchemaMigration.migrateOwnTables(db, DriverTypeEnum.H2_EMBEDDED);

    assertThat(appliedOwnTasks(db)).contains("1.20261207.1");
  }

  /** The versions of the own tasks applied, as HAPI's migrator records them (quoted names). */
  static java.util.List<String> appliedOwnTasks(DataSource db) {
    return new JdbcTemplate(db).queryForList(
        "SELECT \"version\" FROM \"" + SchemaMigration.OWN_MIGRATION_TABLE + "\" WHERE \"success\"", String.class);
  }

  /** The first sql block in README's section on the schema: the tables. */
  private static String readmeStatements() throws IOException {
    return readmeStatements(1);
  }

  /** The n-th sql block in README's section on the schema. */
  private static String readmeStatements(int n) throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String section = readme.substring(readme.indexOf("### How the schema is created and upgraded"));
    int start = -1;
    for (int i = 0; i < n; i++) {
      start = section.indexOf("```sql\n", start + 1);
    }
    start += "```sql\n".length();
    return section.substring(start, section.indexOf("```", start));
  }

  private static String oneLine(String sql) {
    return sql.strip().replaceAll("\\s+", " ").replace("( ", "(").replace(" )", ")");
  }

  private static DataSource freshDatabase() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:schema-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    h2.setUser("sa");
    return h2;
  }
}
