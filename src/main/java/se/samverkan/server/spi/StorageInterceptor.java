package se.samverkan.server.spi;

/**
 * Marks a Spring bean as a HAPI interceptor of the storage itself: every bean of this type is
 * registered on HAPI's JPA {@link ca.uhn.fhir.interceptor.api.IInterceptorService}
 * (server/InterceptorRegistrar), so its hooks see every write, search and subscription step,
 * also those outside any FHIR request — subscription matching and delivery, HAPI's batch jobs,
 * the server's own writes such as the AuditEvent. A rule about FHIR requests only is a
 * {@link ServerInterceptor}; a bean is one or the other. Where each hook runs among the others is
 * {@link HookOrder}'s business.
 */
public interface StorageInterceptor {}
