package se.samverkan.ops;

import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import se.samverkan.server.spi.FhirServerProperties;

/**
 * Reduces a request path to a pattern that carries no personal data: FHIR paths keep resource
 * types, {@code _history}, {@code _search} and operation names, and replace every id by
 * {@code {id}}; paths outside the known endpoints become {@code {other}}.
 */
@Component
public class PathPatterns {

  private static final Pattern OPERATION = Pattern.compile("\\$[A-Za-z][A-Za-z0-9-]{0,63}");
  private static final Set<String> FHIR_KEYWORDS =
      Set.of("_history", "_search", "metadata", "api-docs", "swagger-ui");

  private final Set<String> resourceTypes;

  public PathPatterns(FhirContext fhirContext) {
    this.resourceTypes = Set.copyOf(fhirContext.getResourceTypes());
  }

  public String of(String path) {
    if (path.equals(FhirServerProperties.FHIR_PATH) || path.startsWith(FhirServerProperties.FHIR_PATH + "/")) {
      return FhirServerProperties.FHIR_PATH + fhirPattern(path.substring(FhirServerProperties.FHIR_PATH.length()));
    }
    if (path.equals("/actuator") || path.startsWith("/actuator/")) {
      // Actuator endpoint names are fixed words, never data.
      return path.matches("/actuator(/[A-Za-z0-9._-]+)*") ? path : "/actuator/{other}";
    }
    if (path.startsWith("/packages/") && path.matches("/packages/[A-Za-z0-9.-]+\\.tgz")) {
      return path;
    }
    return path.equals("/") ? "/" : "/{other}";
  }

  private String fhirPattern(String rest) {
    List<String> out = new ArrayList<>();
    boolean afterHistory = false;
    for (String segment : rest.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (out.isEmpty() && "swagger-ui".equals(segment)) {
        return "/swagger-ui/**";
      }
      if (FHIR_KEYWORDS.contains(segment) || OPERATION.matcher(segment).matches()) {
        out.add(segment);
      } else if (out.isEmpty()) {
        out.add(resourceTypes.contains(segment) ? segment : "{type}");
      } else {
        out.add(afterHistory ? "{version}" : "{id}");
      }
      afterHistory = "_history".equals(segment);
    }
    return out.isEmpty() ? "" : "/" + String.join("/", out);
  }
}
