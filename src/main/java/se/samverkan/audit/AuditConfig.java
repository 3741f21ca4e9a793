package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.access.AccessPolicy;

/** The audit log: docs/security.md, "Audit and log review". */
@Configuration
public class AuditConfig {

  @Bean
  AuditInterceptor auditInterceptor(DaoRegistry daos, AccessPolicy policy) {
    return new AuditInterceptor(daos, policy);
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
