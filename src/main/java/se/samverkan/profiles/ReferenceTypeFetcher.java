package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r5.elementmodel.Element;
import org.hl7.fhir.r5.elementmodel.Manager;
import org.hl7.fhir.r5.model.CanonicalResource;
import org.hl7.fhir.r5.model.CanonicalType;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.IResourceValidator;
import org.hl7.fhir.r5.utils.validation.IValidatorResourceFetcher;

/**
 * What the instance validator learns about a local reference {@code Type/id}: its type, taken from
 * the reference itself, instead of reading the target from the database.
 *
 * <p>Why: with the policy {@code CHECK_TYPE_IF_EXISTS} (ProfilesConfig) the validator asks the
 * fetcher for every reference and uses the answer only for its type (InstanceValidator#checkReference,
 * org.hl7.fhir.validation 6.7.9: the target is validated against a profile only under CHECK_VALID).
 * HAPI's JPA fetcher (ValidatorResourceFetcher#fetch, 8.8) reads the target through the DAO,
 * encodes it and parses it again — a database read and two parses per reference, 18 % of an
 * Observation's validation. A resource stored as {@code Patient/123} is a Patient, so the type in
 * the reference is the type the read would find.
 *
 * <p>What changes: the type is checked whether or not the target exists (before, a reference to a
 * missing target of the wrong type passed validation and was refused by referential integrity
 * instead; now validation refuses it first). Whether the target exists is HAPI's referential
 * integrity's question (storage.ReferentialIntegrity), not the validator's. It also makes a
 * validation's verdict depend on the reference's type only, which {@link ValidationMemo} relies on.
 * Anything that is not a plain local reference (absolute URLs, versions, conditional or canonical
 * references) goes to HAPI's fetcher as before.
 */
final class ReferenceTypeFetcher implements IValidatorResourceFetcher {

  private static final Pattern LOCAL = Pattern.compile("([A-Z][A-Za-z]{1,63})/[A-Za-z0-9\\-.]{1,64}");

  private final IValidatorResourceFetcher delegate;
  private final Set<String> resourceTypes;

  ReferenceTypeFetcher(IValidatorResourceFetcher delegate, FhirContext fhirContext) {
    this.delegate = delegate;
    this.resourceTypes = fhirContext.getResourceTypes();
  }

  /** The type a local reference names, or null when it is not a plain local reference. */
  static String localType(String reference, Set<String> resourceTypes) {
    Matcher m = LOCAL.matcher(reference);
    return m.matches() && resourceTypes.contains(m.group(1)) ? m.group(1) : null;
  }

  @Override
  public Element fetch(IResourceValidator validator, Object appContext, String url) throws FHIRException, IOException {
    String type = localType(url, resourceTypes);
    if (type == null) {
      return delegate.fetch(validator, appContext, url);
    }
    StructureDefinition definition = validator.getContext().fetchTypeDefinition(type);
    return definition == null ? delegate.fetch(validator, appContext, url) : Manager.build(validator.getContext(), definition);
  }

  @Override
  public boolean resolveURL(IResourceValidator validator, Object appContext, String path, String url, String type,
      boolean canonical, List<CanonicalType> targets) throws IOException, FHIRException {
    return delegate.resolveURL(validator, appContext, path, url, type, canonical, targets);
  }

  @Override
  public byte[] fetchRaw(IResourceValidator validator, String url) throws IOException {
    return delegate.fetchRaw(validator, url);
  }

  @Override
  public IValidatorResourceFetcher setLocale(Locale locale) {
    delegate.setLocale(locale);
    return this;
  }

  @Override
  public CanonicalResource fetchCanonicalResource(IResourceValidator validator, Object appContext, String url)
      throws URISyntaxException {
    return delegate.fetchCanonicalResource(validator, appContext, url);
  }

  @Override
  public boolean fetchesCanonicalResource(IResourceValidator validator, String url) {
    return delegate.fetchesCanonicalResource(validator, url);
  }

  @Override
  public Set<ResourceVersionInformation> fetchCanonicalResourceVersions(
      IResourceValidator validator, Object appContext, String url) {
    return delegate.fetchCanonicalResourceVersions(validator, appContext, url);
  }
}
