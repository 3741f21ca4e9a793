package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.svc.IDeleteExpungeSvc;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.IResourcePersistentId;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;

/**
 * Moves the audit log of a database written before it had a store of its own into the log's own store ({@link AuditLog}),
 * once, at start, before the server takes requests: the AuditEvents HAPI stored as resources, and
 * the rows an earlier server left in its audit journal (answered requests whose events it had not yet
 * stored). Each batch is moved in one transaction — inserted here, removed there — so a start
 * that stops half-way moves the rest next time, and nothing twice. A moved event keeps its content
 * and time recorded, and gets a new id.
 *
 * <p>HAPI's rows go by HAPI's own delete-expunge (IDeleteExpungeSvc, the machinery of
 * {@code $delete-expunge}), which removes a resource with its versions, index rows and links; the
 * server's {@code $expunge} stays off. AuditEvent stays a type HAPI knows, so that this can read
 * them: its resource provider is ours (AuditEventProvider), and no request reaches HAPI's tables
 * for it (AuditLogApart; writes are refused to everyone, ScopeAuthorizationInterceptor).
 */
public class AuditLogMove implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(AuditLogMove.class);
  static final int BATCH = 500;

  private final AuditLog auditLog;
  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  @SuppressWarnings("rawtypes") // HAPI's bean is IDeleteExpungeSvc<JpaPid>, found by its raw type
  private final IDeleteExpungeSvc expunge;
  private final FhirContext fhirContext;
  private final JdbcTemplate jdbc;

  public AuditLogMove(AuditLog auditLog, DaoRegistry daos, IHapiTransactionService transactions,
      @SuppressWarnings("rawtypes") IDeleteExpungeSvc expunge, FhirContext fhirContext, DataSource dataSource) {
    this.auditLog = auditLog;
    this.daos = daos;
    this.transactions = transactions;
    this.expunge = expunge;
    this.fhirContext = fhirContext;
    this.jdbc = new JdbcTemplate(dataSource);
  }

  @Override
  public void afterSingletonsInstantiated() {
    int fromJournal = moveJournal();
    int fromHapi = moveStoredByHapi();
    if (fromJournal + fromHapi > 0) {
      log.info("Moved {} AuditEvents stored as HAPI resources and {} audit journal rows into the audit log",
          fromHapi, fromJournal);
    }
  }

  /** The AuditEvents HAPI stored, oldest first; how many. */
  int moveStoredByHapi() {
    IFhirResourceDao<AuditEvent> dao = daos.getResourceDao(AuditEvent.class);
    int moved = 0;
    while (true) {
      int batch = inTransaction(() -> {
        SearchParameterMap oldestFirst = SearchParameterMap.newSynchronous().setLoadSynchronousUpTo(BATCH);
        oldestFirst.setSort(new SortSpec(AuditEvent.SP_DATE));
        List<IResourcePersistentId<?>> stored = dao.searchForIds(oldestFirst, new SystemRequestDetails());
        for (IResourcePersistentId<?> id : stored) {
          AuditEvent event = dao.readByPid(id);
          event.setId((String) null);
          event.getMeta().setVersionId(null).setLastUpdated(null);
          auditLog.insert(event);
        }
        if (!stored.isEmpty()) {
          expungeAll(stored);
        }
        return stored.size();
      });
      moved += batch;
      if (batch < BATCH) {
        return moved;
      }
    }
  }

  /** The rows an earlier server left in its journal, in the order written; how many. */
  int moveJournal() {
    if (!journalHasRows()) {
      return 0;
    }
    int moved = 0;
    while (true) {
      int batch = inTransaction(() -> {
        List<JournalRow> rows = jdbc.query("SELECT ID, EVENT FROM SV_AUDIT_JOURNAL ORDER BY ID FETCH FIRST " + BATCH
            + " ROWS ONLY FOR UPDATE", (rs, row) -> new JournalRow(rs.getLong(1), rs.getString(2)));
        rows.forEach(row -> auditLog.insert(fhirContext.newJsonParser().parseResource(AuditEvent.class, row.event())));
        List<Long> ids = rows.stream().map(JournalRow::id).toList();
        jdbc.batchUpdate("DELETE FROM SV_AUDIT_JOURNAL WHERE ID = ?", ids, ids.size(), (ps, id) -> ps.setLong(1, id));
        return ids.size();
      });
      moved += batch;
      if (batch < BATCH) {
        return moved;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void expungeAll(List<IResourcePersistentId<?>> stored) {
    expunge.deleteExpunge(stored, false, null);
  }

  private record JournalRow(long id, String event) {}

  private boolean journalHasRows() {
    try {
      Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM SV_AUDIT_JOURNAL", Integer.class);
      return rows != null && rows > 0;
    } catch (BadSqlGrammarException noJournal) {
      return false; // never created: an operator's schema (samverkan.storage.schema=none) made for a later version
    }
  }

  private <T> T inTransaction(java.util.function.Supplier<T> work) {
    return transactions.withSystemRequest().withPropagation(Propagation.REQUIRES_NEW).execute(work::get);
  }
}
