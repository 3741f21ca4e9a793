package se.samverkan.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.BadSqlGrammarException;

/**
 * The outbox uses its table and makes none: with {@code samverkan.storage.schema=none} the schema
 * is the operator's, and before issue 19 the outbox created {@code SV_NOTIFICATION} regardless.
 */
class NotificationOutboxTest {

  @Test
  void theOutboxCreatesNoTableInAnEmptyDatabase() throws Exception {
    JdbcDataSource empty = new JdbcDataSource();
    empty.setURL("jdbc:h2:mem:outbox-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    empty.setUser("sa");

    NotificationOutbox outbox = new NotificationOutbox(empty, Clock.systemUTC());

    try (Connection connection = empty.getConnection();
        ResultSet tables = connection.getMetaData().getTables(null, "PUBLIC", "%", new String[] {"TABLE"})) {
      assertThat(tables.next()).as("a table in the empty database").isFalse();
    }
    assertThatThrownBy(() -> outbox.pending("1")).isInstanceOf(BadSqlGrammarException.class)
        .hasMessageContaining("SV_NOTIFICATION");
  }
}
