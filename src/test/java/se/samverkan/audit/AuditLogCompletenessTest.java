package se.samverkan.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.auth.Caller;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * The audit log misses no request and loses none that was acknowledged: every answer a client
 * receives — data, refusals, failures — has its AuditEvent committed before the answer's first
 * byte is sent, so a crash after an answer loses nothing, and a log reviewer's search sees every
 * request answered before it. (drills/run kill-audit does the crash for real, with kill -9.)
 */
class AuditLogCompletenessTest extends FhirServerTest {

  private static final String VC = "SE2321000081-SV2081";

  @Autowired private DataSource dataSource;

  @Test
  void everyRequestOfAMixedConcurrentLoadIsInTheLogAsSoonAsItsAnswerHasArrived() throws Exception {
    String subject = "load-" + UUID.randomUUID();
    List<Supplier<HttpResponse<String>>> mix = mix(subject);
    List<HttpResponse<String>> answers = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(6);
    try {
      List<Future<HttpResponse<String>>> sent = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        mix.forEach(request -> sent.add(clients.submit(request::get)));
      }
      for (Future<HttpResponse<String>> answer : sent) {
        answers.add(answer.get());
      }
    } finally {
      clients.shutdown();
    }
    Map<Integer, Long> answered = answers.stream().collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(answered.keySet()).as("the mix is answered with data, refusals and failures")
        .contains(200, 201, 400, 403, 404, 422);

    List<AuditEvent> logged = eventsOf(subject);

    assertThat(logged).hasSize(answers.size());
    assertThat(logged.stream().collect(Collectors.groupingBy(e -> Integer.parseInt(e.getOutcomeDesc().substring(5)),
        Collectors.counting()))).isEqualTo(answered);
  }

  @Test
  void anAnswerArrivesOnlyAfterItsAuditRecordIsCommitted() {
    String subject = "answered-" + UUID.randomUUID();
    JdbcTemplate otherConnection = new JdbcTemplate(dataSource);
    int answered = 0;
    for (Supplier<HttpResponse<String>> request : mix(subject)) {
      request.get();
      answered++;
      assertThat(eventsOf(otherConnection, subject))
          .as("committed, seen from another connection, when answer " + answered + " arrives").isEqualTo(answered);
    }
  }

  /** One of each: a create, a read, a search, a transaction, an unknown id, a bad parameter, an invalid resource, a scope refusal. */
  private List<Supplier<HttpResponse<String>>> mix(String subject) {
    String writer = "Bearer " + tokens.token(subject, VC, TestTokens.REGION, "journal-system", "system/*.read system/*.write");
    String readOnly = "Bearer " + tokens.token(subject, VC, TestTokens.REGION, "journal-system", "system/Patient.read");
    Function<String, Supplier<HttpResponse<String>>> read = path -> () -> get(path, "Authorization", writer);
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction.addEntry().setResource(TestPeople.patient()).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    return List.of(
        () -> send("POST", "/Patient", json(TestPeople.patient()), "Authorization", writer),
        read.apply("/Patient?_count=2"),
        read.apply("/Patient/" + UUID.randomUUID()),
        read.apply("/Observation?no-such-parameter=1"),
        () -> send("POST", "/Observation", json(withoutSubject()), "Authorization", writer),
        () -> send("POST", "/Patient", json(TestPeople.patient()), "Authorization", readOnly),
        () -> send("POST", "", json(transaction), "Authorization", writer));
  }

  /** A body temperature without its patient: its profile refuses it (422). */
  private Observation withoutSubject() {
    Observation temperature = fhirContext.newJsonParser().parseResource(Observation.class,
        ProfileExamples.read("observation/examples/Observation-example-body-temperature.json"));
    temperature.setId((String) null);
    return temperature.setSubject(null);
  }

  private List<AuditEvent> eventsOf(String subject) {
    String reviewer = "Bearer " + tokens.token("reviewer", TestTokens.REGION, TestTokens.REGION, Caller.LOG_REVIEWER,
        "system/AuditEvent.read");
    Bundle found = parse(Bundle.class, get("/AuditEvent?altid=" + subject + "&_count=500", "Authorization", reviewer));
    return found.getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
  }

  /** The subject's AuditEvents in the store, counted from a connection of the test's own. */
  private static int eventsOf(JdbcTemplate jdbc, String subject) {
    Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM SV_AUDIT_EVENT_KEY WHERE NAME = 'ALTID' AND VAL = ?",
        Integer.class, subject);
    return rows == null ? 0 : rows;
  }
}
