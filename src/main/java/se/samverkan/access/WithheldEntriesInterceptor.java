package se.samverkan.access;

import se.samverkan.server.spi.HookOrder;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import org.hl7.fhir.r4.model.Bundle;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * HAPI's consent interceptor withholds a resource inside a Bundle by emptying its entry, which
 * keeps the entry's fullUrl (the resource's id) and, in a batch response, a "200 OK" for a read
 * of something the caller may not see. After it has run, this removes such entries from
 * searchsets and turns such batch answers into the 404 a plain read gives.
 */
@Interceptor(order = HookOrder.WITHHELD_ENTRIES_REMOVED)
public class WithheldEntriesInterceptor implements ServerInterceptor {

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void removeWithheld(ResponseDetails response) {
    if (response.getResponseResource() instanceof Bundle bundle) {
      clean(bundle);
    }
  }

  static void clean(Bundle bundle) {
    boolean answers = bundle.getType() == Bundle.BundleType.BATCHRESPONSE
        || bundle.getType() == Bundle.BundleType.TRANSACTIONRESPONSE;
    if (bundle.getType() == Bundle.BundleType.SEARCHSET) { // a history's deletions have no resource
      bundle.getEntry().removeIf(entry -> entry.getResource() == null);
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.getResource() instanceof Bundle nested) {
        clean(nested);
      } else if (answers && entry.getResource() == null && entry.getResponse().getStatus() != null
          && entry.getResponse().getStatus().startsWith("200") && entry.getResponse().hasEtag()
          && !entry.getResponse().hasLocation()) {
        // A read whose resource was withheld (writes answer with a location, or 201).
        entry.setFullUrl(null);
        entry.setResponse(new Bundle.BundleEntryResponseComponent().setStatus("404 Not Found"));
      }
    }
  }
}
