package se.samverkan.worklist;

import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/** A search inside an operation that must see every match, not the first page of them. */
final class WholeSearch {

  private WholeSearch() {}

  /**
   * All matches, up to {@code limit}; more is refused with 400. The search runs as the system:
   * given the caller's request, HAPI cut a synchronous search to the default page size (20), so a
   * kommun's worklist at county scale lost all but 20 patients. Who may see what in the answer is
   * the business of the interceptors that check outgoing responses.
   */
  static List<IBaseResource> all(IFhirResourceDao<?> dao, SearchParameterMap search, int limit, String operation) {
    search.setLoadSynchronousUpTo(limit + 1);
    List<IBaseResource> found = dao.search(search, new SystemRequestDetails()).getResources(0, limit + 1);
    if (found.size() > limit) {
      throw new InvalidRequestException(Messages.english(Message.OPERATION_SCAN_LIMIT,
          operation, limit, dao.getResourceType().getSimpleName()));
    }
    return found;
  }
}
