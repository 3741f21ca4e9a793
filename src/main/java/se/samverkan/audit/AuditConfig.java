package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.access.AccessPolicy;

/** The audit log: docs/security.md, "Audit and log review". */
@Configuration
public class AuditConfig {

  @Bean
  AuditJournal auditJournal(DataSource dataSource) {
    return new AuditJournal(dataSource);
  }

  /**
   * {@value #JOURNAL_GAUGE}: rows not yet stored as AuditEvents. It should stay near zero; a
   * number that keeps growing means the storer falls behind (what bench/run records per stage).
   */
  @Bean
  Gauge auditJournalRows(AuditJournal journal, MeterRegistry registry) {
    return Gauge.builder(JOURNAL_GAUGE, journal, AuditJournal::size)
        .description("Audit journal rows not yet stored as AuditEvents").register(registry);
  }

  static final String JOURNAL_GAUGE = "samverkan.audit.journal.rows";

  @Bean
  AuditLogStorer auditLogStorer(AuditJournal journal, DaoRegistry daos, IHapiTransactionService transactions,
      FhirContext fhirContext) {
    return new AuditLogStorer(journal, daos, transactions, fhirContext);
  }

  @Bean
  AuditInterceptor auditInterceptor(AuditJournal journal, AuditLogStorer storer, FhirContext fhirContext,
      AccessPolicy policy) {
    return new AuditInterceptor(journal, storer, fhirContext, policy);
  }

  /** A StorageInterceptor: AuditEvents are written as the system, outside any request's interceptors. */
  @Bean
  AuditLogApart auditLogApart(FhirContext fhirContext) {
    return new AuditLogApart(fhirContext);
  }

  @Bean
  AccessLogOperationProvider accessLogOperationProvider(DaoRegistry daos) {
    return new AccessLogOperationProvider(daos);
  }
}
