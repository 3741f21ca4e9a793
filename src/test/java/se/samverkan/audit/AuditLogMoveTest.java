package se.samverkan.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import se.samverkan.support.FhirServerTest;
import se.samverkan.support.TestPeople;
import se.samverkan.support.TestTokens;
import se.samverkan.vocabulary.Vocabulary;

/**
 * A database of an earlier version kept the audit log as HAPI resources, with a journal of events not yet
 * stored: at start both move into the log's own store (AuditLogMove), once, and a reviewer finds
 * them there as before.
 */
class AuditLogMoveTest extends FhirServerTest {

  @Autowired private AuditLogMove move;
  @Autowired private DaoRegistry daos;
  @Autowired private DataSource dataSource;

  @Test
  void theLogOfAnOlderDatabaseMovesIntoItsOwnStoreOnceAndReviewersFindItThere() {
    IdType patient = create(TestPeople.patient());
    String storedByHapi = "stored-" + UUID.randomUUID();
    String leftInTheJournal = "journaled-" + UUID.randomUUID();
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    // As an earlier version left them: one AuditEvent HAPI stored, one journal row not yet stored.
    daos.getResourceDao(AuditEvent.class).create(olderEvent(storedByHapi, patient), new SystemRequestDetails());
    jdbc.update("INSERT INTO SV_AUDIT_JOURNAL (RECORDED_MILLIS, ATTEMPTS, EVENT) VALUES (?, 0, ?)",
        System.currentTimeMillis(), fhirContext.newJsonParser().encodeResourceToString(olderEvent(leftInTheJournal, patient)));

    assertThat(move.moveJournal()).isEqualTo(1);
    assertThat(move.moveStoredByHapi()).isEqualTo(1);

    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'AuditEvent'", Integer.class))
        .as("HAPI's copy is expunged").isZero();
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM SV_AUDIT_JOURNAL", Integer.class)).isZero();
    for (String subject : List.of(storedByHapi, leftInTheJournal)) {
      List<AuditEvent> found = reviewersSearch("/AuditEvent?altid=" + subject + "&patient=" + patient.getValue());
      assertThat(found).as(subject).hasSize(1);
      assertThat(found.get(0).getOutcomeDesc()).isEqualTo("HTTP 200");
    }
    assertThat(move.moveJournal() + move.moveStoredByHapi()).as("nothing is moved twice").isZero();
  }

  private List<AuditEvent> reviewersSearch(String path) {
    return parse(Bundle.class, get(path, "Authorization", tokens.logReviewer(TestTokens.REGION))).getEntry().stream()
        .map(e -> (AuditEvent) e.getResource()).toList();
  }

  /** An AuditEvent as an earlier version wrote it: a read of the patient by the subject, concerning the region. */
  private static AuditEvent olderEvent(String subject, IdType patient) {
    AuditEvent event = new AuditEvent().setRecorded(new Date()).setAction(AuditEvent.AuditEventAction.R)
        .setOutcome(AuditEvent.AuditEventOutcome._0).setOutcomeDesc("HTTP 200");
    event.getType().setSystem("http://terminology.hl7.org/CodeSystem/audit-event-type").setCode("rest");
    event.addAgent().setRequestor(true).setAltId(subject);
    event.getSource().setSite("Samverkan").getObserver().setDisplay("Samverkan FHIR server");
    event.addEntity().setWhat(new Reference(patient.toUnqualifiedVersionless()));
    event.getMeta().addTag(Vocabulary.AUDIT_CONCERNS, TestTokens.REGION, null);
    return event;
  }
}
