package se.samverkan.profiles;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.server.interceptor.ValidationResultEnrichingInterceptor;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * Adds the warnings of a stored resource's profile check ({@link ProfileEnforcementInterceptor})
 * to the OperationOutcome of the response, which a client gets with
 * {@code Prefer: return=OperationOutcome}: HAPI's own hook for this (8.8,
 * ValidationResultEnrichingInterceptor#addValidationResultsToOperationOutcome), registered as one
 * of ours. A transaction answers with a Bundle, so its entries' warnings show only in $validate.
 */
@Component
@Interceptor
public class ValidationWarningsInResponse extends ValidationResultEnrichingInterceptor implements ServerInterceptor {}
