package se.samverkan.access;

import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Who owns a stored resource: the care provider (vårdgivare / omsorgsgivare) and unit
 * (vårdenhet) whose token wrote it, recorded by the server as two {@code meta.tag}s. Tags, not
 * Provenance, so that owners are searchable ({@code _tag}) and travel with every copy.
 */
public final class Ownership {

  public static final String CARE_PROVIDER_SYSTEM = Vocabulary.OWNER_CARE_PROVIDER;
  public static final String UNIT_SYSTEM = Vocabulary.OWNER_UNIT;

  private Ownership() {}

  public static Optional<String> careProvider(IBaseResource resource) {
    return tag(resource, CARE_PROVIDER_SYSTEM);
  }

  public static Optional<String> unit(IBaseResource resource) {
    return tag(resource, UNIT_SYSTEM);
  }

  static boolean isOwnerTag(IBaseCoding tag) {
    return CARE_PROVIDER_SYSTEM.equals(tag.getSystem()) || UNIT_SYSTEM.equals(tag.getSystem());
  }

  /** Replaces whatever owner tags the resource carries by the given owner's. */
  public static void record(IBaseResource resource, String careProvider, String unit) {
    resource.getMeta().getTag().removeIf(Ownership::isOwnerTag);
    resource.getMeta().addTag().setSystem(CARE_PROVIDER_SYSTEM).setCode(careProvider);
    if (unit != null) {
      resource.getMeta().addTag().setSystem(UNIT_SYSTEM).setCode(unit);
    }
  }

  private static Optional<String> tag(IBaseResource resource, String system) {
    return resource.getMeta().getTag().stream()
        .filter(t -> system.equals(t.getSystem()))
        .map(IBaseCoding::getCode)
        .findFirst();
  }
}
