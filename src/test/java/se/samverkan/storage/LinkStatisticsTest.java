package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestDatabase;

/**
 * The server's schema step leaves HAPI's link table planning chained searches quickly on
 * PostgreSQL (SchemaMigration#POSTGRES_LINK_STATISTICS, docs/performance.md step 16): its source
 * column has PostgreSQL's default statistics target, while HAPI's target for the link's target
 * column stands. On H2, which keeps no such statistics, the task is recorded as applied.
 */
class LinkStatisticsTest extends FhirServerTest {

  @Autowired private DataSource dataSource;

  @Test
  void theLinkTablesSourceColumnHasTheDefaultStatisticsTargetAndItsTargetColumnKeepsHapis() {
    assertThat(SchemaMigrationTest.appliedOwnTasks(dataSource)).contains("1.20261207.1");
    if (TestDatabase.POSTGRES) {
      JdbcTemplate jdbc = new JdbcTemplate(dataSource);
      assertThat(statisticsTarget(jdbc, "src_resource_id")).as("source column: PostgreSQL's default").isEqualTo(-1);
      assertThat(statisticsTarget(jdbc, "target_resource_id")).as("target column: HAPI's").isEqualTo(10_000);
    }
  }

  /** -1 is "the default" (PostgreSQL 17 stores it as NULL). */
  private static int statisticsTarget(JdbcTemplate jdbc, String column) {
    return jdbc.queryForObject("SELECT COALESCE(attstattarget, -1) FROM pg_attribute"
        + " WHERE attrelid = 'hfj_res_link'::regclass AND attname = ?", Integer.class, column);
  }
}
