package se.samverkan.access;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.cross.IBasePersistedResource;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * What is stored under an id, looked up as the server: whether anything is, and the newest
 * version with content. A deleted resource's last version is an empty marker; who may know
 * about the deletion is decided by what it was before ({@link #lastContent}).
 */
final class StoredVersions {

  private final DaoRegistry daos;

  StoredVersions(DaoRegistry daos) {
    this.daos = daos;
  }

  /**
   * The newest version of the resource that has content (for a deleted one: the version before
   * the deletion); empty when nothing was ever stored under the id.
   */
  Optional<IBaseResource> lastContent(IIdType id) {
    if (!id.hasResourceType() || !id.hasIdPart() || !daos.isResourceTypeSupported(id.getResourceType())) {
      return Optional.empty();
    }
    IFhirResourceDao<?> dao = daos.getResourceDao(id.getResourceType());
    IIdType versionless = id.toUnqualifiedVersionless();
    IBasePersistedResource<?> entity;
    try {
      entity = dao.readEntity(versionless, new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException absent) {
      return Optional.empty();
    }
    if (!entity.isDeleted()) {
      try {
        return Optional.of(dao.read(versionless, new SystemRequestDetails()));
      } catch (ResourceNotFoundException | ResourceGoneException raced) {
        return Optional.empty();
      }
    }
    for (long version = entity.getVersion() - 1; version >= 1; version--) {
      try {
        IBaseResource content = dao.read(versionless.withVersion(Long.toString(version)), new SystemRequestDetails(), true);
        if (content != null && !isDeletionMarker(content)) {
          return Optional.of(content);
        }
      } catch (ResourceNotFoundException | ResourceGoneException deletedToo) {
        // an earlier deletion: look further back
      }
    }
    return Optional.empty();
  }

  /** The empty version a deletion leaves, as a history shows it. */
  static boolean isDeletionMarker(IBaseResource resource) {
    return resource instanceof IAnyResource any && ResourceMetadataKeyEnum.DELETED_AT.get(any) != null;
  }
}
