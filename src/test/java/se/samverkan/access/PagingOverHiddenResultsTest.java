package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Paging shows only what the reader may see: a search that matches many resources the reader may
 * not see pages exactly like one that matches only what it may see — the same pages, equally
 * full, and a next link only when something visible follows. Karlskrona kommun searches goals by
 * an identifier that 290 of the region's goals (about a patient it has no care relation to) and
 * 10 of its own carry.
 */
class PagingOverHiddenResultsTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KARLSKRONA = "SE2120000829-SV1080";
  private static final int HIDDEN = 290;
  private static final int VISIBLE = 10;

  /** Identifier values: 290 hidden and 10 visible goals; the 10 visible only; 30 hidden only; none. */
  private static String mixed;
  private static String visibleOnly;
  private static String hiddenOnly;
  private static String nothing;

  @BeforeEach
  void goals() {
    synchronized (PagingOverHiddenResultsTest.class) {
      if (mixed != null) {
        return;
      }
      mixed = TestPeople.uniqueId();
      visibleOnly = TestPeople.uniqueId();
      hiddenOnly = TestPeople.uniqueId();
      nothing = TestPeople.uniqueId();
      String regionPatient = create(TestPeople.patient(), "Authorization", region()).getValue();
      String kommunPatient = create(TestPeople.patient(), "Authorization", karlskrona()).getValue();
      // The region's first, so that they come first in the order the database finds them.
      createGoals(region(), regionPatient, mixed, HIDDEN);
      createGoals(region(), regionPatient, hiddenOnly, 30);
      createGoals(karlskrona(), kommunPatient, mixed, VISIBLE);
      createGoals(karlskrona(), kommunPatient, visibleOnly, VISIBLE);
    }
  }

  /** Searches, with {value} for the identifier value. */
  private static final List<String> SEARCHES = List.of(
      "/Goal?identifier={value}&_count=3",
      "/Goal?identifier={value}",
      "/Goal?identifier={value}&_count=7&_sort=-_lastUpdated",
      "/Goal?identifier={value}&_count=10",
      "/Goal?identifier={value}&_count=1&_elements=id");

  @TestFactory
  Stream<DynamicTest> a_search_matching_hidden_goals_pages_as_one_matching_only_the_visible() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String search : SEARCHES) {
      tests.add(DynamicTest.dynamicTest(search, () -> {
        List<Integer> pages = pages(search, mixed);
        assertThat(pages).as("pages with hidden matches").isEqualTo(pages(search, visibleOnly));
        assertThat(pages.stream().mapToInt(Integer::intValue).sum()).isEqualTo(VISIBLE);
        assertThat(pages).as("no page empty").doesNotContain(0);
      }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> a_search_matching_only_hidden_goals_answers_as_one_matching_nothing() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String search : SEARCHES) {
      tests.add(DynamicTest.dynamicTest(search, () -> {
        assertThat(pages(search, hiddenOnly)).isEqualTo(pages(search, nothing)).containsExactly(0);
      }));
    }
    return tests.stream();
  }

  @Test
  void the_owner_of_the_hidden_goals_pages_through_all_of_its_own() {
    assertThat(pages("/Goal?identifier={value}&_count=200", mixed, region()).stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(HIDDEN);
  }

  /** What paging through the search costs with 290 hidden matches, against none. */
  @Test
  void paging_past_hidden_matches_costs_little() {
    String search = "/Goal?identifier={value}&_count=5";
    pages(search, mixed); // warm
    pages(search, visibleOnly);
    long withHidden = 0;
    long without = 0;
    int rounds = 5;
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      pages(search, mixed);
      long t1 = System.nanoTime();
      pages(search, visibleOnly);
      long t2 = System.nanoTime();
      withHidden += t1 - t0;
      without += t2 - t1;
    }
    System.out.printf("PAGING COST (%s): all pages of %d matches, %d hidden: %d ms; of the %d visible alone: %d ms%n",
        TestDatabaseName.name(), HIDDEN + VISIBLE, HIDDEN, withHidden / rounds / 1_000_000, VISIBLE,
        without / rounds / 1_000_000);
  }

  /** The number of entries on each page, following next links; the last page has none. */
  private List<Integer> pages(String search, String value) {
    return pages(search, value, karlskrona());
  }

  private List<Integer> pages(String search, String value, String token) {
    List<Integer> sizes = new ArrayList<>();
    String next = search.replace("{value}", URLEncoder.encode(TestPeople.TEST_ID + "|" + value, StandardCharsets.UTF_8));
    while (next != null) {
      HttpResponse<String> response = get(next, "Authorization", token);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      Bundle page = parse(Bundle.class, response);
      sizes.add((int) page.getEntry().stream().filter(e -> e.getSearch().getMode() != Bundle.SearchEntryMode.INCLUDE).count());
      next = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
      assertThat(sizes.size()).as("pages of " + search).isLessThan(200);
    }
    return sizes;
  }

  private void createGoals(String token, String patient, String value, int count) {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < count; i++) {
      Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
      goal.addIdentifier().setSystem(TestPeople.TEST_ID).setValue(value);
      goal.getDescription().setText("Mål " + i);
      goal.setSubject(new Reference(patient));
      transaction.addEntry().setResource(goal).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Goal");
    }
    HttpResponse<String> response = send("POST", "", json(transaction), "Authorization", token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private String region() {
    return "Bearer " + tokens.token("vc-ronneby", VC_RONNEBY, TestTokens.REGION, "journal-system", "system/*.read system/*.write");
  }

  private String karlskrona() {
    return "Bearer " + tokens.token("karlskrona", KARLSKRONA, KARLSKRONA, "journal-system", "system/*.read system/*.write");
  }

  private static final class TestDatabaseName {
    static String name() {
      return se.samverkan.support.TestDatabase.POSTGRES ? "PostgreSQL" : "H2";
    }
  }
}
