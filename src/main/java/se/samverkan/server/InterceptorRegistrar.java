package se.samverkan.server;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.server.spi.StorageInterceptor;

/**
 * The one place our interceptors are registered with HAPI, by the marker their bean implements:
 * every {@link ServerInterceptor} on the FHIR endpoint's {@link RestfulServer} when that is made,
 * in bean order; every {@link StorageInterceptor} on HAPI's JPA interceptor service as the bean is
 * made, before anything can use it (as the configuration classes did by hand before). Order among
 * hooks is not registration order: it is {@link se.samverkan.server.spi.HookOrder}.
 */
final class InterceptorRegistrar implements BeanPostProcessor {

  private final ObjectProvider<IInterceptorService> storage;
  private final ObjectProvider<ServerInterceptor> endpoint;

  InterceptorRegistrar(ObjectProvider<IInterceptorService> storage, ObjectProvider<ServerInterceptor> endpoint) {
    this.storage = storage;
    this.endpoint = endpoint;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String name) {
    if (bean instanceof StorageInterceptor) {
      if (bean instanceof ServerInterceptor) {
        // Both would run its storage hooks twice in a request.
        throw new BeanCreationException(name, "An interceptor is registered on the endpoint or on the storage, not both");
      }
      storage.getObject().registerInterceptor(bean);
    }
    if (bean instanceof RestfulServer server) {
      endpoint.orderedStream().forEach(interceptor -> server.registerInterceptor(interceptor.hooks()));
    }
    return bean;
  }
}
