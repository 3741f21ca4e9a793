package se.samverkan.messages;

import se.samverkan.vocabulary.Vocabulary;

import java.util.Locale;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Puts the issues of an OperationOutcome that are messages of ours into a language: the text in
 * {@code diagnostics} and {@code details.text}, the message's id in {@code details.coding}
 * (system {@link Vocabulary#MESSAGE}), so a program can tell one message from another whatever the
 * language. Issues that are not ours (HAPI's, the HL7 validator's) keep their English text.
 */
public final class OutcomeLanguage {

  private OutcomeLanguage() {}

  /** Whether the outcome held a message of ours, now in the language. */
  public static boolean localise(OperationOutcome outcome, Locale language) {
    boolean ours = false;
    for (OperationOutcome.OperationOutcomeIssueComponent issue : outcome.getIssue()) {
      var said = Messages.recognise(issue.getDiagnostics());
      if (said.isEmpty()) {
        continue;
      }
      ours = true;
      String text = Messages.render(said.get(), language);
      issue.setDiagnostics(text);
      CodeableConcept details = issue.getDetails();
      if (details.getCoding().stream().noneMatch(c -> Vocabulary.MESSAGE.equals(c.getSystem()))) {
        details.addCoding().setSystem(Vocabulary.MESSAGE).setCode(said.get().id());
      }
      details.setText(text);
    }
    return ours;
  }
}
