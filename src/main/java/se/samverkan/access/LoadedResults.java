package se.samverkan.access;

import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * A page of search results as HAPI hands it to the access checks, with a deleted resource's place
 * {@code null}. HAPI's search matches stored ids, and a deleted resource can still match through
 * a reference that outlives it (the audit log's: storage/ReferentialIntegrity). Its list of
 * loaded resources then leaves a deleted one out — {@code null} in its place, or, when it comes
 * last, a list shorter than the page (JpaPreResourceAccessDetails#getResource over
 * SearchBuilder#loadResourcesByPid, HAPI 8.8), where {@code getResource} throws. Nothing is
 * shown for such a place either way.
 */
final class LoadedResults implements IPreResourceAccessDetails {

  private final IPreResourceAccessDetails page;

  private LoadedResults(IPreResourceAccessDetails page) {
    this.page = page;
  }

  static LoadedResults of(IPreResourceAccessDetails page) {
    return page instanceof LoadedResults loaded ? loaded : new LoadedResults(page);
  }

  @Override
  public int size() {
    return page.size();
  }

  /** The resource at this place of the page, or {@code null} when it was deleted. */
  @Override
  public IBaseResource getResource(int index) {
    try {
      return page.getResource(index);
    } catch (IndexOutOfBoundsException deletedAtTheEnd) {
      return null;
    }
  }

  @Override
  public void setDontReturnResourceAtIndex(int index) {
    page.setDontReturnResourceAtIndex(index);
  }
}
