package se.samverkan.server.spi;

/**
 * Marks a Spring bean as a HAPI interceptor of the FHIR endpoint: every bean of this type is
 * registered on the {@link ca.uhn.fhir.rest.server.RestfulServer}. Cross-cutting rules
 * (preconditions, profiles, access control, audit) live in such interceptors, one rule in one
 * place, rather than in resource providers.
 */
public interface ServerInterceptor {}
