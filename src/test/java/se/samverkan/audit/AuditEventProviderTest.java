package se.samverkan.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The audit log served from its own store (AuditEventProvider): a reviewer pages through it with
 * {@code next} links that miss and repeat nothing, narrows it by time, sorts it by time, is refused
 * what it cannot be searched by (never answered as if the parameter were not there), and cannot
 * tell another care provider's events from events that do not exist.
 */
class AuditEventProviderTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";

  @Test
  void aReviewerPagesThroughTheLogByItsNextLinksMissingNoneAndRepeatingNone() {
    String subject = "pages-" + UUID.randomUUID();
    for (int i = 0; i < 7; i++) {
      assertThat(get("/Patient?_count=1", "Authorization", vc(subject)).statusCode()).isEqualTo(200);
    }

    List<AuditEvent> oldestFirst = allPages("/AuditEvent?altid=" + subject + "&_count=3&_sort=date");
    List<AuditEvent> newestFirst = allPages("/AuditEvent?altid=" + subject + "&_count=3&_sort=-date");

    assertThat(oldestFirst).extracting(e -> e.getIdElement().getIdPart()).hasSize(7).doesNotHaveDuplicates();
    assertThat(oldestFirst).extracting(AuditEvent::getRecorded).isSorted();
    List<String> reversed = new ArrayList<>(oldestFirst.stream().map(e -> e.getIdElement().getIdPart()).toList());
    Collections.reverse(reversed);
    assertThat(newestFirst).extracting(e -> e.getIdElement().getIdPart()).containsExactlyElementsOf(reversed);
  }

  @Test
  void aReviewerNarrowsTheLogByTheTimeItWasRecorded() {
    String subject = "dates-" + UUID.randomUUID();
    Instant before = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
    assertThat(get("/Patient?_count=1", "Authorization", vc(subject)).statusCode()).isEqualTo(200);
    Instant after = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);

    assertThat(search("/AuditEvent?altid=" + subject + "&date=ge" + before + "&date=le" + after).getEntry()).hasSize(1);
    assertThat(search("/AuditEvent?altid=" + subject + "&date=gt" + after).getEntry()).isEmpty();
    assertThat(search("/AuditEvent?altid=" + subject + "&date=lt" + before).getEntry()).isEmpty();
  }

  @Test
  void whatTheLogCannotBeSearchedByIsRefusedNotIgnored() {
    for (String query : List.of("_tag=x", "_lastUpdated=gt2026-01-01", "_id=1", "_total=accurate", "_has:Patient:x:y=z",
        "patient:missing=true", "altid:not=x", "patient.name=Tolvan", "patient=Observation/1", "_sort=_lastUpdated",
        "date=ne2026-01-01", "_include=AuditEvent:agent", "entity=Patient/1")) {
      HttpResponse<String> refused = get("/AuditEvent?" + query, "Authorization", regionReviewer());
      assertThat(refused.statusCode()).as(query + ": " + refused.body()).isEqualTo(400);
      assertThat(outcome(refused).getIssueFirstRep().getSeverity()).as(query).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    }
  }

  @Test
  void anotherCareProvidersEventsAnswerAsEventsThatDoNotExist() {
    String subject = "vc-" + UUID.randomUUID();
    // A patient of the region's own: the event concerns the region alone.
    assertThat(send("POST", "/Patient", json(TestPeople.patient()), "Authorization", vc(subject)).statusCode())
        .isEqualTo(201);
    AuditEvent regions = search("/AuditEvent?altid=" + subject).getEntry().stream()
        .map(e -> (AuditEvent) e.getResource()).findFirst().orElseThrow();

    HttpResponse<String> hidden = get("/AuditEvent/" + regions.getIdElement().getIdPart(), "Authorization", kommunReviewer());
    HttpResponse<String> absent = get("/AuditEvent/" + (Long.MAX_VALUE - 1), "Authorization", kommunReviewer());
    HttpResponse<String> hiddenSearch = get("/AuditEvent?altid=" + subject, "Authorization", kommunReviewer());
    HttpResponse<String> absentSearch = get("/AuditEvent?altid=nobody-" + UUID.randomUUID(), "Authorization", kommunReviewer());

    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(outcome(hidden).getIssueFirstRep().getDiagnostics())
        .isEqualTo(outcome(absent).getIssueFirstRep().getDiagnostics().replace(Long.toString(Long.MAX_VALUE - 1),
            regions.getIdElement().getIdPart()));
    assertThat(parse(Bundle.class, hiddenSearch).getEntry()).isEmpty();
    assertThat(parse(Bundle.class, hiddenSearch).getLink()).extracting(Bundle.BundleLinkComponent::getRelation)
        .isEqualTo(parse(Bundle.class, absentSearch).getLink().stream().map(Bundle.BundleLinkComponent::getRelation).toList());
  }

  // --- helpers

  private List<AuditEvent> allPages(String first) {
    List<AuditEvent> events = new ArrayList<>();
    Bundle page = search(first);
    for (int pages = 1; ; pages++) {
      assertThat(page.getEntry()).hasSizeLessThanOrEqualTo(3);
      page.getEntry().forEach(e -> events.add((AuditEvent) e.getResource()));
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        return events;
      }
      assertThat(pages).as("pages followed").isLessThan(10);
      String next = page.getLink(Bundle.LINK_NEXT).getUrl();
      page = search(next.substring(next.indexOf("/fhir") + "/fhir".length()));
    }
  }

  private Bundle search(String path) {
    HttpResponse<String> answer = get(path, "Authorization", regionReviewer());
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return parse(Bundle.class, answer);
  }

  private String regionReviewer() {
    return tokens.logReviewer(TestTokens.REGION);
  }

  private String kommunReviewer() {
    return tokens.logReviewer(KOMMUN_RONNEBY);
  }

  private String vc(String subject) {
    return "Bearer " + tokens.token(subject, VC_RONNEBY, TestTokens.REGION, "journal-system",
        "system/*.read system/*.write");
  }
}
