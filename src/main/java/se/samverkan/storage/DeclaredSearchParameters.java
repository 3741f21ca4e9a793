package se.samverkan.storage;

import ca.uhn.fhir.context.ComboSearchParamType;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.context.phonetic.IPhoneticEncoder;
import ca.uhn.fhir.jpa.cache.ResourceChangeResult;
import ca.uhn.fhir.jpa.searchparam.registry.ISearchParamRegistryController;
import ca.uhn.fhir.jpa.searchparam.registry.SearchParamRegistryImpl;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.util.ResourceSearchParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import com.google.common.base.Suppliers;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * The search parameters Samverkan indexes and answers: HAPI's registry, narrowed to what the
 * product and its documented queries use (issue 20). HAPI indexes every search parameter of the
 * FHIR specification on every write, about forty for an Observation, each a FHIRPath evaluation
 * and, where it finds a value, rows to insert; most of them no query here ever reads.
 *
 * <p>A parameter is indexed and searchable when it is
 * <ul>
 *   <li>one of the <b>declared</b> specification parameters, listed with the reason for each in
 *       {@value #DECLARED} (a parameter not listed answers 400 "Unknown search parameter", as one
 *       the specification does not have: never an empty answer that looks like "nothing matches");
 *   <li>a <b>reference</b>: the links are how the server knows who points at whom, so that a
 *       delete never leaves a dangling reference, and what {@code $everything}, {@code _include},
 *       {@code _revinclude}, chains and the access rule's patient lookups follow;
 *   <li>a <b>meta parameter</b> ({@code _id}, {@code _lastUpdated}, {@code _tag}, {@code _profile},
 *       {@code _security}, {@code _source}, …), which HAPI answers from its own tables;
 *   <li>one HAPI relies on itself ({@link SearchParamRegistryImpl#NON_DISABLEABLE_SEARCH_PARAMS}:
 *       every {@code url}, and Subscription's, SearchParameter's and Basic's);
 *   <li>defined by a stored <b>SearchParameter</b> resource (the profile package's, or one an
 *       administrator adds): storing it is its declaration.
 * </ul>
 * The same rule narrows indexing, searching, sorting and the CapabilityStatement, since HAPI asks
 * this registry for all of them (it is the primary {@link ISearchParamRegistry}; HAPI's own stays
 * behind it and keeps loading stored SearchParameters). Indexes of a parameter no longer declared
 * stay in an older database until the resource is next written, and are never read.
 */
public final class DeclaredSearchParameters implements ISearchParamRegistry, ISearchParamRegistryController {

  /** The declared specification parameters, on the class path beside this class. */
  static final String DECLARED = "declared-search-parameters.txt";
  /** In the list, the type of a line whose parameters every type that has them is declared with. */
  static final String EVERY_TYPE = "*";
  /** The types all of whose parameters HAPI itself searches (NON_DISABLEABLE_SEARCH_PARAMS). */
  private static final Set<String> HAPI_OWN_TYPES = Set.of("Subscription", "SearchParameter", "Basic");

  private final Supplier<SearchParamRegistryImpl> hapiRegistry;
  /** The specification's parameters: type → code → canonical URL. */
  private final Map<String, Map<String, String>> specification;
  /** The declared codes of each type, those of the '*' line included. */
  private final Map<String, Set<String>> declared;

  /** @param hapiRegistry HAPI's registry, asked for when first needed */
  public DeclaredSearchParameters(Supplier<SearchParamRegistryImpl> hapiRegistry, FhirContext fhirContext) {
    this(hapiRegistry, fhirContext, read(DeclaredSearchParameters.class.getResourceAsStream(DECLARED)));
  }

  DeclaredSearchParameters(Supplier<SearchParamRegistryImpl> hapiRegistry, FhirContext fhirContext,
      Map<String, Set<String>> declared) {
    this.hapiRegistry = Suppliers.memoize(hapiRegistry::get);
    requireSpecificationParameters(fhirContext, declared);
    // Decided for every parameter of every search and every write: looked up, not worked out.
    Map<String, Map<String, String>> urls = new HashMap<>();
    Map<String, Set<String>> byType = new HashMap<>();
    for (String type : fhirContext.getResourceTypes()) {
      Map<String, String> ofType = new HashMap<>();
      fhirContext.getResourceDefinition(type).getSearchParams().forEach(p -> ofType.put(p.getName(), p.getUri()));
      urls.put(type, Map.copyOf(ofType));
      Set<String> names = new HashSet<>(declared.getOrDefault(type, Set.of()));
      declared.getOrDefault(EVERY_TYPE, Set.of()).stream().filter(ofType::containsKey).forEach(names::add);
      byType.put(type, Set.copyOf(names));
    }
    this.specification = Map.copyOf(urls);
    this.declared = Map.copyOf(byType);
  }

  /** Whether HAPI's parameter of this name is indexed and answered for this type. */
  boolean isDeclared(String type, RuntimeSearchParam param) {
    String name = param.getName();
    if (name.startsWith("_") || param.getParamType() == RestSearchParameterTypeEnum.REFERENCE
        || "url".equals(name) || HAPI_OWN_TYPES.contains(type)) {
      return true;
    }
    String specificationUrl = specification.getOrDefault(type, Map.of()).get(name);
    if (specificationUrl == null || !specificationUrl.equals(param.getUri())) {
      return true; // a stored SearchParameter's own (HAPI also asks about "Resource": all its own are _)
    }
    return declared.getOrDefault(type, Set.of()).contains(name);
  }

  @Override
  public RuntimeSearchParam getActiveSearchParam(String type, String name, SearchParamLookupContextEnum purpose) {
    RuntimeSearchParam param = hapi().getActiveSearchParam(type, name, purpose);
    return param != null && isDeclared(type, param) ? param : null;
  }

  /** HAPI answers a fresh copy for every call (ReadOnlySearchParamCache#getSearchParamMap, 8.8), and so does this. */
  @Override
  public ResourceSearchParams getActiveSearchParams(String type, SearchParamLookupContextEnum purpose) {
    ResourceSearchParams kept = new ResourceSearchParams(type);
    for (RuntimeSearchParam param : hapi().getActiveSearchParams(type, purpose).values()) {
      if (isDeclared(type, param)) {
        kept.put(param.getName(), param);
      }
    }
    return kept;
  }

  /**
   * By canonical URL, not narrowed: HAPI looks up a composite parameter's components this way,
   * and validates new SearchParameters against the specification's; a search names a parameter by
   * its code, which the two methods above answer.
   */
  @Override
  public RuntimeSearchParam getActiveSearchParamByUrl(String url, SearchParamLookupContextEnum purpose) {
    return hapi().getActiveSearchParamByUrl(url, purpose);
  }

  // Combined parameters exist only as stored SearchParameters, so they are all declared.

  @Override
  public List<RuntimeSearchParam> getActiveComboSearchParams(String type, SearchParamLookupContextEnum purpose) {
    return hapi().getActiveComboSearchParams(type, purpose);
  }

  @Override
  public List<RuntimeSearchParam> getActiveComboSearchParams(String type, ComboSearchParamType kind,
      SearchParamLookupContextEnum purpose) {
    return hapi().getActiveComboSearchParams(type, kind, purpose);
  }

  @Override
  public List<RuntimeSearchParam> getActiveComboSearchParams(String type, Set<String> names,
      SearchParamLookupContextEnum purpose) {
    return hapi().getActiveComboSearchParams(type, names, purpose);
  }

  @Override
  public Optional<RuntimeSearchParam> getActiveComboSearchParamById(String type, IIdType id) {
    return hapi().getActiveComboSearchParamById(type, id);
  }

  @Override
  public ResourceChangeResult refreshCacheIfNecessary() {
    return hapi().refreshCacheIfNecessary();
  }

  private SearchParamRegistryImpl hapi() {
    return hapiRegistry.get();
  }

  @Override
  public boolean isInitialized() {
    return hapi().isInitialized();
  }

  @Override
  public void setPhoneticEncoder(IPhoneticEncoder encoder) {
    hapi().setPhoneticEncoder(encoder);
  }

  @Override
  public void requestRefresh() {
    hapi().requestRefresh();
  }

  @Override
  public void forceRefresh() {
    hapi().forceRefresh();
  }

  /**
   * Reads the list: one type a line, its parameters after it, separated by blanks; {@code #} starts
   * a comment. A type may come on several lines.
   */
  static Map<String, Set<String>> read(InputStream in) {
    if (in == null) {
      throw new IllegalStateException(DECLARED + " is not on the class path");
    }
    Map<String, Set<String>> byType = new TreeMap<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        int comment = line.indexOf('#');
        String[] words = (comment < 0 ? line : line.substring(0, comment)).trim().split("\\s+");
        if (words.length < 2) {
          if (!words[0].isEmpty()) {
            throw new IllegalStateException(DECLARED + ": a type without parameters: " + line);
          }
          continue;
        }
        Set<String> names = byType.computeIfAbsent(words[0], t -> new TreeSet<>());
        names.addAll(List.of(words).subList(1, words.length));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byType.replaceAll((type, names) -> Set.copyOf(names));
    return byType;
  }

  /** A name the specification does not have for its type would be a typo that no query could use. */
  private static Map<String, Set<String>> requireSpecificationParameters(FhirContext fhirContext,
      Map<String, Set<String>> declared) {
    List<String> unknown = new ArrayList<>();
    declared.forEach((type, names) -> {
      if (EVERY_TYPE.equals(type)) {
        names.stream().filter(name -> fhirContext.getResourceTypes().stream()
            .noneMatch(any -> fhirContext.getResourceDefinition(any).getSearchParam(name) != null))
            .forEach(name -> unknown.add(EVERY_TYPE + ":" + name));
        return;
      }
      if (!fhirContext.getResourceTypes().contains(type)) {
        unknown.add(type);
        return;
      }
      for (String name : names) {
        if (fhirContext.getResourceDefinition(type).getSearchParam(name) == null) {
          unknown.add(type + ":" + name);
        }
      }
    });
    if (!unknown.isEmpty()) {
      throw new IllegalStateException(DECLARED + " names what FHIR R4 does not have: " + unknown);
    }
    return declared;
  }
}
