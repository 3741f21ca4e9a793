package se.samverkan.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.utilities.npm.NpmPackage;

/**
 * Which Samverkan profile a resource must conform to. Read from the installed package: a profile
 * that fixes {@code code} or {@code category} (in its own differential or inherited, as the
 * R4 vital-signs profiles do) applies to resources carrying that code; a profile of a type that
 * fixes neither applies to every other resource of the type.
 */
public class ProfileCatalog {

  /** The elements whose fixed codes tell profiles of one type apart. */
  private static final List<String> DISCRIMINATING_ELEMENTS = List.of("code", "category");

  private final FhirContext fhirContext;
  private final IValidationSupport validationSupport;
  private final NpmPackage npmPackage;
  private volatile List<Profile> profiles;
  private volatile Set<String> urls;

  public ProfileCatalog(FhirContext fhirContext, IValidationSupport validationSupport, NpmPackage npmPackage) {
    this.fhirContext = fhirContext;
    this.validationSupport = validationSupport;
    this.npmPackage = npmPackage;
  }

  /** A coding a resource must carry in one element (code or category) for a profile to apply. */
  public record RequiredCoding(String element, String system, String code) {}

  /** One resource profile of ours, with the codes a resource must carry for it to apply. */
  public record Profile(String url, String type, List<RequiredCoding> requiredCodings) {
    boolean appliesTo(Resource resource, FhirContext context) {
      return requiredCodings.stream().allMatch(required -> carries(resource, required, context));
    }
  }

  public List<Profile> all() {
    List<Profile> loaded = profiles;
    if (loaded == null) {
      synchronized (this) {
        if (profiles == null) {
          List<Profile> loadedProfiles = load();
          urls = Set.copyOf(loadedProfiles.stream().map(Profile::url).toList());
          profiles = loadedProfiles;
        }
        loaded = profiles;
      }
    }
    return loaded;
  }

  public Set<String> urls() {
    all();
    return urls;
  }

  /** Our profiles of one resource type. */
  public Set<String> urlsOf(String type) {
    return all().stream().filter(p -> p.type().equals(type)).map(Profile::url).collect(Collectors.toUnmodifiableSet());
  }

  /** The most specific of our profiles that applies to the resource, if its type has any. */
  public Optional<Profile> profileFor(Resource resource) {
    String type = resource.fhirType();
    return all().stream()
        .filter(p -> p.type().equals(type))
        .filter(p -> p.appliesTo(resource, fhirContext))
        .max(Comparator.comparingInt(p -> p.requiredCodings().size()));
  }

  /**
   * The profiles a create or update of the resource is checked against: the Samverkan profiles it
   * names in {@code meta.profile}, and in strict mode also the one that applies to it. The same
   * set is what {@code $validate} without {@code ?profile=} judges by.
   */
  public Set<String> profilesAWriteApplies(Resource resource, ProfilesProperties.Enforcement mode) {
    if (mode == ProfilesProperties.Enforcement.OFF) {
      return Set.of();
    }
    Set<String> ours = urls();
    Set<String> profiles = new LinkedHashSet<>();
    for (CanonicalType profile : resource.getMeta().getProfile()) {
      String url = profile.getValue() == null ? "" : profile.getValue().split("\\|")[0];
      if (ours.contains(url)) {
        profiles.add(url);
      }
    }
    if (mode == ProfilesProperties.Enforcement.STRICT) {
      profileFor(resource).ifPresent(p -> profiles.add(p.url()));
    }
    return profiles;
  }

  private List<Profile> load() {
    List<Profile> loaded = new ArrayList<>();
    try {
      for (String file : npmPackage.listResources("StructureDefinition")) {
        StructureDefinition differential = parse(file);
        if (differential.getKind() != StructureDefinition.StructureDefinitionKind.RESOURCE
            || differential.getAbstract()) {
          continue;
        }
        StructureDefinition snapshot =
            (StructureDefinition) validationSupport.fetchStructureDefinition(differential.getUrl());
        if (snapshot == null || !snapshot.hasSnapshot()) {
          throw new IllegalStateException("No snapshot for " + differential.getUrl() + ": is the package installed?");
        }
        loaded.add(new Profile(differential.getUrl(), differential.getType(), requiredCodings(snapshot)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(loaded);
  }

  private StructureDefinition parse(String file) throws IOException {
    try (InputStream in = npmPackage.load("package", file)) {
      return fhirContext.newJsonParser().parseResource(StructureDefinition.class, in);
    }
  }

  /** Codings fixed on the type's code/category, as a pattern or through a mandatory coding slice. */
  static List<RequiredCoding> requiredCodings(StructureDefinition snapshot) {
    String type = snapshot.getType();
    List<RequiredCoding> codings = new ArrayList<>();
    Map<String, Coding> slices = new HashMap<>();
    for (ElementDefinition element : snapshot.getSnapshot().getElement()) {
      for (String name : DISCRIMINATING_ELEMENTS) {
        String path = type + "." + name;
        if (element.getPath().equals(path) && !element.hasSliceName()
            && element.getPattern() instanceof CodeableConcept pattern) {
          pattern.getCoding().stream()
              .filter(c -> c.hasSystem() && c.hasCode())
              .forEach(c -> codings.add(new RequiredCoding(name, c.getSystem(), c.getCode())));
        }
        String codingPath = path + ".coding";
        if (element.getId().startsWith(path + ".coding:") && element.getMin() > 0) {
          String slice = element.getId().substring((path + ".coding:").length()).split("\\.")[0];
          Coding coding = slices.computeIfAbsent(name + "/" + slice, k -> new Coding());
          if (element.getPath().equals(codingPath) && element.getPattern() instanceof Coding c) {
            coding.setSystem(c.getSystem()).setCode(c.getCode());
          } else if (element.getPath().equals(codingPath + ".system") && (element.hasFixed() || element.hasPattern())) {
            coding.setSystem((element.hasFixed() ? element.getFixed() : element.getPattern()).primitiveValue());
          } else if (element.getPath().equals(codingPath + ".code") && (element.hasFixed() || element.hasPattern())) {
            coding.setCode((element.hasFixed() ? element.getFixed() : element.getPattern()).primitiveValue());
          }
        }
      }
    }
    slices.forEach((key, c) -> {
      if (c.hasSystem() && c.hasCode()) {
        codings.add(new RequiredCoding(key.substring(0, key.indexOf('/')), c.getSystem(), c.getCode()));
      }
    });
    return List.copyOf(codings);
  }

  private static boolean carries(Resource resource, RequiredCoding required, FhirContext context) {
    var child = context.getResourceDefinition(resource).getChildByName(required.element());
    if (child == null) {
      return false;
    }
    return child.getAccessor().getValues(resource).stream()
        .filter(CodeableConcept.class::isInstance)
        .map(CodeableConcept.class::cast)
        .flatMap(concept -> concept.getCoding().stream())
        .anyMatch(c -> required.system().equals(c.getSystem()) && required.code().equals(c.getCode()));
  }
}
