package se.samverkan.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc.ProvenanceDetails;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.search.BatchResourceLoader.ResourceLoadResult;
import ca.uhn.fhir.util.IMetaTagSorter;
import ca.uhn.fhir.util.MetaUtil;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Resource;

/**
 * Stored versions parsed once, across requests: a bounded memory of what HAPI's loader parsed, by
 * stored version, from which a later load of the same version gets a copy instead of parsing the
 * JSON again.
 *
 * <p>Why: a kommun's worklist page reads the same teams and consents on every request (the walked
 * candidates', and the access lookups'), and parsing stored JSON was over half of its request
 * threads' time, a third of all of it HAPI's FHIR core library building its 2,200-entry HTML entity
 * table for every narrative it parses (XhtmlNode#setValueAsString makes a new XhtmlParser each
 * time, org.hl7.fhir.utilities 6.7.9; docs/performance.md step 18). Copying a parsed team costs
 * about a hundredth of parsing it.
 *
 * <p>Why it is safe: a stored version's JSON never changes (HAPI writes a new version for every
 * change; history rewrite is off; InlineTagsMigration rewrites older versions once, at start,
 * before this memory holds anything), and the tags, security labels and profiles are part of it
 * (JpaStorageConfig: tags stored inline; ResultsParsedOnce keeps no memory otherwise). So the key
 * is the version itself, with its resource's pid and its recorded time, which also tells apart a
 * pid reused after a database was emptied. The version's id, time and source, which HAPI keeps
 * beside the JSON, are applied to the copy by HAPI's own code. Each load gets its own copy, so
 * nothing a request does to a resource reaches another. Deleted versions, history (which HAPI dresses otherwise), externally
 * stored resources and partitioned databases are loaded by HAPI as before. On several servers over
 * one database each has its own memory, and each is right for the same reasons.
 *
 * <p>Bounded by an estimate of the heap it holds (a parsed resource takes about five bytes for each
 * character of its JSON, measured on a team with a narrative), and Caffeine admits by frequency, so
 * the teams and consents read on every request stay and a scan of one patient's observations does
 * not push them out.
 */
final class ParsedVersions {

  /** Heap a parsed resource takes for each character of its stored JSON (about 5.2 measured; rounded up). */
  static final int BYTES_PER_CHAR = 6;
  /** Stored bytes of a compressed version for each character of its JSON, as an estimate. */
  private static final int CHARS_PER_COMPRESSED_BYTE = 6;

  /** One stored version: a version is never changed, a pid is never reused while the data lasts. */
  private record Key(long resourcePid, long version, long recordedMillis) {
    static Key of(ResourceHistoryTable stored) {
      return new Key(stored.getPersistentId().getId(), stored.getVersion(), stored.getUpdatedDate().getTime());
    }
  }

  /** A parsed version and the heap it is estimated to take. */
  private record Held(Resource resource, int weight) {}

  private final Cache<Key, Held> parsed;
  private final FhirContext fhirContext;
  private final IResourceMetadataExtractorSvc metadata;
  private final IJpaStorageResourceParser parser;
  private final IMetaTagSorter tagSorter;
  private final AtomicLong copied = new AtomicLong();

  ParsedVersions(long budgetBytes, FhirContext fhirContext, IResourceMetadataExtractorSvc metadata,
      IJpaStorageResourceParser parser, IMetaTagSorter tagSorter) {
    this.parsed = Caffeine.newBuilder()
        .maximumWeight(budgetBytes)
        .weigher((Key key, Held held) -> held.weight())
        .build();
    this.fhirContext = fhirContext;
    this.metadata = metadata;
    this.parser = parser;
    this.tagSorter = tagSorter;
  }

  /** Whether a version may come from, and go to, this memory. */
  static boolean isRemembered(ResourceHistoryTable stored, boolean forHistory) {
    ResourceEncodingEnum encoding = stored.getEncoding();
    return !forHistory && stored.getDeleted() == null && stored.getUpdatedDate() != null
        && (encoding == ResourceEncodingEnum.JSON || encoding == ResourceEncodingEnum.JSONC);
  }

  /** The version as parsed before, if this memory still holds it (not yet a copy). */
  Resource find(ResourceHistoryTable stored) {
    Held held = parsed.getIfPresent(Key.of(stored));
    return held == null ? null : held.resource();
  }

  /**
   * Copies of versions parsed before, each dressed as HAPI's loader dresses a version it parses:
   * id, version, time and source. Tags, profiles and security labels are in the version's JSON,
   * so the copy has them already (no list is given: HAPI's tag tables are not read).
   */
  List<ResourceLoadResult> copies(Map<ResourceHistoryTable, Resource> found) {
    List<ResourceLoadResult> loaded = new ArrayList<>(found.size());
    found.forEach((stored, resource) -> {
      Resource copy = resource.copy();
      parser.populateResourceMetadata(stored, false, null, stored.getVersion(), copy);
      ProvenanceDetails source = metadata.getProvenanceDetails(stored);
      MetaUtil.populateResourceSource(fhirContext, source.provenanceSourceUri(), source.provenanceRequestId(), copy);
      tagSorter.sort(copy.getMeta());
      loaded.add(new ResourceLoadResult(stored.getPersistentId(), copy, false));
    });
    copied.addAndGet(loaded.size());
    return loaded;
  }

  /** Keeps a copy of what HAPI just parsed for a search, the load's own resources staying the load's. */
  void remember(List<ResourceHistoryTable> stored, List<ResourceLoadResult> parsedNow) {
    Map<Long, ResourceHistoryTable> byPid = new HashMap<>();
    stored.stream().filter(version -> isRemembered(version, false))
        .forEach(version -> byPid.put(version.getPersistentId().getId(), version));
    for (ResourceLoadResult result : parsedNow) {
      ResourceHistoryTable version = byPid.get(result.pid().getId());
      if (version != null && !result.isDeleted() && result.resource() instanceof Resource resource) {
        parsed.put(Key.of(version), new Held(resource.copy(), weightOf(version)));
      }
    }
  }

  /** Versions handed out as copies instead of being parsed, since start. */
  long copiedCount() {
    return copied.get();
  }

  private static int weightOf(ResourceHistoryTable stored) {
    long chars;
    if (stored.getResourceTextVc() != null) {
      chars = stored.getResourceTextVc().length();
    } else if (stored.getResource() != null) {
      chars = (long) stored.getResource().length
          * (stored.getEncoding() == ResourceEncodingEnum.JSONC ? CHARS_PER_COMPRESSED_BYTE : 1);
    } else {
      chars = 0;
    }
    return (int) Math.min(Integer.MAX_VALUE, BYTES_PER_CHAR * chars);
  }
}
