package se.samverkan.server.spi;

/**
 * Marks a Spring bean as a HAPI interceptor of the FHIR endpoint: every bean of this type is
 * registered on the {@link ca.uhn.fhir.rest.server.RestfulServer} (server/InterceptorRegistrar).
 * Cross-cutting rules (preconditions, profiles, access control, audit) live in such interceptors,
 * one rule in one place, rather than in resource providers. Its hooks on storage pointcuts see the
 * writes and searches of FHIR requests only, transaction entries included: HAPI adds the
 * endpoint's interceptors to a storage call through the request (CompositeInterceptorBroadcaster,
 * HAPI 8.8), and the server's own work ({@code SystemRequestDetails}) carries none. What must also
 * see that work is a {@link StorageInterceptor}.
 *
 * <p>One of HAPI's interceptors used as it is becomes ours by the same idiom:
 * {@code @Bean ServerInterceptor highlighter() { return ServerInterceptor.of(new ResponseHighlighterInterceptor()); }}.
 * Where each hook runs among the others is {@link HookOrder}'s business.
 */
public interface ServerInterceptor {

  /** The object whose hooks HAPI calls: this bean, or the HAPI interceptor it declares. */
  default Object hooks() {
    return this;
  }

  /** One of HAPI's own interceptors, declared as a bean of the endpoint. */
  static ServerInterceptor of(Object hapiInterceptor) {
    return new Declared(hapiInterceptor);
  }

  /** A HAPI interceptor declared by {@link #of}. */
  record Declared(Object hooks) implements ServerInterceptor {}
}
