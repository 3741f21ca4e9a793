package se.samverkan.access;

import se.samverkan.vocabulary.Vocabulary;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.Journeys;
import se.samverkan.support.ProfileExamples;
import se.samverkan.support.TestData;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;

/**
 * Issue 16, protected identity: outside the owning unit a Patient with sekretessmarkering or
 * skyddad folkbokföring shows nothing that identifies the person — in no representation — and
 * no search on what identifies the person finds it: "the hidden value matches" answers exactly
 * as "nothing matches".
 *
 * <p>The patient is written by Vårdcentralen Ronneby (the owning unit). The hospital belongs to
 * the same care provider, the region, but is another unit; Ronneby kommun has a care relation and
 * the patient's consent. Both see the patient, neither sees who it is.
 */
class ProtectedIdentityTest extends FhirServerTest {

  private static final String VC_RONNEBY = "SE2321000081-SV2081";
  private static final String KOMMUN_RONNEBY = "SE2120000837-SV1081";
  private static final String BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
  private static final String BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime";

  /** What identifies the protected person: none of it may reach anyone outside the owning unit. */
  record Secret(String patient, String personnummer, String family, String given, String city, String street,
      String postalCode, String phone, String email, String doctor, String careTeam, String condition) {
    List<String> identifying() {
      return List.of(family, given, city, street, phone, email, doctor);
    }
  }

  private static Secret secret;
  private static String kommunOrganization;

  @BeforeEach
  void aProtectedPatientWithACareRelationAndConsent() {
    synchronized (ProtectedIdentityTest.class) {
      if (secret == null) {
        loadJourneys();
        kommunOrganization = "Organization/" + idOf("Organization", Journeys.KOMMUN_RONNEBY);
        secret = createProtectedPatient();
      }
    }
  }

  private Secret createProtectedPatient() {
    String family = "Hq" + letters(9);
    String given = "Gq" + letters(7);
    String city = "Cq" + letters(7);
    String street = "Sq" + letters(7) + "vägen 3";
    String postalCode = "9" + ThreadLocalRandom.current().nextInt(1000, 9999);
    String phone = "+4670" + ThreadLocalRandom.current().nextInt(1_000_000, 9_999_999);
    String email = letters(10) + "@example.org";
    String doctor = "Dq" + letters(7);

    Patient person = TestPeople.patient();
    person.getMeta().addSecurity(Vocabulary.SECURITY_LABEL, "sekretessmarkering", null);
    person.getName().clear();
    person.addName().setFamily(family).addGiven(given);
    person.addAddress().setCity(city).addLine(street).setPostalCode(postalCode);
    person.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(phone);
    person.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(email);
    person.getText().setStatus(Narrative.NarrativeStatus.GENERATED)
        .setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + given + " " + family + ", " + street + ", "
            + city + ", tel " + phone + "</div>");
    person.addExtension(BIRTH_PLACE, new Address().setCity(city));
    person.getBirthDateElement().addExtension(BIRTH_TIME, new DateTimeType(person.getBirthDateElement().getValueAsString() + "T04:12:00+01:00"));
    Organization gp = new Organization();
    gp.setId("gp");
    gp.setName(doctor);
    person.addContained(gp);
    person.addGeneralPractitioner(new Reference("#gp"));
    String patient = createAs(vc(), person);

    CareTeam team = TestData.careTeam(new IdType(patient), new IdType(kommunOrganization));
    team.getSubject().setDisplay(given + " " + family);
    String careTeam = createAs(vc(), team);
    createAs(vc(), TestData.consent(new IdType(patient), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT));
    Condition condition = (Condition) fhirContext.newJsonParser()
        .parseResource(ProfileExamples.read("condition/examples/Condition-example-greta-heart-failure.json"));
    condition.setId((String) null);
    condition.setSubject(new Reference(patient).setDisplay(family));
    String conditionId = createAs(vc(), condition);
    return new Secret(patient, person.getIdentifierFirstRep().getValue(), family, given, city, street, postalCode,
        phone, email, doctor, careTeam, conditionId);
  }

  // --- every representation

  @Test
  void outsideTheOwningUnitNoRepresentationOfTheProtectedPatientNamesOrLocatesThePerson() {
    String p = secret.patient();
    String id = id(p);
    List<String> paths = List.of(
        "/" + p,
        "/" + p + "?_summary=data",
        "/" + p + "?_elements=text,extension,contained,name,birthDate",
        "/" + p + "/_history/1",
        "/" + p + "/_history",
        "/Patient?_id=" + id,
        "/Patient?_id=" + id + "&_summary=text",
        "/Patient?identifier=" + encode(TestPeople.PERSONNUMMER + "|" + secret.personnummer()),
        "/CareTeam?_id=" + id(secret.careTeam()) + "&_include=CareTeam:subject",
        "/" + p + "/$everything");
    for (String reader : outsiders()) {
      for (String path : paths) {
        HttpResponse<String> answer = get(path, "Authorization", reader);
        assertThat(answer.statusCode()).as(path).isEqualTo(200);
        assertThat(answer.body()).as(path + ": the patient is there").contains(id);
        for (String identifying : secret.identifying()) {
          assertThat(answer.body()).as(path).doesNotContain(identifying);
        }
        assertThat(answer.body()).as(path + ": no extension kept that is not needed for care")
            .doesNotContain(BIRTH_PLACE).doesNotContain(BIRTH_TIME);
      }
      // A read's _summary=text answers the narrative alone, as HTML: there is none to give.
      HttpResponse<String> text = get("/" + p + "?_summary=text", "Authorization", reader);
      assertThat(text.statusCode()).isEqualTo(200);
      for (String identifying : secret.identifying()) {
        assertThat(text.body()).as("_summary=text").doesNotContain(identifying);
      }
      HttpResponse<String> batch = send("POST", "", bundleOfGets(p, "Patient?_id=" + id), "Authorization", reader);
      assertThat(batch.statusCode()).isEqualTo(200);
      for (String identifying : secret.identifying()) {
        assertThat(batch.body()).as("batch").doesNotContain(identifying);
      }
    }
  }

  @Test
  void outsideTheOwningUnitThePersonnummerIsKeptBecauseCareNeedsIt() {
    for (String reader : outsiders()) {
      Patient shown = parse(Patient.class, get("/" + secret.patient(), "Authorization", reader));
      assertThat(shown.getIdentifierFirstRep().getValue()).isEqualTo(secret.personnummer());
      assertThat(shown.getNameFirstRep().getText()).isEqualTo(CareRelationConsentService.HIDDEN);
      assertThat(shown.hasText()).as("no narrative").isFalse();
      assertThat(shown.hasContained()).as("no contained resources").isFalse();
      assertThat(shown.getGeneralPractitioner()).as("no reference left to a contained resource that is gone")
          .noneMatch(r -> r.getReference() != null && r.getReference().startsWith("#"));
    }
    Patient owned = parse(Patient.class, get("/" + secret.patient(), "Authorization", vc()));
    assertThat(owned.getNameFirstRep().getFamily()).as("the owning unit sees everything").isEqualTo(secret.family());
    assertThat(owned.hasText()).isTrue();
  }

  @Test
  void aReferenceElsewhereThatNamesTheProtectedPatientShowsTheHiddenTextInsteadOutsideTheOwningUnit() {
    for (String reader : outsiders()) {
      for (String path : List.of("/" + secret.careTeam(), "/" + secret.condition(),
          "/CareTeam?patient=" + secret.patient(), "/" + secret.patient() + "/$everything")) {
        HttpResponse<String> answer = get(path, "Authorization", reader);
        assertThat(answer.statusCode()).as(path).isEqualTo(200);
        for (String identifying : secret.identifying()) {
          assertThat(answer.body()).as(path).doesNotContain(identifying);
        }
      }
      CareTeam team = parse(CareTeam.class, get("/" + secret.careTeam(), "Authorization", reader));
      assertThat(team.getSubject().getDisplay()).isEqualTo(CareRelationConsentService.HIDDEN);
    }
    CareTeam owned = parse(CareTeam.class, get("/" + secret.careTeam(), "Authorization", vc()));
    assertThat(owned.getSubject().getDisplay()).contains(secret.family());
  }

  @Test
  void aVersionWrittenBeforeTheLabelIsHiddenAsTheCurrentOneIs() {
    Patient person = TestPeople.patient();
    String family = "Hq" + letters(9);
    person.getName().clear();
    person.addName().setFamily(family);
    String patient = createAs(vc(), person);
    createAs(vc(), TestData.careTeam(new IdType(patient), new IdType(kommunOrganization)));
    createAs(vc(), TestData.consent(new IdType(patient), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT));
    Patient labelled = parse(Patient.class, get("/" + patient, "Authorization", vc()));
    labelled.getMeta().addSecurity(Vocabulary.SECURITY_LABEL, "skyddadFolkbokforing", null);
    assertThat(send("PUT", "/" + patient, json(labelled), "Authorization", vc()).statusCode()).isEqualTo(200);

    for (String reader : outsiders()) {
      for (String path : List.of("/" + patient + "/_history/1", "/" + patient + "/_history", "/" + patient)) {
        HttpResponse<String> answer = get(path, "Authorization", reader);
        assertThat(answer.statusCode()).as(path).isEqualTo(200);
        assertThat(answer.body()).as(path).contains(id(patient)).doesNotContain(family);
      }
    }
  }

  // --- every search

  @Test
  void searchingWhatIdentifiesTheProtectedPatientFindsWhatAnUnknownValueFindsOutsideTheOwningUnit() {
    String f = secret.family();
    List<String[]> hiddenAndNothing = List.of(
        new String[] {"family=" + f, "family=Zz" + letters(9)},
        new String[] {"family=" + f.substring(0, 4), "family=Zz" + letters(3)},
        new String[] {"family:exact=" + f, "family:exact=Zz" + letters(9)},
        new String[] {"name=" + f, "name=Zz" + letters(9)},
        new String[] {"given=" + secret.given(), "given=Zz" + letters(7)},
        new String[] {"address=" + secret.city(), "address=Zz" + letters(7)},
        new String[] {"address-city=" + secret.city().substring(0, 5), "address-city=Zz" + letters(5)},
        new String[] {"address-postalcode=" + secret.postalCode(), "address-postalcode=00" + letters(3)},
        new String[] {"telecom=" + encode(secret.phone()), "telecom=%2B46" + letters(8)},
        new String[] {"phone=" + encode(secret.phone()), "phone=%2B46" + letters(8)},
        new String[] {"email=" + secret.email(), "email=" + letters(10) + "@example.org"});
    for (String[] pair : hiddenAndNothing) {
      assertThat(seen(vc(), "/Patient?" + pair[0]).ids()).as("the owning unit finds it by " + pair[0])
          .contains(secret.patient());
      assertOutsidersSeeTheSame(pair);
    }
    // :contains is not enabled on this server (HAPI's default): refused alike, whatever the value.
    for (String[] pair : List.of(
        new String[] {"family:contains=" + f.substring(2, 8), "family:contains=" + letters(7)},
        new String[] {"name:contains=" + secret.given().substring(1, 6), "name:contains=" + letters(7)})) {
      assertOutsidersSeeTheSame(pair);
    }
  }

  private void assertOutsidersSeeTheSame(String[] hiddenAndNothing) {
    for (String reader : outsiders()) {
      assertThat(seen(reader, "/Patient?" + hiddenAndNothing[0])).as(hiddenAndNothing[0])
          .isEqualTo(seen(reader, "/Patient?" + hiddenAndNothing[1]));
      assertThat(seen(reader, "/Patient?" + hiddenAndNothing[0] + "&_revinclude=CareTeam:subject"))
          .as(hiddenAndNothing[0] + " with _revinclude")
          .isEqualTo(seen(reader, "/Patient?" + hiddenAndNothing[1] + "&_revinclude=CareTeam:subject"));
    }
  }

  @Test
  void aChainIntoTheProtectedPatientsNameFindsWhatAnUnknownNameFindsOutsideTheOwningUnit() {
    String f = secret.family();
    String unknown = "Zz" + letters(9);
    List<String> chains = List.of(
        "CareTeam?subject:Patient.family=%s",
        "CareTeam?subject.name=%s",
        "CareTeam?patient.family=%s",
        "Condition?subject:Patient.name=%s",
        "Condition?patient.family=%s&_include=Condition:subject",
        "CareTeam?subject:Patient.family=%s&_include=CareTeam:subject");
    for (String chain : chains) {
      String hidden = "/" + chain.formatted(f);
      String nothing = "/" + chain.formatted(unknown);
      assertThat(seen(vc(), hidden).ids()).as("the owning unit finds it by " + hidden).isNotEmpty();
      for (String reader : outsiders()) {
        assertThat(seen(reader, hidden)).as(hidden).isEqualTo(seen(reader, nothing));
      }
    }
    for (String reader : outsiders()) {
      assertThat(seen(reader, "/CareTeam?subject.address-city=" + secret.city()))
          .isEqualTo(seen(reader, "/CareTeam?subject.address-city=Zz" + letters(7)));
    }
  }

  @Test
  void sortingByNameDoesNotPlaceTheProtectedPatientAmongOthersOutsideTheOwningUnit() {
    Patient other = TestPeople.patient();
    String otherPatient = createAs(vc(), other);
    createAs(vc(), TestData.careTeam(new IdType(otherPatient), new IdType(kommunOrganization)));
    createAs(vc(), TestData.consent(new IdType(otherPatient), Vocabulary.SHARED_DOCUMENTATION_POLICY,
        Consent.ConsentProvisionType.PERMIT));
    String both = "/Patient?_id=" + id(secret.patient()) + "," + id(otherPatient);
    String onlyOther = "/Patient?_id=no-such-patient-" + letters(6) + "," + id(otherPatient);
    assertThat(seen(vc(), both + "&_sort=family").ids()).as("the owning unit").hasSize(2);
    for (String sort : List.of("family", "-family", "name", "given", "address-city")) {
      for (String reader : outsiders()) {
        assertThat(seen(reader, both + "&_sort=" + sort)).as("_sort=" + sort)
            .isEqualTo(seen(reader, onlyOther + "&_sort=" + sort));
      }
    }
    for (String reader : outsiders()) {
      assertThat(seen(reader, both).ids()).as("without the sort the patient is found, as its id is not secret")
          .contains(secret.patient());
    }
  }

  @Test
  void aHasWhoseCriteriaNameTheProtectedPatientFindsWhatAnUnknownNameFindsOutsideTheOwningUnit() {
    String hidden = "/Organization?_id=" + id(kommunOrganization) + "&_has:CareTeam:participant:subject.family="
        + secret.family();
    String nothing = "/Organization?_id=" + id(kommunOrganization) + "&_has:CareTeam:participant:subject.family=Zz"
        + letters(9);
    assertThat(seen(vc(), hidden).ids()).as("the owning unit").contains(kommunOrganization);
    for (String reader : outsiders()) {
      assertThat(seen(reader, hidden)).isEqualTo(seen(reader, nothing));
    }
  }

  // --- helpers

  /** What an answer shows: its status, the resources in it, and whether it has a next page. */
  record Seen(int status, List<String> ids, boolean next) {}

  private Seen seen(String authorization, String path) {
    HttpResponse<String> response = get(path, "Authorization", authorization);
    if (response.statusCode() != 200) {
      return new Seen(response.statusCode(), List.of(), false);
    }
    Bundle bundle = parse(Bundle.class, response);
    List<String> ids = new ArrayList<>();
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.hasResource()) {
        ids.add(entry.getResource().fhirType() + "/" + entry.getResource().getIdElement().getIdPart());
      }
    }
    return new Seen(200, ids, bundle.getLink(Bundle.LINK_NEXT) != null);
  }

  private List<String> outsiders() {
    return List.of(
        bearer("hospital", TestTokens.HOSPITAL, TestTokens.REGION),
        bearer("kommun-ronneby", KOMMUN_RONNEBY, KOMMUN_RONNEBY));
  }

  private String vc() {
    return bearer("vc-ronneby", VC_RONNEBY, TestTokens.REGION);
  }

  private String bearer(String subject, String unit, String careProvider) {
    return "Bearer " + tokens.token(subject, unit, careProvider, "journal-system", "system/*.read system/*.write");
  }

  private String createAs(String authorization, org.hl7.fhir.r4.model.Resource resource) {
    HttpResponse<String> created = send("POST", "/" + resource.fhirType(), json(resource), "Authorization", authorization);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    return id.getResourceType() + "/" + id.getIdPart();
  }

  private String bundleOfGets(String... gets) {
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    for (String url : gets) {
      batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(url);
    }
    return json(batch);
  }

  private static String letters(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
    }
    return s.toString().toLowerCase(Locale.ROOT);
  }

  private static String id(String typeAndId) {
    return typeAndId.substring(typeAndId.indexOf('/') + 1);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
