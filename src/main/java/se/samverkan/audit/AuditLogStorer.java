package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.transaction.annotation.Propagation;

/**
 * The audit log's storage side: turns {@link AuditJournal} rows into stored AuditEvents, which log
 * reviewers search and {@code Patient/$access-log} reads, as before. The request that wrote a row
 * stores its AuditEvent itself once its answer is out ({@link #store}, on the request's thread, as
 * the AuditEvent was created before the journal existed); this class's one thread stores, about
 * once a second, whatever rows are left — by a request whose store failed, or by a process that
 * stopped or crashed between answering and storing. A row and its AuditEvent change in one
 * transaction (the row is removed as the event is created) and a row one transaction holds is
 * skipped by the others, so each row becomes exactly one AuditEvent, also when the process dies
 * half-way or several replicas drain one journal.
 *
 * <p>An event whose reference names a resource deleted since (HAPI's referential integrity refuses
 * it) keeps that id as its entity's name instead ({@code AuditEvent?entity-name=Patient/…}). A row
 * that still fails {@value AuditJournal#MAX_ATTEMPTS} times stays in the journal, counted in the
 * log: it is the audit record of its request, not lost, but not searchable until an operator looks.
 *
 * <p>A log reviewer's request first stores every row written before it ({@link #storedUpToNow}):
 * what a reviewer searches includes every request answered before the search.
 *
 * <p>Why not a batch per transaction on this thread alone, off every request's path: measured, a
 * single thread fell 9,160 rows behind in a benchmark's query phases, and requests helping it in
 * batches made the queries slower than one create per request (docs/performance.md, step 11).
 */
public class AuditLogStorer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(AuditLogStorer.class);
  static final int BATCH = 100;
  static final Duration IDLE = Duration.ofSeconds(1);
  static final Duration FRESH_WITHIN = Duration.ofSeconds(10);

  private final AuditJournal journal;
  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  private final FhirContext fhirContext;
  private final Object signal = new Object();
  private boolean woken;
  private volatile boolean running;
  private Thread thread;

  public AuditLogStorer(AuditJournal journal, DaoRegistry daos, IHapiTransactionService transactions,
      FhirContext fhirContext) {
    this.journal = journal;
    this.daos = daos;
    this.transactions = transactions;
    this.fhirContext = fhirContext;
  }

  /**
   * Stores one request's AuditEvent and removes its row, on the request's thread once its answer
   * is out; nothing if another thread has taken the row (it stores it). Failures are left to this
   * class's thread, which tries the row again.
   */
  void store(long id, AuditEvent event) {
    RuntimeException failed = storeTwice(id, event);
    if (failed != null) {
      log.warn("The AuditEvent of journal row {} was not stored at once ({}); it is tried again", id,
          failed.getClass().getSimpleName());
    }
  }

  private void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /**
   * Waits until every row appended so far is stored, or {@link #FRESH_WITHIN} has passed (then
   * the reviewer is answered from what is stored, and the log says how many were not yet).
   */
  public void storedUpToNow() {
    long newest = journal.newest();
    long until = System.nanoTime() + FRESH_WITHIN.toNanos();
    int waiting;
    while ((waiting = journal.waitingUpTo(newest)) > 0) {
      if (System.nanoTime() > until) {
        log.warn("{} audit journal row(s) not yet stored after {} s: a log reviewer is answered without them",
            waiting, FRESH_WITHIN.toSeconds());
        return;
      }
      storeWaiting(); // rows other threads hold are theirs, and stored in a moment
      sleep(Duration.ofMillis(5));
    }
  }

  @Override
  public synchronized void start() {
    running = true;
    thread = new Thread(this::run, "audit-log-storer");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public synchronized void stop() {
    running = false;
    wake();
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void run() {
    int givenUpBefore = 0;
    while (running) {
      try {
        storeWaiting();
        int givenUp = journal.givenUp();
        if (givenUp != givenUpBefore) {
          log.error("{} audit journal row(s) could not be stored as AuditEvents and stay in SV_AUDIT_JOURNAL", givenUp);
          givenUpBefore = givenUp;
        }
      } catch (RuntimeException e) {
        // The database may be away for a moment: the rows are safe in it, the next pass stores them.
        log.warn("Storing the audit journal failed ({}); trying again", e.getClass().getSimpleName());
        sleep(IDLE);
      }
      synchronized (signal) {
        if (!woken && running) {
          try {
            signal.wait(IDLE.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        woken = false;
      }
    }
  }

  /** Stores rows until none is waiting (rows other storers hold are theirs). */
  synchronized void storeWaiting() {
    int stored;
    do {
      stored = storeBatch();
    } while (stored == BATCH);
  }

  private int storeBatch() {
    List<Long> taken = new ArrayList<>();
    try {
      int stored = inTransaction(() -> {
        List<AuditJournal.Entry> rows = journal.take(BATCH);
        rows.forEach(row -> taken.add(row.id()));
        IParser parser = fhirContext.newJsonParser();
        for (AuditJournal.Entry row : rows) {
          dao().create(parser.parseResource(AuditEvent.class, row.event()), new SystemRequestDetails());
        }
        journal.remove(taken);
        return rows.size();
      });
      return stored;
    } catch (RuntimeException batchFailed) {
      if (taken.isEmpty()) {
        throw batchFailed;
      }
      taken.forEach(this::storeAlone);
      return taken.size();
    }
  }

  /** A row of a failed batch, parsed from the journal; failing with names only too, it counts an attempt. */
  private void storeAlone(long id) {
    RuntimeException failed = storeTwice(id, null);
    if (failed != null) {
      // Never the event itself: it names patients.
      log.error("Audit journal row {} could not be stored ({})", id, failed.getClass().getSimpleName());
      journal.failed(id);
    }
  }

  /** As it is, then with its references as names; the second failure, or null once stored. */
  private RuntimeException storeTwice(long id, AuditEvent event) {
    try {
      storeRow(id, event, false);
      return null;
    } catch (RuntimeException refused) {
      try {
        storeRow(id, event, true);
        return null;
      } catch (RuntimeException e) {
        return e;
      }
    }
  }

  /** The row's event ({@code event}, or parsed from the row) created and the row removed, if no one else holds it. */
  private void storeRow(long id, AuditEvent event, boolean namesOnly) {
    inTransaction(() -> {
      List<AuditJournal.Entry> row = journal.takeRow(id);
      if (!row.isEmpty()) {
        AuditEvent toStore = event != null ? event
            : fhirContext.newJsonParser().parseResource(AuditEvent.class, row.get(0).event());
        dao().create(namesOnly ? referencesAsNames(toStore) : toStore, new SystemRequestDetails());
        journal.remove(List.of(id));
      }
      return null;
    });
  }

  /**
   * A reference to a resource deleted since the request (also by that request itself) is refused
   * by HAPI's referential integrity: keep the id as the entity's name instead.
   */
  private static AuditEvent referencesAsNames(AuditEvent event) {
    for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
      if (entity.getWhat().hasReference()) {
        entity.setName(entity.getWhat().getReference()).setWhat(null);
      }
    }
    return event;
  }

  private <T> T inTransaction(java.util.function.Supplier<T> work) {
    return transactions.withSystemRequest().withPropagation(Propagation.REQUIRES_NEW).execute(work::get);
  }

  private IFhirResourceDao<AuditEvent> dao() {
    return daos.getResourceDao(AuditEvent.class);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
