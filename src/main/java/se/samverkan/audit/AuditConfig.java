package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
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

  /** Registered with HAPI's own interceptor service: AuditEvents are written as the system. */
  @Bean
  AuditLogApart auditLogApart(FhirContext fhirContext, IInterceptorService interceptors) {
    AuditLogApart apart = new AuditLogApart(fhirContext);
    interceptors.registerInterceptor(apart);
    return apart;
  }

  @Bean
  AccessLogOperationProvider accessLogOperationProvider(DaoRegistry daos) {
    return new AccessLogOperationProvider(daos);
  }
}
