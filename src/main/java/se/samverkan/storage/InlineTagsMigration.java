package se.samverkan.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.ReindexParameters;
import ca.uhn.fhir.jpa.dao.GZipUtil;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.model.entity.BaseTag;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.entity.TagDefinition;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.transaction.annotation.Propagation;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * Brings a database written while HAPI kept tags in tables of their own (its default,
 * {@code VERSIONED}, which Samverkan used up to 0.2) to tags kept in each version's JSON
 * ({@code INLINE}; JpaStorageConfig says why): once, at start, before the server takes requests.
 *
 * <p>A version whose tags are in the tables is marked by HAPI ({@code HFJ_RES_VER.HAS_TAGS}). For
 * each, its tags, profiles and security labels ({@code HFJ_HISTORY_TAG}) are written into its JSON
 * and the mark is cleared; for a current version the resource is then indexed again by HAPI
 * ({@code IFhirResourceDao#reindex}), which gives it the {@code _tag}, {@code _security} and
 * {@code _profile} index rows that searches read in this mode. Each batch is one transaction, so a
 * start that stops half-way does the rest next time, and nothing twice. The tag tables are left as
 * they are: nothing reads them now.
 *
 * <p>Terminology (CodeSystem, ValueSet, ConceptMap) gets its tags in its JSON but is not indexed
 * again here: HAPI's reindex of a CodeSystem stores its concepts again, and while that runs, codes
 * of that system are not found (docs/performance.md, step 20). Their {@code _tag} rows come with
 * their next update; the package's terminology carries no tags.
 */
public class InlineTagsMigration implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(InlineTagsMigration.class);
  static final int BATCH = 200;
  private static final Set<String> NOT_REINDEXED = Set.of("CodeSystem", "ValueSet", "ConceptMap");

  private final EntityManager entities;
  private final IHapiTransactionService transactions;
  private final DaoRegistry daos;
  private final FhirContext fhirContext;
  private final LocksAcrossServers locks;

  InlineTagsMigration(EntityManager entities, IHapiTransactionService transactions, DaoRegistry daos,
      FhirContext fhirContext, LocksAcrossServers locks) {
    this.locks = locks;
    this.entities = entities;
    this.transactions = transactions;
    this.daos = daos;
    this.fhirContext = fhirContext;
  }

  /**
   * One server at a time (issue 21): replicas starting together would otherwise move the same
   * batch twice. The one that comes second finds nothing left to move.
   */
  @Override
  public void afterSingletonsInstantiated() {
    int[] counted = new int[1];
    locks.alone("startup:inline-tags", () -> counted[0] = run());
    int moved = counted[0];
    if (moved > 0) {
      log.info("Wrote the tags of {} stored versions into their JSON (tags are kept in each version now)", moved);
    }
  }

  /** Moves every marked version's tags into its JSON; how many versions. */
  int run() {
    int moved = 0;
    while (true) {
      int batch = transactions.withSystemRequest().withPropagation(Propagation.REQUIRES_NEW).execute(this::moveBatch);
      moved += batch;
      if (batch < BATCH) {
        return moved;
      }
    }
  }

  private int moveBatch() {
    List<ResourceHistoryTable> marked = entities.createQuery(
            "SELECT v FROM ResourceHistoryTable v WHERE v.myHasTags = true", ResourceHistoryTable.class)
        .setMaxResults(BATCH).getResultList();
    for (ResourceHistoryTable version : marked) {
      writeTagsIntoJson(version);
      version.setHasTags(false);
      ResourceTable resource = version.getResourceTable();
      resource.setHasTags(false);
      entities.flush();
      if (resource.getVersion() == version.getVersion() && resource.getDeleted() == null
          && !NOT_REINDEXED.contains(resource.getResourceType())) {
        daos.getResourceDao(resource.getResourceType()).reindex(resource.getPersistentId(), new ReindexParameters(),
            new SystemRequestDetails(), new TransactionDetails());
      }
    }
    return marked.size();
  }

  private void writeTagsIntoJson(ResourceHistoryTable version) {
    ResourceEncodingEnum encoding = version.getEncoding();
    String json;
    if (version.getResourceTextVc() != null) {
      json = version.getResourceTextVc();
    } else if (version.getResource() != null && encoding == ResourceEncodingEnum.JSONC) {
      json = GZipUtil.decompress(version.getResource());
    } else if (version.getResource() != null && encoding == ResourceEncodingEnum.JSON) {
      json = new String(version.getResource(), StandardCharsets.UTF_8);
    } else {
      return; // a deleted version, or one stored elsewhere: no JSON to carry tags
    }
    Resource resource = (Resource) fhirContext.newJsonParser().parseResource(json);
    Meta meta = resource.getMeta();
    for (BaseTag tag : version.getTags()) {
      TagDefinition definition = tag.getTag();
      if (definition == null) {
        continue; // HAPI's loader skips a tag whose definition is gone too
      }
      switch (definition.getTagType()) {
        case PROFILE -> {
          if (!meta.hasProfile(definition.getCode())) {
            meta.addProfile(definition.getCode());
          }
        }
        case SECURITY_LABEL -> {
          if (meta.getSecurity(definition.getSystem(), definition.getCode()) == null) {
            meta.addSecurity(coding(definition));
          }
        }
        case TAG -> {
          if (meta.getTag(definition.getSystem(), definition.getCode()) == null) {
            meta.addTag(coding(definition));
          }
        }
      }
    }
    String withTags = fhirContext.newJsonParser().encodeResourceToString(resource);
    if (version.getResourceTextVc() != null) {
      version.setResourceTextVc(withTags);
    } else if (encoding == ResourceEncodingEnum.JSONC) {
      version.setResource(GZipUtil.compress(withTags));
    } else {
      version.setResource(withTags.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static Coding coding(TagDefinition definition) {
    Coding coding = new Coding(definition.getSystem(), definition.getCode(), definition.getDisplay());
    coding.setVersion(definition.getVersion());
    if (definition.getUserSelected() != null) {
      coding.setUserSelected(definition.getUserSelected());
    }
    return coding;
  }
}
