package se.samverkan.coordination;

import se.samverkan.vocabulary.Vocabulary;

/**
 * The coordination Tasks the rules create, with their code in
 * {@code https://samverkan.se/fhir/CodeSystem/coordination-task} and their profile
 * (profiles/task/). {@code utskrivningsklar} is never created by a rule: it is the hospital's
 * own Task, and the trigger of the SIP call.
 */
enum CoordinationTask {
  ADMISSION_NOTICE("inskrivningsmeddelande", "Inskrivningsmeddelande", "SamverkanAdmissionNotice",
      "Patienten är inskriven i slutenvården. Påbörja planeringen inför utskrivning (LUSEN)."),
  SIP_CALL("kallelse-sip", "Kallelse till samordnad individuell planering", "SamverkanSIPCall",
      "Patienten är utskrivningsklar. Den fasta vårdkontakten kallar till samordnad individuell planering (LUSEN)."),
  ED_FOLLOW_UP("uppfoljning-akutbesok", "Uppföljande samtal efter akutbesök", "SamverkanEDFollowUp",
      "Patienten har besökt akutmottagningen. Ring patienten och följ upp besöket."),
  DISCHARGE_FOLLOW_UP("uppfoljning-utskrivning", "Uppföljande samtal efter utskrivning", "SamverkanDischargeFollowUp",
      "Patienten är utskriven från slutenvården. Ring patienten och följ upp utskrivningen.");

  static final String DISCHARGE_READY = "utskrivningsklar";

  final String code;
  final String display;
  final String profile;
  final String description;

  CoordinationTask(String code, String display, String profile, String description) {
    this.code = code;
    this.display = display;
    this.profile = Vocabulary.STRUCTURE_DEFINITION_BASE + profile;
    this.description = description;
  }
}
