package se.samverkan.server.spi;

/**
 * Marks a Spring bean as a provider on the FHIR endpoint: every bean of this type is registered
 * on the {@link ca.uhn.fhir.rest.server.RestfulServer}. A plain provider adds operations; a
 * resource provider ({@link ca.uhn.fhir.rest.server.IResourceProvider}) replaces the one HAPI
 * generates for its resource type.
 */
public interface ServerProvider {}
