package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.svc.IDeleteExpungeSvc;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.access.AccessPolicy;
import se.samverkan.server.spi.FhirServerProperties;

/** The audit log: docs/security.md, "Audit and log review". */
@Configuration
public class AuditConfig {

  @Bean
  AuditLog auditLog(DataSource dataSource, FhirContext fhirContext) {
    return new AuditLog(dataSource, fhirContext);
  }

  @Bean
  AuditInterceptor auditInterceptor(AuditLog auditLog, AccessPolicy policy) {
    return new AuditInterceptor(auditLog, policy);
  }

  @Bean
  AuditEventProvider auditEventProvider(AuditLog auditLog, DaoRegistry daos, FhirServerProperties properties) {
    return new AuditEventProvider(auditLog, daos, properties);
  }

  @Bean
  AuditLogApart auditLogApart() {
    return new AuditLogApart();
  }

  @Bean
  AccessLogOperationProvider accessLogOperationProvider(AuditLog auditLog) {
    return new AccessLogOperationProvider(auditLog);
  }

  @Bean
  AuditLogMove auditLogMove(AuditLog auditLog, DaoRegistry daos, IHapiTransactionService transactions,
      @SuppressWarnings("rawtypes") IDeleteExpungeSvc expunge, FhirContext fhirContext, DataSource dataSource) {
    return new AuditLogMove(auditLog, daos, transactions, expunge, fhirContext, dataSource);
  }
}
