package se.samverkan.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * A search id belongs to its caller: whoever else asks for its pages, with whatever token, is
 * answered exactly as for a search id that never existed. Vårdcentralen Ronneby searches its own
 * patient's three goals a page of one at a time.
 */
class SearchOwnershipTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KARLSKRONA = "SE2120000829-SV1080";
  private static final String SCOPES = "system/*.read system/*.write";

  private static String patient;

  @BeforeEach
  void threeGoals() {
    synchronized (SearchOwnershipTest.class) {
      if (patient == null) {
        patient = create(TestPeople.patient(), "Authorization", searcher()).getValue();
        for (int i = 0; i < 3; i++) {
          Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
          goal.getDescription().setText("Mål " + i);
          goal.setSubject(new Reference(patient));
          create(goal, "Authorization", searcher());
        }
      }
    }
  }

  private String searcher() {
    return bearer("vc-ronneby-sjukskoterska", VC_RONNEBY, TestTokens.REGION);
  }

  /** Everyone but the searcher, as (name, token, extra headers). */
  private List<Object[]> others() {
    String emergency = security().emergencyHeader();
    return List.of(
        new Object[] {"another care provider", bearer("karlskrona", KARLSKRONA, KARLSKRONA), new String[0]},
        new Object[] {"another unit of the same care provider", bearer("vc-ronneby-sjukskoterska", TestTokens.HOSPITAL, TestTokens.REGION), new String[0]},
        new Object[] {"another user of the same unit", bearer("vc-ronneby-lakare", VC_RONNEBY, TestTokens.REGION), new String[0]},
        new Object[] {"the same user claiming emergency access", searcher(), new String[] {emergency, "akut"}});
  }

  @TestFactory
  Stream<DynamicTest> the_next_page_of_a_search_is_unknown_to_anyone_but_its_caller() {
    String next = nextLink(get("/Goal?patient=" + patient + "&_count=1", "Authorization", searcher()));
    List<DynamicTest> tests = new ArrayList<>();
    for (Object[] other : others()) {
      tests.add(DynamicTest.dynamicTest((String) other[0], () -> assertUnknown(next, (String) other[1], (String[]) other[2])));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> the_id_of_a_single_page_answer_is_unknown_to_anyone_but_its_caller() {
    HttpResponse<String> answer = get("/Goal?patient=" + patient + "&_count=10", "Authorization", searcher());
    String searchId = parse(Bundle.class, answer).getIdElement().getIdPart();
    String page = "/?_getpages=" + searchId + "&_getpagesoffset=0&_count=10&_bundletype=searchset";
    List<DynamicTest> tests = new ArrayList<>();
    for (Object[] other : others()) {
      tests.add(DynamicTest.dynamicTest((String) other[0], () -> assertUnknown(page, (String) other[1], (String[]) other[2])));
    }
    return tests.stream();
  }

  @Test
  void the_caller_pages_through_its_own_search() {
    String next = nextLink(get("/Goal?patient=" + patient + "&_count=1", "Authorization", searcher()));
    HttpResponse<String> second = get(next, "Authorization", searcher());
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(parse(Bundle.class, second).getEntry()).hasSize(1);
    HttpResponse<String> third = get(nextLink(second), "Authorization", searcher());
    assertThat(parse(Bundle.class, third).getEntry()).hasSize(1);
  }

  @Test
  void a_search_made_with_emergency_access_pages_on_only_with_it() {
    String emergency = security().emergencyHeader();
    String next = nextLink(get("/Goal?patient=" + patient + "&_count=1", "Authorization", searcher(), emergency, "akut"));
    assertThat(get(next, "Authorization", searcher(), emergency, "akut").statusCode()).isEqualTo(200);
    assertUnknown(next, searcher());
  }

  private void assertUnknown(String page, String token, String... headers) {
    String searchId = page.replaceAll(".*_getpages=([^&]+).*", "$1");
    String unknownId = UUID.randomUUID().toString();
    String unknown = page.replace(searchId, unknownId);
    Oracle owned = Oracle.of(get(page, with(headers, "Authorization", token)), Map.of(searchId, Oracle.SEARCH_ID));
    Oracle none = Oracle.of(get(unknown, with(headers, "Authorization", token)), Map.of(unknownId, Oracle.SEARCH_ID));
    assertThat(owned).isEqualTo(none);
    assertThat(none.status()).isLessThan(500);
    assertThat(none.body()).doesNotContain("HAPI-");
  }

  private static String[] with(String[] headers, String... more) {
    List<String> all = new ArrayList<>(List.of(headers));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private String nextLink(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Bundle.BundleLinkComponent next = parse(Bundle.class, response).getLink(Bundle.LINK_NEXT);
    assertThat(next).as("a next link").isNotNull();
    return next.getUrl();
  }

  private String bearer(String subject, String unit, String careProvider) {
    return "Bearer " + tokens.token(subject, unit, careProvider, "journal-system", SCOPES);
  }
}
