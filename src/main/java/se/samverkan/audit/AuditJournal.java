package se.samverkan.audit;

import java.sql.PreparedStatement;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;

/**
 * The audit log's capture side: one row a request in {@code SV_AUDIT_JOURNAL} (made by
 * se.samverkan.storage.SchemaMigration), holding the request's AuditEvent as JSON. A row is
 * inserted and committed before the request's answer is sent, so an answer a client has received
 * is in the database, whatever happens to the process next; {@link AuditLogStorer} turns rows into
 * stored AuditEvents and removes each in the same transaction, normally moments later on the
 * request's own thread.
 */
public class AuditJournal {

  /** A row not yet stored as an AuditEvent. */
  public record Entry(long id, String event) {}

  /** A row that failed this often is left in the journal for the operator (see {@link AuditLogStorer}). */
  static final int MAX_ATTEMPTS = 5;

  private final JdbcTemplate jdbc;

  /** Uses the table and creates nothing (the schema step, or the operator, makes it). */
  public AuditJournal(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
  }

  /** Commits at once (no request transaction is open when the answer is about to be sent). */
  long append(String event, long recordedMillis) {
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.update(connection -> {
      PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO SV_AUDIT_JOURNAL (RECORDED_MILLIS, ATTEMPTS, EVENT) VALUES (?, 0, ?)", new String[] {"id"}); // lower case: PostgreSQL quotes it, H2 matches either
      insert.setLong(1, recordedMillis);
      insert.setString(2, event);
      return insert;
    }, key);
    return key.getKey().longValue();
  }

  /**
   * The oldest rows still to be stored, locked for the caller's transaction; rows another
   * transaction holds (another storer, another replica) are skipped, not waited for.
   */
  List<Entry> take(int limit) {
    return jdbc.query("SELECT ID, EVENT FROM SV_AUDIT_JOURNAL WHERE ATTEMPTS < " + MAX_ATTEMPTS
            + " ORDER BY ID FETCH FIRST " + limit + " ROWS ONLY FOR UPDATE SKIP LOCKED",
        (rs, row) -> new Entry(rs.getLong(1), rs.getString(2)));
  }

  /** The row, locked for the caller's transaction; none if it is gone or another transaction holds it. */
  List<Entry> takeRow(long id) {
    return jdbc.query("SELECT ID, EVENT FROM SV_AUDIT_JOURNAL WHERE ID = ? FOR UPDATE SKIP LOCKED",
        (rs, row) -> new Entry(rs.getLong(1), rs.getString(2)), id);
  }

  /** Removes rows once their AuditEvents are stored (in the storing transaction). */
  void remove(List<Long> ids) {
    jdbc.batchUpdate("DELETE FROM SV_AUDIT_JOURNAL WHERE ID = ?", ids, ids.size(), (ps, id) -> ps.setLong(1, id));
  }

  void failed(long id) {
    jdbc.update("UPDATE SV_AUDIT_JOURNAL SET ATTEMPTS = ATTEMPTS + 1 WHERE ID = ?", id);
  }

  /** The newest row's id, 0 when the journal is empty. */
  long newest() {
    Long newest = jdbc.queryForObject("SELECT MAX(ID) FROM SV_AUDIT_JOURNAL", Long.class);
    return newest == null ? 0 : newest;
  }

  /** Rows up to {@code id} still to be stored (not counting those given up on). */
  int waitingUpTo(long id) {
    Integer count = jdbc.queryForObject(
        "SELECT COUNT(*) FROM SV_AUDIT_JOURNAL WHERE ID <= ? AND ATTEMPTS < " + MAX_ATTEMPTS, Integer.class, id);
    return count == null ? 0 : count;
  }

  /** Rows the storer gave up on: they stay here, the audit record of their requests. */
  public int givenUp() {
    Integer count = jdbc.queryForObject(
        "SELECT COUNT(*) FROM SV_AUDIT_JOURNAL WHERE ATTEMPTS >= " + MAX_ATTEMPTS, Integer.class);
    return count == null ? 0 : count;
  }

  /** Every row still in the journal. */
  public int size() {
    Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM SV_AUDIT_JOURNAL", Integer.class);
    return count == null ? 0 : count;
  }
}
