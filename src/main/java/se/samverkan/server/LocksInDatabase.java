package se.samverkan.server;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import com.google.common.hash.Hashing;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * Locks across every server on one PostgreSQL database: PostgreSQL advisory locks, keyed by a
 * 64-bit hash of a name. They serve the {@link LocksAcrossServers} of every feature (issue 21) and,
 * first, the locks of {@link ConditionalWriteInterceptor}: one advisory lock for each condition,
 * held by a database session of its own until the request has committed. Two servers behind a load balancer
 * then run requests with the same condition one after another, as one server runs them with its
 * in-process locks (which stay, in front of these: a server's own requests wait in memory, not on
 * the database).
 *
 * <p>Why a session of its own, from a pool of its own: the lock must be held from before the
 * condition is searched until after the write commits, and HAPI opens and commits that
 * transaction inside the request, where no hook runs before the search (a transaction-scoped lock
 * would come too late). A session lock needs its connection for as long as it is held; taken from
 * HAPI's pool, requests waiting for a lock could hold every connection while the one holding the
 * lock waits for a connection to write with. This pool is small, and waiting for it is waiting for
 * a lock.
 *
 * <p>Why no deadlock: a request takes its keys in ascending order, after all its in-process locks;
 * a hash shared by two conditions only makes them wait for each other. A server that dies loses its
 * sessions, and PostgreSQL releases their locks. A connection that cannot be cleaned is closed, never
 * handed back with a lock held.
 */
public final class LocksInDatabase implements LocksAcrossServers, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocksInDatabase.class);

  /** Sessions for locks; more requests than this with conditions at once wait for one. */
  static final int SESSIONS = 8;

  private final HikariDataSource sessions;
  /** HAPI's database, whose transactions {@link #untilTransactionEnds} joins. */
  private final JdbcTemplate transactional;

  /**
   * @param transactional the server's own DataSource: a lock until the transaction ends is taken
   *     on the connection of the transaction running (JpaTransactionManager exposes it)
   */
  public LocksInDatabase(String url, String user, String password, DataSource transactional) {
    this.transactional = new JdbcTemplate(transactional);
    HikariConfig config = new HikariConfig();
    config.setPoolName("samverkan-locks");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(SESSIONS);
    config.setMinimumIdle(0);
    config.setAutoCommit(true);
    config.setInitializationFailTimeout(-1); // the database may come later; HAPI's pool says so first
    this.sessions = new HikariDataSource(config);
  }

  /** The locks of one request: released when closed. */
  public final class Held implements AutoCloseable {
    private final Connection session;

    private Held(Connection session) {
      this.session = session;
    }

    @Override
    public void close() {
      try (Statement release = session.createStatement()) {
        release.execute("SELECT pg_advisory_unlock_all()");
        release.execute("RESET lock_timeout");
        session.close();
      } catch (SQLException e) {
        discard(session, e);
      }
    }
  }

  /**
   * Takes every condition's lock, waiting at most {@code waitSeconds} for each (0: as long as it
   * takes); a condition still held by another request after that is refused with 409, as a busy
   * in-process lock is.
   */
  public Held lock(Collection<String> conditions, long waitSeconds) {
    long[] keys = conditions.stream().mapToLong(LocksInDatabase::key).distinct().sorted().toArray();
    Connection session;
    try {
      session = sessions.getConnection();
    } catch (SQLException e) {
      throw busy();
    }
    try (Statement timeout = session.createStatement();
        PreparedStatement take = session.prepareStatement("SELECT pg_advisory_lock(?)")) {
      // 0 waits as long as it takes (PostgreSQL's lock_timeout = 0).
      timeout.execute("SET lock_timeout = '" + Math.max(0, waitSeconds) + "s'");
      for (long key : keys) {
        take.setLong(1, key);
        take.execute();
      }
      return new Held(session);
    } catch (SQLException e) {
      discard(session, e); // closes the session: PostgreSQL drops whatever it had taken
      throw busy();
    }
  }

  @Override
  public void alone(String name, Runnable work) {
    Held held;
    try {
      held = lock(List.of(name), 0);
    } catch (ResourceVersionConflictException e) {
      // Only a session that could not be had or failed: the wait itself has no limit.
      throw new IllegalStateException("The lock '" + name + "' could not be taken in the database", e);
    }
    try (held) {
      work.run();
    }
  }

  @Override
  public boolean ifFree(String name, Runnable work) {
    Connection session;
    try {
      session = sessions.getConnection();
    } catch (SQLException e) {
      return false; // the database is away: nobody does the work now, the next turn will
    }
    boolean taken;
    try (PreparedStatement take = session.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      take.setLong(1, key(name));
      try (ResultSet result = take.executeQuery()) {
        taken = result.next() && result.getBoolean(1);
      }
    } catch (SQLException e) {
      discard(session, e);
      return false;
    }
    try (Held held = new Held(session)) {
      if (taken) {
        work.run();
      }
    }
    return taken;
  }

  @Override
  public void untilTransactionEnds(String name) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalStateException("A lock until the transaction ends needs a transaction");
    }
    // pg_advisory_xact_lock returns void, which no JDBC type maps; the count is one row.
    transactional.queryForObject("SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?)) taken", Long.class, key(name));
  }

  /** The name's lock key: any two servers compute the same. */
  static long key(String name) {
    return Hashing.murmur3_128().hashString(name, StandardCharsets.UTF_8).asLong();
  }

  @Override
  public void close() {
    sessions.close();
  }

  private static ResourceVersionConflictException busy() {
    return new ResourceVersionConflictException(Messages.english(Message.CONDITION_BUSY));
  }

  /** Closes the session for good, so that no lock it may hold goes back into the pool. */
  private void discard(Connection session, SQLException cause) {
    log.warn("A condition lock session failed ({}); it is closed, not reused", cause.getSQLState());
    sessions.evictConnection(session);
  }
}
