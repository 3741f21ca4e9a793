package se.samverkan.server.spi;

/**
 * Named locks that every server on one database sees, for what must happen once, or one at a
 * time, however many replicas run (issue 21; docs/reliability.md, "Running several replicas"). On
 * PostgreSQL they are advisory locks, released by PostgreSQL when the server holding them dies; on
 * the embedded H2 database, which serves one server, they are locks in this process. Names are
 * hashed to PostgreSQL's 64-bit keys: two names that share a hash only wait for each other.
 */
public interface LocksAcrossServers {

  /** Runs the work while no other server runs work under this name, waiting for its turn. */
  void alone(String name, Runnable work);

  /**
   * Runs the work if no server holds the name, holding it meanwhile; returns false at once, without
   * running it, if another does.
   */
  boolean ifFree(String name, Runnable work);

  /**
   * Holds the name until the current database transaction ends, waiting first for another
   * holder's transaction to end. Called inside a transaction; what the transaction reads after
   * this call sees what the previous holder committed.
   */
  void untilTransactionEnds(String name);
}
