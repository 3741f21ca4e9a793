package se.samverkan.server;

import se.samverkan.server.spi.FhirServerProperties;

import se.samverkan.server.edge.MatchUrls;
import se.samverkan.server.edge.RequestSizeLimitFilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;

/**
 * Hostile input (issue #8, docs/reliability.md): every case gets a clear OperationOutcome with the
 * right 4xx status — never a 500, never Java internals in the diagnostics — and a refused write
 * stores nothing. Each attempted resource carries an identifier of its own, counted afterwards.
 * BadInputTest has the everyday mistakes (unknown type or id, a body of another type).
 */
class HostileInputTest extends FhirServerTest {

  private static final String MARK = "urn:samverkan:test:hostile";
  private static final String TASK = "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\","
      + "\"identifier\":[{\"system\":\"" + MARK + "\",\"value\":\"%s\"}]%s}";
  /** Fully qualified Java names, stack frames, exception names, Jackson's `Class.method()`, SQL. */
  private static final Pattern INTERNALS = Pattern.compile(
      "\\tat |\\b(?:java|javax|jakarta|org|com|ca)\\.[a-z]\\w*\\.[a-z]\\w*|\\w+Exception\\b|[A-Z]\\w+\\.\\w+\\(\\)"
          + "|(?i:insert into|select .* from|sql)");

  @Autowired private FhirServerProperties properties;

  // --- Malformed bodies

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"resourceType\":\"Task\",\"status\":\"draft\",",
      "{\"resourceType\":\"Task\",\"status\":\"draft\"}}",
      "{\"resourceType\":\"Task\", /* comment */ \"status\":\"draft\"}",
      "{\"resourceType\":\"Task\",\"status\":NaN}",
      "[]",
      "null",
      ""})
  void malformedJsonIsABadRequest(String body) {
    assertRefused(send("POST", "/Task", body), 400);
  }

  @Test
  void aTruncatedTaskIsRefusedAndNotStored() {
    String mark = mark();
    String task = String.format(TASK, mark, "");

    assertRefused(send("POST", "/Task", task.substring(0, task.length() - 3)), 400);
    assertThat(stored("Task", mark)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"/>",
      "<Task xmlns=\"http://hl7.org/fhir\"><status value=\"draft\"></Task>",
      "{\"resourceType\":\"Task\"}",
      "<Foo xmlns=\"http://hl7.org/fhir\"/>",
      "<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
          + "<Task xmlns=\"http://hl7.org/fhir\"><description value=\"&x;\"/></Task>",
      "<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
          + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]><Task xmlns=\"http://hl7.org/fhir\"><description value=\"&c;\"/></Task>"})
  void malformedXmlIsABadRequestAndNoEntityIsResolved(String body) {
    HttpResponse<String> response = send("POST", "/Task", body, "Content-Type", "application/fhir+xml");

    assertRefused(response, 400);
    assertThat(response.body()).doesNotContain("root:").doesNotContain("aaaaaaaaaaaaaaaaaaaa");
  }

  /** The control case for the one above: before the fix, every profiled resource sent as XML got 422. */
  @Test
  void wellFormedXmlOfAProfiledTypeIsStored() {
    Patient patient = TestPeople.patient();

    HttpResponse<String> created = send("POST", "/Patient", fhirContext.newXmlParser().encodeResourceToString(patient),
        "Content-Type", "application/fhir+xml");

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(countAll("/Patient?identifier=" + TestPeople.PERSONNUMMER + "%7C"
        + patient.getIdentifierFirstRep().getValue())).isEqualTo(1);
  }

  @Test
  void deeplyNestedJsonIsRefusedQuickly() {
    int depth = 5_000;
    String extensions = "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",\"extension\":"
        + "[{\"url\":\"https://example.org/x\",\"extension\":".repeat(depth) + "[]" + "}]".repeat(depth) + "}";
    String arrays = "{\"resourceType\":\"Task\",\"input\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
    String xml = "<Task xmlns=\"http://hl7.org/fhir\">" + "<extension url=\"https://example.org/x\">".repeat(depth)
        + "</extension>".repeat(depth) + "</Task>";

    for (String[] body : new String[][] {
        {extensions, "application/fhir+json"}, {arrays, "application/fhir+json"}, {xml, "application/fhir+xml"}}) {
      long start = System.nanoTime();
      HttpResponse<String> response = send("POST", "/Task", body[0], "Content-Type", body[1]);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      OperationOutcome outcome = assertRefused(response, 400);
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).containsIgnoringCase("depth");
      assertThat(took).as("refused, not worked through").isLessThan(Duration.ofSeconds(10));
    }
  }

  // --- Content-Type

  @ParameterizedTest
  @ValueSource(strings = {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"})
  void aBodyWithoutAFhirContentTypeIsUnsupportedMediaType(String contentType) {
    String mark = mark();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + "/Task"))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(String.format(TASK, mark, "")));
    if (!contentType.isEmpty()) {
      request.header("Content-Type", contentType);
    }

    OperationOutcome outcome = assertRefused(exchange(request.build()), 415);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("Content-Type");
    assertThat(stored("Task", mark)).isZero();
  }

  // --- Request size (samverkan.fhir.max-request-size)

  @Test
  void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsSent() {
    long limit = properties.maxRequestSize().toBytes();
    // Headers only: the answer must come without the server waiting for a single byte of body.
    RawResponse response = raw("POST /fhir/Task HTTP/1.1\r\n"
        + "Content-Type: application/fhir+json\r\nContent-Length: " + (limit + 1) + "\r\n", null);

    assertThat(response.status).as(response.body).isEqualTo(413);
    OperationOutcome outcome = fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body);
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(RequestSizeLimitFilter.readable(limit));
  }

  @Test
  void aChunkedBodyGrowingOverTheLimitIsRefusedAndNotStored() {
    long limit = properties.maxRequestSize().toBytes();
    String mark = mark();

    RawResponse response = raw(chunkedPost("/fhir/Task"), chunked(padded(String.format(TASK, mark, ""), limit + 1)));

    assertThat(response.status).as(response.body).isEqualTo(413);
    assertThat(fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body)
        .getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void aBodyOfExactlyTheLimitIsAcceptedWithOrWithoutContentLength() {
    long limit = properties.maxRequestSize().toBytes();
    String declared = mark();
    String chunked = mark();

    HttpResponse<String> withLength = send("POST", "/Task", padded(String.format(TASK, declared, ""), limit));
    RawResponse withChunks = raw(chunkedPost("/fhir/Task"), chunked(padded(String.format(TASK, chunked, ""), limit)));

    assertThat(withLength.statusCode()).isEqualTo(201);
    assertThat(withChunks.status).as(withChunks.body).isEqualTo(201);
    assertThat(stored("Task", declared)).isEqualTo(1);
    assertThat(stored("Task", chunked)).isEqualTo(1);
  }

  // --- Content-Encoding: gzip is inflated by the server, and counts against the limit inflated

  /** A gzip bomb: some 200 KB that inflate to twenty times the limit (HAPI once ran out of heap). */
  @Test
  void aGzipBodyInflatingPastTheLimitIsRefusedAndNotStored() {
    long limit = properties.maxRequestSize().toBytes();
    String mark = mark();
    byte[] bomb = gzip(String.format(TASK, mark, ""), 20 * limit);
    assertThat(bomb.length).as("compressed").isLessThan(512 * 1024);

    long start = System.nanoTime();
    HttpResponse<String> response = sendBytes("POST", "/Task", bomb, "Content-Encoding", "gzip");

    OperationOutcome outcome = assertRefused(response, 413);
    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("gzip", RequestSizeLimitFilter.readable(limit));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void anHonestGzipBodyIsInflatedAndStored() {
    String mark = mark();

    HttpResponse<String> response = sendBytes("POST", "/Task", gzip(String.format(TASK, mark, ""), 0), "Content-Encoding", "gzip");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(stored("Task", mark)).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"deflate", "br", "compress", "gzip, gzip", "x-unknown"})
  void aContentEncodingOtherThanGzipIsUnsupportedMediaType(String encoding) {
    String mark = mark();

    HttpResponse<String> response = sendBytes("POST", "/Task", gzip(String.format(TASK, mark, ""), 0),
        "Content-Encoding", encoding);

    OperationOutcome outcome = assertRefused(response, 415);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("Content-Encoding", "gzip");
    assertThat(response.headers().firstValue("Accept-Encoding")).hasValue("gzip");
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void aBodyThatIsNotGzipAsItsContentEncodingSaysIsABadRequest() {
    String mark = mark();

    HttpResponse<String> response = sendBytes("POST", "/Task", String.format(TASK, mark, "").getBytes(StandardCharsets.UTF_8),
        "Content-Encoding", "gzip");

    OperationOutcome outcome = assertRefused(response, 400);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("gzip");
    assertThat(stored("Task", mark)).isZero();
  }

  // --- References

  @ParameterizedTest
  @ValueSource(strings = {"Patient/does-not-exist", "Vardplan/1", "not a reference", "Patient/",
      "http://elsewhere.example/fhir/Patient/1", "urn:uuid:0d6a3c3e-4e0c-4a4c-9d2e-111111111111"})
  void aDanglingOrInvalidReferenceIsRefusedAndNothingStored(String reference) {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task",
        String.format(TASK, mark, ",\"for\":{\"reference\":\"" + reference + "\"}"));

    assertRefused(response, 400);
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void aConditionalReferenceMatchingNothingIsNotFoundAndNothingStored() {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task", String.format(TASK, mark,
        ",\"for\":{\"reference\":\"Patient?identifier=" + MARK + "|" + mark() + "\"}"));

    assertRefused(response, 404);
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void aTransactionWithOneDanglingReferenceStoresNothing() {
    String valid = mark();
    String dangling = mark();
    String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("POST", "Task", String.format(TASK, valid, "")) + ","
        + entry("POST", "Task", String.format(TASK, dangling, ",\"for\":{\"reference\":\"Patient/does-not-exist\"}"))
        + "]}";

    OperationOutcome outcome = assertRefused(send("POST", "", transaction), 400);

    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("Patient/does-not-exist");
    assertThat(stored("Task", valid)).isZero();
    assertThat(stored("Task", dangling)).isZero();
  }

  /**
   * A kommun sends a valid create together with an update of the region's Goal about a patient the
   * kommun has no care relation with: refused as a whole, and the Goal is as it was.
   */
  @Test
  void aTransactionTouchingAnotherOwnersResourceAboutAHiddenPatientStoresNothing() {
    IdType patient = create(TestPeople.patient());
    Goal goal = new Goal().setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
    goal.getDescription().setText("Bo kvar hemma");
    goal.setSubject(new Reference(patient));
    IdType goalId = create(goal);
    String kommun = "Bearer " + tokens.token("kommun-karlskrona", "SE2120000829-SV1080", "SE2120000829-SV1080",
        "journal-system", "system/*.read system/*.write");
    assertThat(get("/" + patient.getValue(), "Authorization", kommun).statusCode())
        .as("the kommun may not read the patient").isEqualTo(404);
    goal.setId(goalId);
    goal.getDescription().setText("Flytta till särskilt boende");
    String mark = mark();
    String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("POST", "Task", String.format(TASK, mark, "")) + ","
        + entry("PUT", goalId.getValue(), json(goal)) + "]}";

    HttpResponse<String> response = send("POST", "", transaction, "Authorization", kommun);

    assertRefused(response, 403);
    assertThat(stored("Task", mark)).isZero();
    Goal after = parse(Goal.class, get("/" + goalId.getValue()));
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
    assertThat(after.getDescription().getText()).isEqualTo("Bo kvar hemma");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"a string\"", "5", "null", "[1]", "true"})
  void aTransactionEntryWhoseResourceIsNotAnObjectIsABadRequest(String resource) {
    String valid = mark();
    String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("POST", "Task", String.format(TASK, valid, "")) + ","
        + "{\"resource\":" + resource + ",\"request\":{\"method\":\"PUT\",\"url\":\"Task/" + mark() + "\"}}]}";

    assertRefused(send("POST", "", transaction), 400);
    assertThat(stored("Task", valid)).isZero();
  }

  // --- Match URLs: a condition's or a conditional reference's query is read as a query string is

  @Test
  void aMalformedIfNoneExistIsABadRequestAndNothingStored() {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task", String.format(TASK, mark, ""), "If-None-Exist", "identifier=%zz");

    assertMalformedQuery(response, "If-None-Exist");
    assertThat(stored("Task", mark)).isZero();
  }

  @Test
  void aMalformedConditionalReferenceIsABadRequestAndNothingStored() {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task",
        String.format(TASK, mark, ",\"for\":{\"reference\":\"Patient?identifier=%ff\"}"));

    assertMalformedQuery(response, "conditional reference");
    assertThat(stored("Task", mark)).isZero();
  }

  /** Every place a transaction or batch holds a match URL; a valid create beside it is not stored. */
  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "transaction; {\"resource\":%s,\"request\":{\"method\":\"POST\",\"url\":\"Task\",\"ifNoneExist\":\"identifier=%%zz\"}}",
      "transaction; {\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"Task?identifier=%%zz\"}}",
      "transaction; {\"resource\":{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
          + "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Task.status\"},"
          + "{\"name\":\"value\",\"valueCode\":\"ready\"}]}]},\"request\":{\"method\":\"PATCH\",\"url\":\"Task?identifier=%%zz\"}}",
      "transaction; {\"request\":{\"method\":\"DELETE\",\"url\":\"Task?identifier=%%zz\"}}",
      "transaction; {\"request\":{\"method\":\"GET\",\"url\":\"Task?identifier=%%ff\"}}",
      "batch; {\"resource\":%s,\"request\":{\"method\":\"POST\",\"url\":\"Task\",\"ifNoneExist\":\"identifier=%%zz\"}}",
      "batch; {\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"Task?identifier=%%\"}}"})
  void aMalformedMatchUrlInATransactionOrBatchIsABadRequestAndNothingStored(String type, String malformedEntry) {
    String valid = mark();
    String other = mark();
    String withReference = mark();
    String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":["
        + entry("POST", "Task", String.format(TASK, valid, "")) + ","
        + String.format(malformedEntry, String.format(TASK, other, "")) + "]}";

    assertMalformedQuery(send("POST", "", bundle), "Bundle.entry[1].request");
    assertThat(stored("Task", valid)).isZero();
    assertThat(stored("Task", other)).isZero();

    String reference = "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":["
        + entry("POST", "Task", String.format(TASK, valid, "")) + ","
        + entry("POST", "Task", String.format(TASK, withReference, ",\"for\":{\"reference\":\"Patient?identifier=%zz\"}"))
        + "]}";
    assertMalformedQuery(send("POST", "", reference), "conditional reference in Bundle.entry[1]");
    assertThat(stored("Task", valid)).isZero();
    assertThat(stored("Task", withReference)).isZero();
  }

  /**
   * The request's own query string is refused before HAPI (MalformedUrlFilter), with the same
   * message; sent over a raw socket, since java.net.URI refuses it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"PUT", "PATCH", "DELETE"})
  void aMalformedConditionalUrlIsABadRequest(String method) {
    String body = method.equals("DELETE") ? "" : method.equals("PUT") ? String.format(TASK, mark(), "")
        : "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"ready\"}]";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

    RawResponse response = raw(method + " /fhir/Task?identifier=%zz HTTP/1.1\r\nContent-Type: "
        + (method.equals("PATCH") ? "application/json-patch+json" : "application/fhir+json")
        + "\r\nContent-Length: " + bytes.length + "\r\n", bytes);

    OperationOutcome outcome = assertMalformedRefused(response, 400);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).isEqualTo(MatchUrls.MALFORMED_QUERY);
  }

  // --- $validate

  /** HAPI failed with 500 binding a resource parameter given a value that is no resource. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"name\":\"resource\",\"valueString\":\"not a resource\"}",
      "{\"name\":\"resource\",\"valueInteger\":5}",
      "{\"name\":\"resource\",\"valueReference\":{\"reference\":\"Patient/x\"}}"})
  void validateWithAResourceParameterThatIsNoResourceIsABadRequest(String parameter) {
    String parameters = "{\"resourceType\":\"Parameters\",\"parameter\":[" + parameter + "]}";

    OperationOutcome outcome = assertRefused(send("POST", "/Patient/$validate", parameters), 400);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("$validate", "not of the parameter's type");
    assertRefused(send("POST", "/$validate", parameters), 400);
  }

  /**
   * In FHIR JSON a null in an array only holds the place of a value whose extension (or of an
   * extension whose value) sits at the same index of the other array. The validator behind
   * $validate failed with 500 on any other null in a primitive array; writes are refused alike.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "\"given\":[null]",
      "\"given\":[\"A\",null],\"_given\":[null]",
      "\"_given\":[null]",
      "\"given\":[null,null],\"_given\":[null,null]",
      "\"_given\":[null,{\"extension\":[{\"url\":\"https://example.org/x\",\"valueString\":\"y\"}]}]",
      "\"given\":[\"A\",null],\"_given\":[{\"id\":\"a\"},null]"})
  void aNullHoldingNoPlaceInAnArrayIsABadRequest(String given) {
    String patient = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Testsson\"," + given + "}]}";
    String mark = mark();
    String task = String.format(TASK, mark, ",\"meta\":{" + given.replace("given", "profile") + "}");

    OperationOutcome outcome = assertRefused(send("POST", "/Patient/$validate", patient), 400);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("null", "name[0]");
    assertRefused(send("POST", "/Patient/$validate",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"resource\",\"resource\":" + patient + "}]}"), 400);
    assertRefused(send("POST", "/Task", task), 400);
    assertThat(stored("Task", mark)).isZero();
  }

  /** The nulls FHIR JSON does allow: the place of an extension's value, and of a value's extension. */
  @Test
  void aNullHoldingThePlaceOfAnExtensionIsValid() {
    String patient = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Testsson\",\"given\":[\"A\",null],"
        + "\"_given\":[null,{\"extension\":[{\"url\":\"https://example.org/x\",\"valueString\":\"y\"}]}]}]}";

    HttpResponse<String> response = send("POST", "/Patient/$validate", patient);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  // --- Patch

  /**
   * XML Patch is not offered (README: JSON Patch and FHIRPath Patch): the library HAPI applies it
   * with resolved external entities in the patch (a file's content ended up in a stored
   * narrative), and answered 500 for a selector that matched nothing or was no XPath.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "<diff><replace sel=\"/Task/nothing/@value\">x</replace></diff>",
      "<diff xmlns:f=\"http://hl7.org/fhir\"><replace sel=\"/f:Task/f:status/@value\">ready</replace></diff>",
      "<diff><replace sel=\"///[[\">x</replace></diff>",
      "<diff>",
      "<?xml version=\"1.0\"?><!DOCTYPE diff [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
          + "<diff xmlns:f=\"http://hl7.org/fhir\"><add sel=\"/f:Task\"><f:text><f:status value=\"generated\"/>"
          + "<div xmlns=\"http://www.w3.org/1999/xhtml\">&x;</div></f:text></add></diff>"})
  void anXmlPatchIsUnsupportedAndChangesNothing(String patch) {
    String mark = mark();
    assertThat(send("POST", "/Task", String.format(TASK, mark, "")).statusCode()).isEqualTo(201);
    String id = idOf("Task", MARK + "|" + mark);

    OperationOutcome outcome = assertRefused(
        send("PATCH", "/Task/" + id, patch, "Content-Type", "application/xml-patch+xml"), 415);
    OperationOutcome conditional = assertRefused(send("PATCH", "/Task?identifier=" + MARK + "%7C" + mark, patch,
        "Content-Type", "application/xml-patch+xml"), 415);
    String binary = "{\"resourceType\":\"Binary\",\"contentType\":\"application/xml-patch+xml\",\"data\":\""
        + java.util.Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)) + "\"}";
    assertRefused(send("POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("PATCH", "Task/" + id, binary) + "]}"), 415);

    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("XML Patch", "JSON Patch", "FHIRPath Patch");
    assertThat(conditional.getIssueFirstRep().getDiagnostics()).isEqualTo(outcome.getIssueFirstRep().getDiagnostics());
    Task task = parse(Task.class, get("/Task/" + id));
    assertThat(task.getMeta().getVersionId()).isEqualTo("1");
    assertThat(task.hasText()).isFalse();
  }

  /**
   * FHIRPath Patch operations HAPI fails on with 500 (a NullPointerException, an
   * IllegalArgumentException or ClassCastException deep in the model) rather than reporting.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Task\"},"
          + "{\"name\":\"name\",\"valueString\":\"nothing\"},{\"name\":\"value\",\"valueString\":\"x\"}",
      "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Task\"},"
          + "{\"name\":\"name\",\"valueString\":\"description\"},{\"name\":\"value\",\"valueInteger\":5}",
      "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Task.status\"},"
          + "{\"name\":\"value\",\"valueString\":\"no-such-status\"}",
      "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Task.id\"},"
          + "{\"name\":\"value\",\"valueString\":\"other\"}",
      "{\"name\":\"type\",\"valueCode\":\"replace\"},"
          + "{\"name\":\"path\",\"valueString\":\"Task.identifier.value.substring(1,2)\"},{\"name\":\"value\",\"valueString\":\"x\"}",
      // Neighbours HAPI already answered with 400: kept so.
      "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Task.nothing\"},"
          + "{\"name\":\"value\",\"valueString\":\"x\"}",
      "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Task..((\"},"
          + "{\"name\":\"value\",\"valueString\":\"x\"}"})
  void aFhirPathPatchThatCannotBeAppliedIsABadRequestAndChangesNothing(String operation) {
    String mark = mark();
    assertThat(send("POST", "/Task", String.format(TASK, mark, "")).statusCode()).isEqualTo(201);
    String id = idOf("Task", MARK + "|" + mark);
    String patch = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":[" + operation + "]}]}";

    assertRefused(send("PATCH", "/Task/" + id, patch), 400);
    assertRefused(send("POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("PATCH", "Task/" + id, patch) + "]}"), 400);

    assertThat(parse(Task.class, get("/Task/" + id)).getMeta().getVersionId()).isEqualTo("1");
  }

  /** HAPI stored the patched resource and failed indexing it: a ClassCastException, 500. */
  @Test
  void aFhirPathPatchAddingAStringAsAContainedResourceIsUnprocessableAndChangesNothing() {
    String mark = mark();
    assertThat(send("POST", "/Task", String.format(TASK, mark, "")).statusCode()).isEqualTo(201);
    String id = idOf("Task", MARK + "|" + mark);
    String patch = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
        + "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Task\"},"
        + "{\"name\":\"name\",\"valueString\":\"contained\"},{\"name\":\"value\",\"valueString\":\"x\"}]}]}";

    OperationOutcome outcome = assertRefused(send("PATCH", "/Task/" + id, patch), 422);
    assertRefused(send("POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + entry("PATCH", "Task/" + id, patch) + "]}"), 422);

    assertThat(outcome.getIssueFirstRep().getDiagnostics()).isEqualTo("Task.contained holds a value that is not a resource");
    assertThat(parse(Task.class, get("/Task/" + id)).getMeta().getVersionId()).isEqualTo("1");
  }

  /** HAPI answers 400 for these; the answer may not name Java classes (Jackson's message did). */
  @ParameterizedTest
  @ValueSource(strings = {
      "[{\"op\":\"replace\",\"path\":\"/nothing/there\",\"value\":\"x\"}]",
      "[{\"op\":\"remove\",\"path\":\"/nothing\"}]",
      "[{\"op\":\"add\",\"path\":\"/a/b/c\",\"value\":1}]",
      "[{\"op\":\"test\",\"path\":\"/status\",\"value\":\"ready\"}]",
      "[{\"op\":\"bogus\",\"path\":\"/status\"}]",
      "{\"op\":\"replace\"}",
      "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":{\"x\":1}}]",
      "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"no-such-status\"}]"})
  void aJsonPatchThatCannotBeAppliedIsABadRequestAndChangesNothing(String patch) {
    String mark = mark();
    assertThat(send("POST", "/Task", String.format(TASK, mark, "")).statusCode()).isEqualTo(201);
    String id = idOf("Task", MARK + "|" + mark);

    assertRefused(send("PATCH", "/Task/" + id, patch, "Content-Type", "application/json-patch+json"), 400);

    assertThat(parse(Task.class, get("/Task/" + id)).getMeta().getVersionId()).isEqualTo("1");
  }

  // --- Values

  @Test
  void namesWithSwedishLettersCombiningCharactersAndRightToLeftMarksRoundTripAndAreFound() {
    String family = "Åkerström-Öhlund";
    String combining = "Jose\u0301"; // e + COMBINING ACUTE ACCENT, not the precomposed é
    String rightToLeft = "\u200Fלאה"; // RIGHT-TO-LEFT MARK, then Hebrew
    Patient patient = TestPeople.patient();
    patient.getNameFirstRep().setFamily(family).getGiven().clear();
    patient.getNameFirstRep().addGiven("Märta").addGiven(combining).addGiven(rightToLeft);

    IdType id = create(patient);
    HttpResponse<String> read = get("/" + id.getValue());

    assertThat(read.body()).contains(family, combining, rightToLeft);
    Patient stored = parse(Patient.class, read);
    assertThat(stored.getNameFirstRep().getFamily()).isEqualTo(family);
    assertThat(stored.getNameFirstRep().getGiven()).extracting(StringType::getValue)
        .containsExactly("Märta", combining, rightToLeft);
    for (String query : new String[] {
        "name=" + encode("Åkerström"), "family:exact=" + encode(family), "given=" + encode("Märta"),
        "given=" + encode("José"), "given:exact=" + encode(combining), "given:exact=" + encode(rightToLeft)}) {
      assertThat(ids(searchBundle("/Patient?" + query))).as(query).contains(id.getIdPart());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"a\\u0000b\"", // NUL: PostgreSQL's index refused it (409 with the SQL)
      "\"\\ud800x\"", // an unpaired surrogate: 500 on PostgreSQL
      "\"line\\u0007bell\""})
  void aStringWithAControlCharacterOrBrokenUnicodeIsUnprocessable(String value) {
    String mark = mark();

    String task = "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",\"identifier\":["
        + "{\"system\":\"" + MARK + "\",\"value\":\"" + mark + "\"},{\"system\":\"urn:x\",\"value\":" + value + "}]}";

    HttpResponse<String> response = send("POST", "/Task", task);

    OperationOutcome outcome = assertRefused(response, 422);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).startsWith("Task.identifier.value");
    assertThat(stored("Task", mark)).isZero();
  }

  /** HAPI's JSON parser would expand 1e999999 to a million digits and spend 14 s parsing them. */
  @ParameterizedTest
  @ValueSource(strings = {"1e999999", "1E-999999", "-2.5e+1001"})
  void aNumberWithAHugeExponentIsRefusedBeforeItIsParsed(String value) {
    String mark = mark();
    long start = System.nanoTime();

    HttpResponse<String> response = send("POST", "/Task", String.format(TASK, mark,
        ",\"input\":[{\"type\":{\"text\":\"x\"},\"valueQuantity\":{\"value\":" + value + "}}]"));

    OperationOutcome outcome = assertRefused(response, 400);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(value, "exponent");
    assertThat(stored("Task", mark)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e17", "-123456789012345678", "1e1000", "1e-101"})
  void aDecimalTheIndexCannotHoldIsUnprocessable(String value) {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task", String.format(TASK, mark,
        ",\"input\":[{\"type\":{\"text\":\"x\"},\"valueQuantity\":{\"value\":" + value + "}}]"));

    OperationOutcome outcome = assertRefused(response, 422);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).startsWith("Task.input.valueQuantity.value");
    assertThat(stored("Task", mark)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-02-30", "2026-13-01", "not-a-date", "20260101", "2026-01-01T25:00:00Z", "99999-01-01"})
  void anInvalidDateInAResourceIsABadRequest(String date) {
    String mark = mark();

    HttpResponse<String> response = send("POST", "/Task", String.format(TASK, mark, ",\"authoredOn\":\"" + date + "\""));

    OperationOutcome outcome = assertRefused(response, 400);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("authoredOn", date);
    assertThat(stored("Task", mark)).isZero();
  }

  // --- Searches

  @ParameterizedTest
  @ValueSource(strings = {
      "/Patient?birthdate=1931-02-30", "/Observation?date=ge2026-99", "/Observation?date=gx2026-01-01",
      "/Patient/_history?_since=yesterday", "/Patient?_lastUpdated=ge2026-01-01T00:00:00%2B99:00"})
  void anInvalidDateInASearchIsABadRequest(String query) {
    assertRefused(get(query), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "name=%27%20OR%201%3D1--",
      "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
      "family=%25",
      "family=_",
      "name=%5C",
      "identifier=%27%7C%27%20OR%20%271%27%3D%271",
      "_id=1%27%20OR%20%271%27%3D%271",
      "_has:Condition:subject:code=%27%20OR%201%3D1",
      "_sort=name%3BDROP%20TABLE%20HFJ_RESOURCE",
      "_sort=name;DROP%20TABLE%20x",
      "birthdate=1931%27%20OR%201%3D1",
      "_content=x%27%20OR%201%3D1",
      "name=a%00b"})
  void injectionLookingSearchValuesMatchNothingOrAreRefused(String query) {
    HttpResponse<String> response = get("/Patient?" + query);

    if (response.statusCode() == 200) {
      assertThat(parse(Bundle.class, response).getEntry()).as("no false matches").isEmpty();
    } else {
      assertRefused(response, response.statusCode());
      assertThat(response.statusCode()).isBetween(400, 499);
    }
    assertThat(searchBundle("/Patient?_count=1").getEntry()).as("the patients are still there").hasSize(1);
  }

  /** Each of these answered 500 on H2 or PostgreSQL before HostileInputInterceptor. */
  @ParameterizedTest
  @ValueSource(strings = {
      "/Patient?_offset=-5",
      "/Location?near=abc",
      "/Observation?value-quantity=1e-999999",
      "/RiskAssessment?probability=1e999999",
      "/Patient?name=a%00b",
      "/Patient/does-not-matter/$everything?_count=abc",
      "/Observation/$lastn?patient=Patient/does-not-matter&max=abc"})
  void searchValuesThatOnceFailedTheServerAreBadRequests(String query) {
    assertRefused(get(query), 400);
  }

  @Test
  void aHugeCountIsCappedAtTheLargestPage() {
    int max = properties.maxPageSize();
    String tag = mark();
    StringBuilder transaction = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
    for (int i = 0; i < max + 5; i++) {
      transaction.append(i == 0 ? "" : ",").append(entry("POST", "Task", String.format(TASK, mark(),
          ",\"meta\":{\"tag\":[{\"system\":\"" + MARK + "\",\"code\":\"" + tag + "\"}]}")));
    }
    assertThat(send("POST", "", transaction.append("]}").toString()).statusCode()).isEqualTo(200);

    Bundle page = searchBundle("/Task?_tag=" + MARK + "%7C" + tag + "&_count=1000000&_elements=id");

    assertThat(page.getEntry()).hasSize(max);
    assertThat(page.getLink(Bundle.LINK_NEXT)).as("the rest is on the next page").isNotNull();
    assertThat(searchBundle(page.getLink(Bundle.LINK_NEXT).getUrl()).getEntry()).hasSize(5);
  }

  @Test
  void anUnknownSearchParameterIsRefusedByNameUnlessTheClientPrefersLenientHandling() {
    String mark = mark();
    assertThat(send("POST", "/Task", String.format(TASK, mark, "")).statusCode()).isEqualTo(201);
    String query = "/Task?identifier=" + MARK + "%7C" + mark + "&colour=blue";

    for (String[] prefer : new String[][] {{}, {"Prefer", "handling=strict"}}) {
      OperationOutcome outcome = assertRefused(get(query, prefer), 400);
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("Unknown search parameter \"colour\"");
    }
    HttpResponse<String> lenient = get(query, "Prefer", "handling=lenient");
    assertThat(lenient.statusCode()).isEqualTo(200);
    assertThat(parse(Bundle.class, lenient).getEntry()).as("the unknown parameter ignored").hasSize(1);
  }

  // --- Malformed URLs: refused by Tomcat, Spring Security's firewall or MalformedUrlFilter before
  // HAPI sees them; sent over a raw socket, since java.net.URI refuses most of them.

  @ParameterizedTest
  @ValueSource(strings = {
      "/fhir/Patient/%00", "/fhir/Patient%00", "/%00", "/actuator/%00",
      "/fhir/..%2F..%2Fetc/passwd", "/fhir/Patient/%2F", "/fhir/Patient/%5C",
      "/fhir/Patient/%2e%2e/x", "/fhir/Patient/..", "/fhir/./Patient", "/fhir/../fhir/Patient",
      "/fhir/Patient;jsessionid=x", "/fhir/Patient/1;x=y", "/fhir/Patient%3Bx",
      "/fhir/%ZZ", "/fhir/Patient/%", "/fhir/Patient/%ff", "/fhir/Patient/%25", "/fhir/Patient/a%0Ab",
      "/fhir//Patient", "/fhir/Patient//1", "//fhir/Patient",
      "/fhir/Patient?name=%ZZ", "/fhir/Patient?name=%", "/fhir/Patient?name=%ff",
      // characters that must be %-encoded in a request line
      "/fhir/Patient/a b", "/fhir/Patient/{x}", "/fhir/Patient/\"x\"", "/fhir/Patient/a\\b", "/fhir/Patient/a|b",
      "/fhir/Patient?name=a<b", "/fhir/Patient/\u0001", "/fhir/Patient/\u007f", "/fhir/Patient\u0000",
      "/fhir/Patient/\u00c3\u00a4", // the UTF-8 bytes of "ä", unencoded
      "fhir/Patient"})
  void aMalformedUrlIsABadRequestWithAnOperationOutcome(String target) {
    RawResponse response = raw("GET " + target + " HTTP/1.1\r\n", null);

    assertMalformedRefused(response, 400);
    assertThat(response.body).doesNotContain(target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-Bad: a\u0001b", "X-Bad: a\u007fb", "X Bad: ab"})
  void aMalformedHeaderIsABadRequestWithAnOperationOutcome(String header) {
    assertMalformedRefused(raw("GET /fhir/metadata HTTP/1.1\r\n" + header + "\r\n", null), 400);
  }

  @Test
  void anUnsupportedHttpVersionIsAnsweredWithAnOperationOutcome() {
    OperationOutcome outcome = assertMalformedRefused(raw("GET /fhir/metadata HTTP/9.9\r\n", null), 505);
    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.NOTSUPPORTED);
  }

  /** What reaches Spring Boot's /error outside /fhir is an OperationOutcome too. */
  @ParameterizedTest
  @CsvSource({
      "GET /nonexistent, 404, not-found", "GET /error, 404, not-found", "GET /fhirx/Patient, 404, not-found",
      "DELETE /actuator/health, 405, not-supported"})
  void anUnknownPathOrMethodOutsideFhirIsAnsweredWithAnOperationOutcome(String request, int status, String code) {
    OperationOutcome outcome = assertMalformedRefused(raw(request + " HTTP/1.1\r\n", null), status);
    assertThat(outcome.getIssueFirstRep().getCode().toCode()).isEqualTo(code);
  }

  // --- helpers

  /** A 4xx OperationOutcome with an error that says something, and no Java or SQL internals. */
  private OperationOutcome assertRefused(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    String body = response.body();
    OperationOutcome outcome = body.trim().startsWith("<")
        ? fhirContext.newXmlParser().parseResource(OperationOutcome.class, body)
        : fhirContext.newJsonParser().parseResource(OperationOutcome.class, body);
    assertThat(outcome.getIssueFirstRep().getSeverity())
        .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).isNotBlank();
    Matcher internals = INTERNALS.matcher(body);
    assertThat(internals.find()).as("internals in %s", body).isFalse();
    return outcome;
  }

  /**
   * A refusal from outside HAPI: the status, an OperationOutcome as application/fhir+json, and
   * nothing of the request repeated (a NUL or its escape) or of Java's internals.
   */
  private OperationOutcome assertMalformedRefused(RawResponse response, int status) {
    assertThat(response.status).as(response.body).isEqualTo(status);
    assertThat(response.contentType).startsWith("application/fhir+json");
    assertThat(response.body).doesNotContain("%00", "\u0000", "<html", "Exception", "\tat ");
    OperationOutcome outcome = fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body);
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).isNotBlank();
    assertThat(INTERNALS.matcher(response.body).find()).as("internals in %s", response.body).isFalse();
    return outcome;
  }

  /**
   * A refusal with 400, the message of a malformed query string and where it was; the malformed
   * URL itself is not repeated.
   */
  private void assertMalformedQuery(HttpResponse<String> response, String where) {
    OperationOutcome outcome = assertRefused(response, 400);
    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.INVALID);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).startsWith(MatchUrls.MALFORMED_QUERY).contains(where)
        .doesNotContain("%zz", "%ff", "identifier=");
  }

  private static String mark() {
    return UUID.randomUUID().toString();
  }

  /** How many resources of a type carry the test's identifier. */
  private int stored(String type, String mark) {
    return countAll("/" + type + "?identifier=" + MARK + "%7C" + mark);
  }

  private static String entry(String method, String url, String resource) {
    return "{\"resource\":" + resource + ",\"request\":{\"method\":\"" + method + "\",\"url\":\"" + url + "\"}}";
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static java.util.List<String> ids(Bundle bundle) {
    return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
  }

  /** JSON of exactly {@code size} bytes: the resource with blanks before its closing brace. */
  private static String padded(String json, long size) {
    return json.substring(0, json.length() - 1) + " ".repeat((int) (size - json.length())) + "}";
  }

  /**
   * The body gzipped; when {@code inflated} is larger than the body, with blanks before its last
   * closing brace up to that many bytes (written in pieces: the whole would not fit in memory).
   */
  private static byte[] gzip(String json, long inflated) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(out)) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      gzip.write(bytes, 0, bytes.length - 1);
      byte[] blanks = " ".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
      for (long left = inflated - bytes.length; left > 0; left -= blanks.length) {
        gzip.write(blanks, 0, (int) Math.min(left, blanks.length));
      }
      gzip.write(bytes, bytes.length - 1, 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A raw request with a binary body, as {@code send} sends text. */
  private HttpResponse<String> sendBytes(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/fhir+json")
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return exchange(request.build());
  }

  private HttpResponse<String> exchange(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // A raw HTTP/1.1 exchange: java.net.http neither sends headers without their body nor lets a
  // test choose chunked encoding.

  private record RawResponse(int status, String contentType, String body) {}

  private static String chunkedPost(String path) {
    return "POST " + path + " HTTP/1.1\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n";
  }

  private static byte[] chunked(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int offset = 0; offset < bytes.length; offset += 64 * 1024) {
      int length = Math.min(64 * 1024, bytes.length - offset);
      out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, offset, length);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private RawResponse raw(String head, byte[] body) {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write((head + "Host: localhost:" + port + "\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n")
          // ISO-8859-1: one byte per char, so that a test can send any byte in the request line.
          .getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      // Read the one response and stop: a server refusing a body it never read may keep the
      // connection open (Tomcat waits for the body it would discard), which is no concern here.
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      String statusLine = line(in);
      int status = Integer.parseInt(statusLine.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      String contentType = null;
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        String lower = header.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        }
        chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
        if (lower.startsWith("content-type:")) {
          contentType = header.substring(13).trim();
        }
      }
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      if (chunked) {
        for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
          answer.write(in.readNBytes(size));
          line(in);
        }
      } else if (length >= 0) {
        answer.write(in.readNBytes((int) length));
      } else {
        in.transferTo(answer);
      }
      return new RawResponse(status, contentType, answer.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
