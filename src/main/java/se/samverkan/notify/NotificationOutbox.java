package se.samverkan.notify;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Notifications waiting to be delivered, in the server's own database (table
 * {@code SV_NOTIFICATION}). A row is written in the same database transaction in which HAPI hands
 * the matched change over (see {@link SubscriptionConfig}), and removed only after the
 * subscriber's endpoint answered 2xx: a notification survives a restart and is delivered at least
 * once. Holds references only, never resource content.
 */
public class NotificationOutbox {

  /** One notification: {@code focus} is the changed resource's {@code Type/id}. */
  public record Pending(long id, String eventId, String subscriptionId, String focus, String operation,
      long createdMillis, int attempts) {}

  private final JdbcTemplate jdbc;
  private final Clock clock;

  /**
   * Uses the table and creates nothing: it is made by the schema step with the rest of the schema
   * (se.samverkan.storage.SchemaMigration), or by the operator when {@code samverkan.storage.schema}
   * is {@code none}. Before issue 19 this constructor created it, whatever that key said.
   */
  public NotificationOutbox(DataSource dataSource, Clock clock) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.clock = clock;
  }

  /** Joins the caller's transaction when there is one (HAPI's hand-over), else commits at once. */
  public void add(String subscriptionId, String focus, String operation) {
    long now = clock.millis();
    jdbc.update("INSERT INTO SV_NOTIFICATION (EVENT_ID, SUBSCRIPTION_ID, FOCUS, OPERATION, CREATED_MILLIS, ATTEMPTS,"
            + " NEXT_ATTEMPT_MILLIS) VALUES (?, ?, ?, ?, ?, 0, ?)",
        UUID.randomUUID().toString(), subscriptionId, focus, operation, now, now);
  }

  /**
   * The subscriptions with a notification due, the one waiting longest first.
   */
  public List<String> dueSubscriptions(int limit) {
    return jdbc.query("SELECT SUBSCRIPTION_ID FROM SV_NOTIFICATION WHERE NEXT_ATTEMPT_MILLIS <= ?"
            + " GROUP BY SUBSCRIPTION_ID ORDER BY MIN(ID)",
        ps -> {
          ps.setLong(1, clock.millis());
          ps.setMaxRows(limit);
        },
        (rs, row) -> rs.getString(1));
  }

  /** One subscription's notifications whose next attempt is due, oldest first. */
  public List<Pending> due(String subscriptionId, int limit) {
    return jdbc.query("SELECT ID, EVENT_ID, SUBSCRIPTION_ID, FOCUS, OPERATION, CREATED_MILLIS, ATTEMPTS"
            + " FROM SV_NOTIFICATION WHERE SUBSCRIPTION_ID = ? AND NEXT_ATTEMPT_MILLIS <= ? ORDER BY ID",
        ps -> {
          ps.setString(1, subscriptionId);
          ps.setLong(2, clock.millis());
          ps.setMaxRows(limit);
        },
        (rs, row) -> new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getLong(6), rs.getInt(7)));
  }

  public void delivered(long id) {
    jdbc.update("DELETE FROM SV_NOTIFICATION WHERE ID = ?", id);
  }

  /**
   * Records a failed attempt and holds back every later notification of the same subscription
   * until the next attempt, so a subscriber receives its notifications in order.
   */
  public void failed(Pending pending, String error, Duration wait) {
    long next = clock.millis() + wait.toMillis();
    jdbc.update("UPDATE SV_NOTIFICATION SET ATTEMPTS = ATTEMPTS + 1, NEXT_ATTEMPT_MILLIS = ?, LAST_ERROR = ? WHERE ID = ?",
        next, truncate(error), pending.id());
    jdbc.update("UPDATE SV_NOTIFICATION SET NEXT_ATTEMPT_MILLIS = ? WHERE SUBSCRIPTION_ID = ? AND ID > ?"
        + " AND NEXT_ATTEMPT_MILLIS < ?", next, pending.subscriptionId(), pending.id(), next);
  }

  /** A deleted or switched-off subscription takes its undelivered notifications with it. */
  public int discard(String subscriptionId) {
    return jdbc.update("DELETE FROM SV_NOTIFICATION WHERE SUBSCRIPTION_ID = ?", subscriptionId);
  }

  /** How many notifications of a subscription are still undelivered. */
  public int pending(String subscriptionId) {
    Integer count = jdbc.queryForObject(
        "SELECT COUNT(*) FROM SV_NOTIFICATION WHERE SUBSCRIPTION_ID = ?", Integer.class, subscriptionId);
    return count == null ? 0 : count;
  }

  private static String truncate(String error) {
    return error == null || error.length() <= 500 ? error : error.substring(0, 500);
  }
}
