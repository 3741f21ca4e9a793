package se.samverkan.storage;

import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;

/**
 * HAPI's metadata service for the loader, answering the tag query of a load that is split in two
 * (versions copied from {@link ParsedVersions}, versions HAPI parses) from the one query made for
 * both: without it the split cost a second tag query, and the tag query was already the largest
 * cost of loading a kommun's worklist page after step 18 (13 % of its request threads).
 */
final class TagsOncePerLoad implements IResourceMetadataExtractorSvc {

  private final IResourceMetadataExtractorSvc delegate;
  /** The tags of every version of the load under way on this thread; absent otherwise. */
  private final ThreadLocal<Map<JpaPid, Collection<BaseTag>>> ofThisLoad = new ThreadLocal<>();

  TagsOncePerLoad(IResourceMetadataExtractorSvc delegate) {
    this.delegate = delegate;
  }

  /** Runs the work with the tags already read for it: HAPI's loader asks for a subset of them. */
  <T> T with(Map<JpaPid, Collection<BaseTag>> tags, Supplier<T> work) {
    ofThisLoad.set(tags);
    try {
      return work.get();
    } finally {
      ofThisLoad.remove();
    }
  }

  @Override
  public Map<JpaPid, Collection<BaseTag>> getTagsBatch(Collection<ResourceHistoryTable> versions) {
    Map<JpaPid, Collection<BaseTag>> read = ofThisLoad.get();
    return read != null ? read : delegate.getTagsBatch(versions);
  }

  @Override
  public Collection<? extends BaseTag> getTags(ResourceHistoryTable version) {
    return delegate.getTags(version);
  }

  @Override
  public Collection<? extends BaseTag> getTags(ResourceTable resource) {
    return delegate.getTags(resource);
  }

  @Override
  public ProvenanceDetails getProvenanceDetails(ResourceHistoryTable version) {
    return delegate.getProvenanceDetails(version);
  }
}
