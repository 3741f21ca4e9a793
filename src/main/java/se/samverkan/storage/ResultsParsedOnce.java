package se.samverkan.storage;

import se.samverkan.server.spi.HookOrder;
import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.dao.IJpaStorageResourceParser;
import ca.uhn.fhir.jpa.dao.IResourceMetadataExtractorSvc;
import ca.uhn.fhir.jpa.esr.ExternallyStoredResourceServiceRegistry;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.StorageSettings.TagStorageModeEnum;
import ca.uhn.fhir.jpa.partition.IPartitionLookupSvc;
import ca.uhn.fhir.jpa.search.BatchResourceLoader;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.util.IMetaTagSorter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;

/**
 * Each search result parsed once in a read, not twice.
 *
 * <p>HAPI loads a page of search results twice: once for the access checks just before the
 * consent interceptor judges them (STORAGE_PREACCESS_RESOURCES, JpaPreResourceAccessDetails), and
 * again to answer with those it kept (the first page of a stored search, or a synchronous
 * search's list; SearchBuilder#loadResourcesByPid both times, HAPI 8.8). Each load reads the
 * stored JSON from the database and parses it into a resource: in the benchmark's
 * small queries the first load was 8.9 % of the request threads' samples, and the second about as
 * much (issue 20, docs/performance.md step 12).
 *
 * <p>Here the first load of a read request's page is kept, on the request's thread, until the
 * answer's load asks for the same stored version: that load is handed the resource already
 * parsed, once, and parses only the rest. The answer's load still reads from the database which
 * version is current, so a resource changed in between is parsed anew; a version, its tags
 * included, is never changed in place. Only the first load of a page is kept (this hook forces it,
 * before any other check of the page reads it), and only in reads (GET, and a search by POST), so
 * a resource a write is about to change is never handed on; what the checks only read, the answer
 * then uses. Resources kept but not asked for again (withheld, or past the first page) are
 * dropped at the end of the request, and a request keeps at most {@link #MAX_KEPT}.
 *
 * <p>What is still to be parsed is looked up first in {@link ParsedVersions}, what earlier loads of
 * any request parsed: a version found there is a copy (step 18).
 */
@Interceptor(order = HookOrder.RESULTS_PARSED_ONCE)
public class ResultsParsedOnce extends BatchResourceLoader implements ServerInterceptor {

  /** A page as large as a request may ask for, and the includes of a few. */
  static final int MAX_KEPT = 2_000;

  /** One stored version, as parsed for a search (not for a history, which HAPI dresses otherwise). */
  private record Version(long resourcePid, long version, boolean forHistory) {
    static Version of(ResourceHistoryTable stored, boolean forHistory) {
      return new Version(stored.getPersistentId().getId(), stored.getVersion(), forHistory);
    }
  }

  /** What this thread's request keeps, while a read is being answered; absent otherwise. */
  private final ThreadLocal<Map<Version, IBaseResource>> kept = new ThreadLocal<>();
  /** True while this thread loads a page for its first check. */
  private final ThreadLocal<Boolean> keeping = ThreadLocal.withInitial(() -> false);
  private final AtomicLong handedOn = new AtomicLong();
  /** What other requests parsed (step 18); null when turned off, or when the database is partitioned. */
  private final ParsedVersions parsedBefore;

  public ResultsParsedOnce(long parsedVersionsBytes, FhirContext fhirContext, IResourceMetadataExtractorSvc metadata,
      IJpaStorageResourceParser parser, ExternallyStoredResourceServiceRegistry externallyStored,
      IMetaTagSorter tagSorter, PartitionSettings partitions, IPartitionLookupSvc partitionLookup,
      TagStorageModeEnum tagStorage) {
    super(fhirContext, metadata, parser, externallyStored, tagSorter, partitions, partitionLookup);
    // A partitioned version is dressed with its partition too (BatchResourceLoader, 8.8), and a
    // version is complete only with its tags in it: neither is done here.
    this.parsedBefore = parsedVersionsBytes <= 0 || partitions.isPartitioningEnabled()
        || tagStorage != TagStorageModeEnum.INLINE ? null
        : new ParsedVersions(parsedVersionsBytes, fhirContext, metadata, parser, tagSorter);
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void begin(RequestDetails request) {
    if (isRead(request)) {
      kept.set(new HashMap<>());
    } else {
      kept.remove();
    }
  }

  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
  public void end(RequestDetails request) {
    kept.remove();
  }

  /** Loads the page now, keeping what is parsed: the checks after this one read it as loaded. */
  @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
  public void loadPage(IPreResourceAccessDetails page) {
    if (kept.get() == null || page.size() == 0) {
      return;
    }
    keeping.set(true);
    try {
      page.getResource(0); // HAPI loads the whole page at the first look
    } catch (IndexOutOfBoundsException deletedAtTheEnd) {
      // access/LoadedResults: a deleted resource matched last; the page is loaded all the same
    } finally {
      keeping.set(false);
    }
  }

  @Override
  public List<ResourceLoadResult> loadResources(List<ResourceHistoryTable> stored, boolean forHistory) {
    Map<Version, IBaseResource> versions = kept.get();
    List<ResourceLoadResult> loaded = new ArrayList<>(stored.size());
    Map<ResourceHistoryTable, Resource> remembered = new LinkedHashMap<>();
    List<ResourceHistoryTable> toParse = new ArrayList<>(stored.size());
    for (ResourceHistoryTable version : stored) {
      IBaseResource keptForThisRequest = versions == null || isDeleted(version) ? null
          : versions.remove(Version.of(version, forHistory));
      Resource parsedByAnother = keptForThisRequest != null || parsedBefore == null
          || !ParsedVersions.isRemembered(version, forHistory) ? null : parsedBefore.find(version);
      if (keptForThisRequest != null) {
        loaded.add(new ResourceLoadResult(version.getPersistentId(), keptForThisRequest, false));
        handedOn.incrementAndGet();
      } else if (parsedByAnother != null) {
        remembered.put(version, parsedByAnother);
      } else {
        toParse.add(version);
      }
    }
    List<ResourceLoadResult> copies = remembered.isEmpty() ? List.of() : parsedBefore.copies(remembered);
    List<ResourceLoadResult> parsedNow = toParse.isEmpty() ? List.of() : super.loadResources(toParse, forHistory);
    loaded.addAll(copies);
    loaded.addAll(parsedNow);
    if (parsedBefore != null && !forHistory) {
      parsedBefore.remember(toParse, parsedNow);
    }
    if (versions != null && keeping.get()) {
      keep(versions, remembered.keySet(), copies, forHistory);
      keep(versions, toParse, parsedNow, forHistory);
    }
    return loaded;
  }

  private static void keep(Map<Version, IBaseResource> versions, Collection<ResourceHistoryTable> stored,
      List<ResourceLoadResult> parsed, boolean forHistory) {
    Map<Long, ResourceHistoryTable> byPid = new HashMap<>();
    stored.forEach(version -> byPid.put(version.getPersistentId().getId(), version));
    for (ResourceLoadResult result : parsed) {
      ResourceHistoryTable version = byPid.get(result.pid().getId());
      if (result.isDeleted() || result.resource() == null || version == null || versions.size() >= MAX_KEPT) {
        continue;
      }
      versions.put(Version.of(version, forHistory), result.resource());
    }
  }

  private static boolean isDeleted(ResourceHistoryTable version) {
    return version.getDeleted() != null || version.getEncoding() == ResourceEncodingEnum.DEL;
  }

  private static boolean isRead(RequestDetails request) {
    return request.getRequestType() == RequestTypeEnum.GET
        || request.getRestOperationType() == RestOperationTypeEnum.SEARCH_TYPE
        || request.getRestOperationType() == RestOperationTypeEnum.SEARCH_SYSTEM;
  }

  /** Resources handed from a page's first load to its second, unparsed. */
  long handedOnCount() {
    return handedOn.get();
  }

  /** Resources loaded as copies of what an earlier load parsed (0 when that memory is off). */
  long copiedCount() {
    return parsedBefore == null ? 0 : parsedBefore.copiedCount();
  }
}
