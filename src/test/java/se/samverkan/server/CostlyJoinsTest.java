package se.samverkan.server;

import se.samverkan.server.spi.FhirServerProperties;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.WriterRelations;

/**
 * Searches whose chains and {@code _has} are checked against what the caller sees by reading what
 * the database matched (JoinedCriteria) answer within seconds, or are refused with 400 saying how
 * to narrow them: never the minute's wait and 500 they once ended in (docs/reliability.md).
 */
class CostlyJoinsTest extends FhirServerTest {

  private static final String PROBE = "urn:samverkan:test:costly-joins";
  private static final String KOMMUN_KARLSKRONA = "SE2120000829-SV1080";

  @Autowired private FhirServerProperties properties;
  private final WriterRelations relations = new WriterRelations(this);

  /**
   * The region's patient has more observations of a code than the check may read, all the
   * kommun's, which the region may not see: the "_has" cannot be decided without reading them all,
   * and is refused within seconds (it took more than a minute and ended in 500). Once the region
   * has one of its own among them, that one is found first, in one small read.
   */
  @Test
  void aHasOverMoreWithheldCandidatesThanTheLimitIsRefusedQuicklyUnlessOnesOwnMatches() {
    String code = TestPeople.uniqueId();
    String patient = patientWithKommunObservations(code, properties.joinScanLimit() + 1);
    String search = "/Patient?_id=" + new IdType(patient).getIdPart()
        + "&_has:Observation:subject:code=" + encode(PROBE + "|" + code);

    long start = System.nanoTime();
    HttpResponse<String> refused = get(search);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(outcome(refused).getIssueFirstRep().getDiagnostics())
        .contains("_has", String.valueOf(properties.joinScanLimit()), "join-scan-limit", "Narrow it");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));

    create(observation(patient, code));
    start = System.nanoTime();
    Bundle found = searchBundle(search);

    assertThat(found.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly(new IdType(patient).getIdPart());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  /**
   * A kommun asks for patients with observations of a code; the first rows HAPI's search reads are
   * one patient the kommun may not see, twenty times over. HAPI's next pass repeated the first until
   * its 60 s wait ended in 500 (StalledSearches); now the search is refused at once, while the
   * region, which sees the patient, is answered as before.
   */
  @Test
  void aSearchWhoseNextPassWouldRepeatTheLastIsRefusedAtOnce() {
    String code = TestPeople.uniqueId();
    String patient = create(TestPeople.patient()).getValue();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 20; i++) {
      transaction.addEntry().setResource(observation(patient, code)).getRequest()
          .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
    }
    assertThat(send("POST", "", json(transaction)).statusCode()).isEqualTo(200);
    String search = "/Patient?_has:Observation:subject:code=" + encode(PROBE + "|" + code) + "&_count=5";
    String kommun = tokens.journalSystem("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA);

    long start = System.nanoTime();
    HttpResponse<String> refused = get(search, "Authorization", kommun);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(outcome(refused).getIssueFirstRep().getDiagnostics()).contains("cannot be completed", "Narrow it");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(searchBundle(search).getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly(new IdType(patient).getIdPart());
  }

  /** HAPI matched these over all data for minutes (60–140 s) and answered 500. */
  @ParameterizedTest
  @ValueSource(strings = {
      "/Observation?subject._has:Observation:subject:code=",
      "/Observation?subject:Patient._has:Observation:subject:code=",
      "/Patient?_has:Observation:subject:_has:Observation:subject:code="})
  void aHasInsideAChainOrAnotherHasIsRefusedAtOnce(String search) {
    long start = System.nanoTime();

    HttpResponse<String> response = get(search + encode(PROBE + "|x"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    OperationOutcome outcome = outcome(response);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("_has", "step by step");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * A patient of the region's (the suite's) with {@code count} observations of the code written by
   * a kommun, which has attested a care relation of its own; no consent, so neither sees the
   * other's data.
   */
  private String patientWithKommunObservations(String code, int count) {
    String patient = create(TestPeople.patient()).getValue();
    String kommun = tokens.journalSystem("kommun-karlskrona", KOMMUN_KARLSKRONA, KOMMUN_KARLSKRONA);
    relations.written("Bearer " + token, TestPeople.patient(), patient);
    relations.beforeWriting(kommun, observation(patient, code));
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < count; i++) {
      transaction.addEntry().setResource(observation(patient, code)).getRequest()
          .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
    }
    HttpResponse<String> stored = send("POST", "", json(transaction), "Authorization", kommun);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    return patient;
  }

  /** An observation with a code no Samverkan profile claims, so it needs no profile's content. */
  private static Observation observation(String patient, String code) {
    Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().addCoding().setSystem(PROBE).setCode(code);
    observation.setSubject(new Reference(patient));
    return observation;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
