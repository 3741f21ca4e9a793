package se.samverkan.audit;

import ca.uhn.fhir.context.FhirContext;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import se.samverkan.vocabulary.Vocabulary;

/**
 * The audit log's store: one row a request in {@code SV_AUDIT_EVENT} holding its AuditEvent as
 * JSON, and beside it in {@code SV_AUDIT_EVENT_KEY} the values reviewers search it by (made by
 * se.samverkan.storage.SchemaMigration). Append-only: the server writes each event once, before the
 * request's answer is sent, in one transaction with its keys ({@link #append}); nothing deletes.
 *
 * <p>Why not a FHIR resource in HAPI's tables, as before 2026-12-07: HAPI indexes every search parameter of
 * every AuditEvent (a link and two tokens and two strings for each patient it names) and resolves
 * each patient reference, which cost a fifth of a small query and a quarter of a worklist page
 * (docs/performance.md, steps 11 and 17). The keys here are the few reviewers search by.
 */
public class AuditLog {

  /** What an event is searched by: the name of a key row. */
  enum Key {
    /** The requesting agent's {@code altId}: the token's subject. */
    ALTID,
    /** A patient the event names ({@code entity.what}, or an older event's {@code entity.name}): {@code Patient/id}. */
    PATIENT,
    /** A care provider the event concerns ({@value Vocabulary#AUDIT_CONCERNS} tag): whose reviewers may read it. */
    CONCERNS,
    /** A {@code meta.security} label as {@code system|code}. */
    SECURITY,
    /** A {@code meta.security} label's code alone, for {@code _security=code}. */
    SECURITY_CODE
  }

  /** Keys are cut at this length, when stored and when searched alike (no identifier or reference comes near it). */
  static final int KEY_LENGTH = 500;

  /** A stored event: its id, when it was recorded, and its JSON (without id). */
  record Stored(long id, long recordedMillis, String json) {}

  /** A condition: the event has a key of this name with one of these values. */
  record Condition(Key key, List<String> anyOf) {}

  /** One key row of an event: a name and a value. */
  record KeyRow(Key key, String value) {}

  /** Ordering of a search: by id (the order of writing), or by time recorded. */
  enum Order { WRITTEN, RECORDED, RECORDED_DESCENDING }

  private static final RowMapper<Stored> STORED =
      (rs, row) -> new Stored(rs.getLong(1), rs.getLong(2), rs.getString(3));

  private final JdbcTemplate jdbc;
  private final TransactionTemplate ownTransaction;
  private final FhirContext fhirContext;

  public AuditLog(DataSource dataSource, FhirContext fhirContext) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.ownTransaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    this.fhirContext = fhirContext;
  }

  /** Writes the event and its keys, committed when this returns; the new event's id. */
  long append(AuditEvent event) {
    return ownTransaction.execute(status -> insert(event));
  }

  /**
   * As {@link #append}, in the caller's transaction (the move of older events, which removes what
   * it moved in the same transaction).
   */
  long insert(AuditEvent event) {
    String json = encode(event);
    long recorded = event.hasRecorded() ? event.getRecorded().getTime() : System.currentTimeMillis();
    KeyHolder id = new GeneratedKeyHolder();
    jdbc.update(connection -> {
      PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO SV_AUDIT_EVENT (RECORDED_MILLIS, EVENT) VALUES (?, ?)", new String[] {"id"}); // lower case: PostgreSQL quotes it, H2 matches either
      insert.setLong(1, recorded);
      insert.setString(2, json);
      return insert;
    }, id);
    long eventId = id.getKey().longValue();
    List<Object[]> keys = new ArrayList<>();
    keysOf(event).forEach(key -> keys.add(new Object[] {eventId, key.key().name(), key.value()}));
    jdbc.batchUpdate("INSERT INTO SV_AUDIT_EVENT_KEY (EVENT_ID, NAME, VAL) VALUES (?, ?, ?)", keys);
    return eventId;
  }

  /**
   * The event of a request whose answer failed after its event was written (the status it
   * records changed); the keys stay, since they name the same caller and patients.
   */
  void correct(long id, AuditEvent event) {
    jdbc.update("UPDATE SV_AUDIT_EVENT SET EVENT = ? WHERE ID = ?", encode(event), id);
  }

  /** The event, if it is stored and meets the conditions. */
  Optional<AuditEvent> read(long id, List<Condition> conditions) {
    Query query = query(conditions);
    List<Object> arguments = new ArrayList<>(query.arguments());
    arguments.add(id);
    return jdbc.query(query.sql() + " AND e.ID = ?", STORED, arguments.toArray()).stream().findFirst().map(this::parse);
  }

  /**
   * Events that meet every condition, recorded in {@code [fromMillis, toMillis]} (either may be
   * null), in that order, {@code count} from {@code offset}.
   */
  List<AuditEvent> search(List<Condition> conditions, Long fromMillis, Long toMillis, Order order, int offset,
      int count) {
    Query query = query(conditions);
    StringBuilder sql = new StringBuilder(query.sql());
    List<Object> arguments = new ArrayList<>(query.arguments());
    if (fromMillis != null) {
      sql.append(" AND e.RECORDED_MILLIS >= ?");
      arguments.add(fromMillis);
    }
    if (toMillis != null) {
      sql.append(" AND e.RECORDED_MILLIS <= ?");
      arguments.add(toMillis);
    }
    sql.append(switch (order) {
      case WRITTEN -> " ORDER BY e.ID";
      case RECORDED -> " ORDER BY e.RECORDED_MILLIS, e.ID";
      case RECORDED_DESCENDING -> " ORDER BY e.RECORDED_MILLIS DESC, e.ID DESC";
    });
    sql.append(" OFFSET ? ROWS FETCH NEXT ? ROWS ONLY");
    arguments.add(offset);
    arguments.add(count);
    return jdbc.query(sql.toString(), STORED, arguments.toArray()).stream().map(this::parse).toList();
  }

  /** Every event naming the patient ({@code Patient/id}), oldest first. */
  List<AuditEvent> naming(String patient) {
    return search(List.of(new Condition(Key.PATIENT, List.of(patient))), null, null, Order.RECORDED, 0,
        Integer.MAX_VALUE);
  }

  private record Query(String sql, List<Object> arguments) {}

  private static Query query(List<Condition> conditions) {
    StringBuilder sql = new StringBuilder("SELECT e.ID, e.RECORDED_MILLIS, e.EVENT FROM SV_AUDIT_EVENT e WHERE 1 = 1");
    List<Object> arguments = new ArrayList<>();
    for (Condition condition : conditions) {
      sql.append(" AND EXISTS (SELECT 1 FROM SV_AUDIT_EVENT_KEY k WHERE k.EVENT_ID = e.ID AND k.NAME = ? AND k.VAL IN (")
          .append(String.join(", ", Collections.nCopies(condition.anyOf().size(), "?"))).append("))");
      arguments.add(condition.key().name());
      condition.anyOf().forEach(value -> arguments.add(cut(value)));
    }
    return new Query(sql.toString(), arguments);
  }

  /** The keys an event is stored with, one value each. */
  static Set<KeyRow> keysOf(AuditEvent event) {
    Set<KeyRow> keys = new LinkedHashSet<>();
    event.getAgent().stream().filter(AuditEvent.AuditEventAgentComponent::getRequestor)
        .filter(AuditEvent.AuditEventAgentComponent::hasAltId)
        .forEach(agent -> keys.add(key(Key.ALTID, agent.getAltId())));
    for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
      String reference = entity.getWhat().getReference();
      if (reference != null && reference.startsWith("Patient/")) {
        keys.add(key(Key.PATIENT, reference));
      } else if (entity.hasName() && entity.getName().startsWith("Patient/")) {
        keys.add(key(Key.PATIENT, entity.getName())); // an event HAPI stored names a patient deleted since so
      }
    }
    event.getMeta().getTag().stream().filter(tag -> Vocabulary.AUDIT_CONCERNS.equals(tag.getSystem()))
        .forEach(tag -> keys.add(key(Key.CONCERNS, tag.getCode())));
    for (Coding label : event.getMeta().getSecurity()) {
      keys.add(key(Key.SECURITY, Objects.toString(label.getSystem(), "") + "|" + label.getCode()));
      keys.add(key(Key.SECURITY_CODE, label.getCode()));
    }
    return keys;
  }

  private static KeyRow key(Key key, String value) {
    return new KeyRow(key, cut(value));
  }

  private static String cut(String value) {
    return value.length() > KEY_LENGTH ? value.substring(0, KEY_LENGTH) : value;
  }

  private String encode(AuditEvent event) {
    return fhirContext.newJsonParser().encodeResourceToString(event);
  }

  /** The event as served: its id, and its time recorded as the time last updated (an event never changes after). */
  private AuditEvent parse(Stored stored) {
    AuditEvent event = fhirContext.newJsonParser().parseResource(AuditEvent.class, stored.json());
    event.setId(new IdType("AuditEvent", Long.toString(stored.id()), "1"));
    event.getMeta().setVersionId("1").setLastUpdatedElement(new InstantType(new java.util.Date(stored.recordedMillis())));
    return event;
  }
}
