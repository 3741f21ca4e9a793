package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
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
