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


  private Ownership() {}

  public static Optional<String> careProvider(IBaseResource resource) {
    return tag(resource, Vocabulary.OWNER_CARE_PROVIDER);
  }

  public static Optional<String> unit(IBaseResource resource) {
    return tag(resource, Vocabulary.OWNER_UNIT);
  }

  static boolean isOwnerTag(IBaseCoding tag) {
    return Vocabulary.OWNER_CARE_PROVIDER.equals(tag.getSystem()) || Vocabulary.OWNER_UNIT.equals(tag.getSystem());
  }

  /** Replaces whatever owner tags the resource carries by the given owner's. */
  public static void record(IBaseResource resource, String careProvider, String unit) {
    resource.getMeta().getTag().removeIf(Ownership::isOwnerTag);
    resource.getMeta().addTag().setSystem(Vocabulary.OWNER_CARE_PROVIDER).setCode(careProvider);
    if (unit != null) {
      resource.getMeta().addTag().setSystem(Vocabulary.OWNER_UNIT).setCode(unit);
    }
  }

  private static Optional<String> tag(IBaseResource resource, String system) {
    return resource.getMeta().getTag().stream()
        .filter(t -> system.equals(t.getSystem()))
        .map(IBaseCoding::getCode)
        .findFirst();
  }
}
