package se.samverkan.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.searchparam.registry.SearchParamRegistryImpl;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry.SearchParamLookupContextEnum;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.support.FhirServerTest;

/**
 * Only the declared search parameters are indexed and answered: a parameter not declared is
 * refused as an unknown one is, never answered with an empty page, and every query the docs show
 * names only parameters the server answers.
 */
class DeclaredSearchParametersTest extends FhirServerTest {

  /** The index tables that hold a row per parameter value (HAPI 8.8 schema). */
  private static final List<String> INDEX_TABLES = List.of("HFJ_SPIDX_TOKEN", "HFJ_SPIDX_STRING",
      "HFJ_SPIDX_QUANTITY", "HFJ_SPIDX_DATE", "HFJ_SPIDX_URI", "HFJ_SPIDX_NUMBER");

  @Autowired DeclaredSearchParameters declared;
  @Autowired @Qualifier("searchParamRegistry") SearchParamRegistryImpl hapi;
  @Autowired DataSource dataSource;

  @Test
  void aSpecificationParameterNotDeclaredIsRefusedAsOneFhirDoesNotHave() {
    for (String query : List.of("/Observation?method=x", "/Observation?combo-code=x", "/Observation?colour=x")) {
      HttpResponse<String> response = get(query);

      assertThat(response.statusCode()).as(query).isEqualTo(400);
      OperationOutcome outcome = fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body());
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).as(query).contains("Unknown search parameter");
    }
    assertThat(hapi.getActiveSearchParam("Observation", "method", SearchParamLookupContextEnum.SEARCH))
        .as("HAPI itself has it: the narrowing is ours").isNotNull();
  }

  @Test
  void aStoredObservationIsIndexedByItsDeclaredParametersOnly() {
    loadProfileExamples();
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    Long pid = jdbc.queryForObject(
        "SELECT RES_ID FROM HFJ_RESOURCE WHERE RES_TYPE = 'Observation' AND FHIR_ID = 'example-news2'", Long.class);

    Set<String> indexed = new TreeSet<>();
    for (String table : INDEX_TABLES) {
      indexed.addAll(jdbc.queryForList("SELECT DISTINCT SP_NAME FROM " + table + " WHERE RES_ID = ?", String.class, pid));
    }

    assertThat(indexed).as("the NEWS2 example's code, category, time and status are indexed")
        .contains("code", "category", "date", "status");
    assertThat(indexed).as("and nothing undeclared, though the example has components")
        .doesNotContain("combo-code", "component-code", "component-value-quantity", "combo-value-quantity");
    assertThat(indexed).allSatisfy(name -> assertThat(declared.getActiveSearchParam("Observation", name,
        SearchParamLookupContextEnum.INDEX)).as(name).isNotNull());
  }

  @Test
  void referenceParametersAndTheProfilePackagesOwnAreAnsweredWithoutBeingListed() {
    for (String query : List.of("/Observation?performer=Organization/none", "/Observation?value-boolean=true",
        "/CareTeam?participant-organization=Organization/none", "/Patient?_tag=urn:x%7Cy")) {
      assertThat(get(query).statusCode()).as(query).isEqualTo(200);
    }
  }

  @Test
  void theCapabilityStatementOffersWhatIsAnsweredAndNothingElse() {
    CapabilityStatement capabilities = client.capabilities().ofType(CapabilityStatement.class).execute();
    CapabilityStatementRestResourceComponent observation = capabilities.getRestFirstRep().getResource().stream()
        .filter(r -> r.getType().equals("Observation")).findFirst().orElseThrow();
    List<String> offered = observation.getSearchParam().stream()
        .map(CapabilityStatementRestResourceSearchParamComponent::getName).toList();

    assertThat(offered).contains("code", "date", "patient", "performer", "value-boolean", "code-value-quantity")
        .doesNotContain("method", "combo-code", "component-code");

    Matcher readme = README_COUNTS.matcher(readme());
    assertThat(readme.find()).as("README says how many types and parameters /fhir/metadata lists").isTrue();
    List<CapabilityStatementRestResourceComponent> types = capabilities.getRestFirstRep().getResource();
    assertThat(Integer.parseInt(readme.group(1))).as("types").isEqualTo(types.size());
    // SearchParameterTest adds parameters of its own (…/SearchParameter/test-…) to the shared server
    long shipped = types.stream().flatMap(t -> t.getSearchParam().stream())
        .filter(p -> !String.valueOf(p.getDefinition()).contains("/SearchParameter/test-")).count();
    assertThat(Long.parseLong(readme.group(2).replace(",", ""))).as("parameters").isEqualTo(shipped);
  }

  private static final Pattern README_COUNTS =
      Pattern.compile("all (\\d+)\\s+R4 resource types the server stores with the ([\\d,]+) search parameters it answers");

  private static String readme() {
    try {
      return Files.readString(Path.of("README.md"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theListNamesOnlyParametersThatFhirR4Has() {
    assertThatThrownBy(() -> new DeclaredSearchParameters(() -> hapi, fhirContext,
        Map.of("Observation", Set.of("code", "colour"), "*", Set.of("shade"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Observation:colour").hasMessageContaining("*:shade")
        .hasMessageNotContaining("Observation:code");
  }

  /** A query in the docs: {@code Type?name=…&name2=…}, also inside a curl command or a table. */
  private static final Pattern QUERY = Pattern.compile("\\b([A-Z][A-Za-z]+)\\?([A-Za-z_][^\\s`'\"<>)\\]|]*)");

  @Test
  void everyQueryTheDocsShowNamesOnlyParametersTheServerAnswers() throws IOException {
    List<String> unanswered = new ArrayList<>();
    int seen = 0;
    for (Path doc : docs()) {
      Matcher query = QUERY.matcher(Files.readString(doc));
      while (query.find()) {
        String type = query.group(1);
        if (!fhirContext.getResourceTypes().contains(type) || type.equals("AuditEvent")) {
          continue; // the audit log's own store answers AuditEvent searches (AuditEventProviderTest)
        }
        for (String pair : query.group(2).split("&")) {
          String name = pair.split("[=:.]", 2)[0];
          if (name.isEmpty() || name.startsWith("_") || name.startsWith("$")) {
            continue; // answered by HAPI itself (_id, _tag, _has, _include, …), or an operation
          }
          seen++;
          if (declared.getActiveSearchParam(type, name, SearchParamLookupContextEnum.SEARCH) == null) {
            unanswered.add(doc + ": " + type + "?" + name);
          }
        }
      }
    }
    assertThat(seen).as("the docs show queries").isGreaterThan(30);
    assertThat(unanswered).isEmpty();
  }

  private static List<Path> docs() {
    try (Stream<Path> files = Stream.concat(Stream.of(Path.of("README.md"), Path.of("examples/README.md"),
        Path.of("profiles/README.md")), Files.list(Path.of("docs")))) {
      return files.filter(p -> p.toString().endsWith(".md")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
