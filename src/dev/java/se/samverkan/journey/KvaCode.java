package se.samverkan.journey;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The KVÅ codes (Klassifikation av vårdåtgärder, Socialstyrelsen) that the generated care plan
 * activities carry. profiles/careplan/KVA.md lists each with the public source where its code and
 * Swedish title were read together; KvaCodingTest holds this list and that table equal, so a code
 * is added there first.
 */
public enum KvaCode {
  HOME_VISIT("ZV025", "Hembesök"),
  PHONE_CALL_WITH_PATIENT("XS012", "Telefonkontakt med patient"),
  CARE_PLAN("AU120", "Upprättande av strukturerad vård- och omsorgsplan");


  private final String code;
  private final String display;

  KvaCode(String code, String display) {
    this.code = code;
    this.display = display;
  }

  public String code() {
    return code;
  }

  public String display() {
    return display;
  }

  CodeableConcept concept() {
    return new CodeableConcept().addCoding(new Coding(Vocabulary.KVA, code, display));
  }
}
