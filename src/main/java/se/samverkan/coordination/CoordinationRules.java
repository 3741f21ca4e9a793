package se.samverkan.coordination;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import se.samverkan.access.AccessPolicy;
import se.samverkan.auth.Caller;
import se.samverkan.access.Ownership;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Which coordination Tasks a change calls for (docs/notifications.md):
 * <ul>
 *   <li>an inpatient Encounter of a patient in an active CareTeam: an inskrivningsmeddelande to
 *       each kommun in the team and to the listed vårdcentral, due admission + 24 h;
 *   <li>that Encounter finished: a follow-up call by the listed vårdcentral, due discharge + 3 days;
 *   <li>a Task {@code utskrivningsklar}: a kallelse till SIP by the listed vårdcentral, due 3 days
 *       after it was authored;
 *   <li>an ED Encounter of an included patient (a positive inclusion screening at that visit, or an
 *       active CareTeam): a follow-up call by the listed vårdcentral, due 3 days after the visit.
 * </ul>
 * A Task is not created when one with the same code, focus and owner exists already — whether a
 * rule or a journal system wrote it — so replaying a change creates nothing twice. Created Tasks
 * belong to the care provider that owns the triggering resource.
 */
public class CoordinationRules {

  private static final Set<String> INPATIENT = Set.of("IMP", "ACUTE", "NONAC");

  private final DaoRegistry daos;
  private final CoordinationProperties properties;
  private final AccessPolicy policy;

  public CoordinationRules(DaoRegistry daos, CoordinationProperties properties, AccessPolicy policy) {
    this.policy = policy;
    this.daos = daos;
    this.properties = properties;
  }

  /** The types {@link #mayTrigger} accepts: asked before a resource is parsed to ask it. */
  public static final Set<String> TRIGGER_TYPES = Set.of("Encounter", "Task", "Observation");

  /** Whether the resource can trigger a rule at all (cheap; no database access). */
  public boolean mayTrigger(IBaseResource resource) {
    return resource instanceof Encounter
        || resource instanceof Task task && hasCode(task, CoordinationTask.DISCHARGE_READY)
        || resource instanceof Observation observation && isPositiveScreening(observation);
  }

  /**
   * The Tasks the resource's current state calls for that do not exist yet. A rule acts for the
   * trigger's owner and looks only at what that owner may read (docs/security.md): the Tasks it
   * creates belong to that owner, so addressing them from data the owner may not see — the care
   * teams of a patient, the vårdcentral a protected person is listed at — would tell the owner
   * what the sharing rule keeps from it.
   */
  public List<Task> tasksFor(IBaseResource resource) {
    Caller owner = Ownership.careProvider(resource)
        .map(careProvider -> Caller.owner("coordination-rules", Ownership.unit(resource).orElse(null), careProvider))
        .orElse(Caller.SYSTEM);
    Map<Object, Object> memo = new HashMap<>();
    Predicate<IBaseResource> seen = r -> policy.decide(owner, r, memo).allowed();
    List<Task> tasks = new ArrayList<>();
    if (resource instanceof Encounter encounter) {
      encounterRules(encounter, tasks, seen);
    } else if (resource instanceof Observation screening && isPositiveScreening(screening)) {
      read(Encounter.class, screening.getEncounter()).filter(seen).filter(e -> "EMER".equals(e.getClass_().getCode()))
          .ifPresent(visit -> edFollowUp(visit, screening, tasks, seen));
    } else if (resource instanceof Task task && hasCode(task, CoordinationTask.DISCHARGE_READY)) {
      sipCall(task, tasks, seen);
    }
    return tasks;
  }

  private void encounterRules(Encounter encounter, List<Task> tasks, Predicate<IBaseResource> seen) {
    Encounter.EncounterStatus status = encounter.getStatus();
    if (status == Encounter.EncounterStatus.CANCELLED || status == Encounter.EncounterStatus.ENTEREDINERROR
        || status == Encounter.EncounterStatus.PLANNED) {
      return;
    }
    String encounterClass = encounter.getClass_().getCode();
    if (INPATIENT.contains(encounterClass)) {
      List<CareTeam> teams = activeTeams(encounter.getSubject(), seen);
      if (teams.isEmpty()) {
        return;
      }
      if (properties.admissionNotice().enabled() && encounter.getPeriod().hasStart()) {
        List<Reference> owners = new ArrayList<>(kommuner(teams));
        listedVardcentral(encounter.getSubject(), seen).ifPresent(owners::add);
        for (Reference owner : dedupe(owners)) {
          add(tasks, CoordinationTask.ADMISSION_NOTICE, encounter, encounter, owner,
              encounter.getPeriod().getStartElement(), properties.admissionNotice().dueAfter());
        }
      }
      if (properties.dischargeFollowUp().enabled() && status == Encounter.EncounterStatus.FINISHED
          && encounter.getPeriod().hasEnd()) {
        listedVardcentral(encounter.getSubject(), seen).ifPresent(owner ->
            add(tasks, CoordinationTask.DISCHARGE_FOLLOW_UP, encounter, encounter, owner,
                encounter.getPeriod().getEndElement(), properties.dischargeFollowUp().dueAfter()));
      }
    } else if ("EMER".equals(encounterClass)) {
      edFollowUp(encounter, encounter, tasks, seen);
    }
  }

  private void edFollowUp(Encounter visit, IBaseResource trigger, List<Task> tasks, Predicate<IBaseResource> seen) {
    if (!properties.edFollowUp().enabled() || !visit.getPeriod().hasStart()) {
      return;
    }
    boolean included = positiveScreeningAt(visit, seen) || !activeTeams(visit.getSubject(), seen).isEmpty();
    if (!included) {
      return;
    }
    DateTimeType end = visit.getPeriod().hasEnd() ? visit.getPeriod().getEndElement() : visit.getPeriod().getStartElement();
    listedVardcentral(visit.getSubject(), seen).ifPresent(owner ->
        add(tasks, CoordinationTask.ED_FOLLOW_UP, visit, trigger, owner, end, properties.edFollowUp().dueAfter()));
  }

  private void sipCall(Task dischargeReady, List<Task> tasks, Predicate<IBaseResource> seen) {
    if (!properties.sipCall().enabled() || dischargeReady.getStatus() == Task.TaskStatus.CANCELLED
        || dischargeReady.getStatus() == Task.TaskStatus.ENTEREDINERROR) {
      return;
    }
    Reference stay = dischargeReady.hasFocus() ? dischargeReady.getFocus() : dischargeReady.getEncounter();
    Optional<Encounter> encounter = read(Encounter.class, stay).filter(seen);
    DateTimeType from = dischargeReady.hasAuthoredOn() ? dischargeReady.getAuthoredOnElement() : DateTimeType.now();
    if (encounter.isEmpty()) {
      return;
    }
    listedVardcentral(dischargeReady.getFor(), seen).ifPresent(owner ->
        add(tasks, CoordinationTask.SIP_CALL, encounter.get(), dischargeReady, owner, from, properties.sipCall().dueAfter()));
  }

  private void add(List<Task> tasks, CoordinationTask kind, Encounter encounter, IBaseResource trigger,
      Reference owner, DateTimeType from, Duration dueAfter) {
    String focus = "Encounter/" + encounter.getIdElement().getIdPart();
    Task task = new Task();
    task.getMeta().addProfile(kind.profile);
    task.addIdentifier().setSystem(Vocabulary.COORDINATION_RULE).setValue(kind.code + ":" + focus + ":" + owner.getReference());
    task.setStatus(Task.TaskStatus.REQUESTED).setIntent(Task.TaskIntent.ORDER);
    task.getCode().setText(kind.display).addCoding().setSystem(Vocabulary.COORDINATION_TASK).setCode(kind.code)
        .setDisplay(kind.display);
    task.setDescription(kind.description);
    task.setFor(new Reference(encounter.getSubject().getReference()));
    task.setFocus(new Reference(focus));
    task.setEncounter(new Reference(focus));
    task.setAuthoredOn(new Date());
    if (encounter.hasServiceProvider()) {
      task.setRequester(new Reference(encounter.getServiceProvider().getReference()));
    }
    task.setOwner(new Reference(owner.getReference()));
    TimeZone zone = from.getTimeZone() == null ? TimeZone.getDefault() : from.getTimeZone();
    task.getRestriction().getPeriod().setEndElement(
        new DateTimeType(new Date(from.getValue().getTime() + dueAfter.toMillis()), TemporalPrecisionEnum.SECOND, zone));
    Ownership.careProvider(trigger).ifPresent(careProvider ->
        Ownership.record(task, careProvider, Ownership.unit(trigger).orElse(null)));
    tasks.add(task);
  }

  /**
   * The name under which a Task is created, the same for every server: its identifier, which
   * names its kind, focus and owner.
   */
  public static String lockName(Task task) {
    return "coordination-task:" + task.getIdentifierFirstRep().getValue();
  }

  /**
   * Whether no Task of the same kind, focus and owner is stored yet, written by a rule or by a
   * journal system. Asked by whoever holds {@link #lockName}, so that two servers handling changes
   * of the same stay do not both create it.
   */
  public boolean isNew(Task task) {
    SearchParameterMap query = SearchParameterMap.newSynchronous()
        .add(Task.SP_CODE, new TokenParam(Vocabulary.COORDINATION_TASK, task.getCode().getCodingFirstRep().getCode()))
        .add(Task.SP_FOCUS, new ReferenceParam(task.getFocus().getReference()))
        .add(Task.SP_OWNER, new ReferenceParam(task.getOwner().getReference()));
    query.setCount(1);
    return daos.getResourceDao(Task.class).search(query, new SystemRequestDetails()).isEmpty();
  }

  private List<CareTeam> activeTeams(Reference patient, Predicate<IBaseResource> seen) {
    if (!patient.hasReference()) {
      return List.of();
    }
    SearchParameterMap query = SearchParameterMap.newSynchronous()
        .add(CareTeam.SP_SUBJECT, new ReferenceParam(patient.getReference()))
        .add(CareTeam.SP_STATUS, new TokenParam("active"));
    return daos.getResourceDao(CareTeam.class).search(query, new SystemRequestDetails()).getAllResources().stream()
        .filter(seen).map(CareTeam.class::cast).toList();
  }

  /** The kommuner taking part in the teams: as participant, on a participant's behalf, or managing. */
  private List<Reference> kommuner(List<CareTeam> teams) {
    Set<String> organizations = new LinkedHashSet<>();
    for (CareTeam team : teams) {
      team.getManagingOrganization().forEach(r -> organizations.add(r.getReference()));
      for (CareTeam.CareTeamParticipantComponent participant : team.getParticipant()) {
        if ("Organization".equals(participant.getMember().getReferenceElement().getResourceType())) {
          organizations.add(participant.getMember().getReference());
        }
        if (participant.hasOnBehalfOf()) {
          organizations.add(participant.getOnBehalfOf().getReference());
        }
      }
    }
    return organizations.stream()
        .filter(reference -> read(Organization.class, new Reference(reference)).filter(CoordinationRules::isKommun).isPresent())
        .map(Reference::new)
        .toList();
  }

  private static boolean isKommun(Organization organization) {
    return organization.getType().stream().flatMap(t -> t.getCoding().stream())
        .anyMatch(c -> Vocabulary.HUVUDMAN_TYPE.equals(c.getSystem()) && "kommun".equals(c.getCode()));
  }

  /** The vårdcentral the patient is listed at: the Organization in {@code generalPractitioner}. */
  private Optional<Reference> listedVardcentral(Reference patientReference, Predicate<IBaseResource> seen) {
    return read(Patient.class, patientReference).filter(seen).flatMap(patient -> patient.getGeneralPractitioner().stream()
        .filter(r -> "Organization".equals(r.getReferenceElement().getResourceType()))
        .map(r -> new Reference(r.getReferenceElement().toUnqualifiedVersionless().getValue()))
        .findFirst());
  }

  private boolean positiveScreeningAt(Encounter visit, Predicate<IBaseResource> seen) {
    SearchParameterMap query = SearchParameterMap.newSynchronous()
        .add(Observation.SP_ENCOUNTER, new ReferenceParam("Encounter/" + visit.getIdElement().getIdPart()))
        .add(Observation.SP_CODE, new TokenParam(Vocabulary.INSTRUMENT, "ed-screening"));
    return daos.getResourceDao(Observation.class).search(query, new SystemRequestDetails()).getAllResources().stream()
        .filter(seen).map(Observation.class::cast).anyMatch(CoordinationRules::isPositiveScreening);
  }

  private static boolean isPositiveScreening(Observation observation) {
    return observation.getCode().getCoding().stream()
            .anyMatch(c -> Vocabulary.INSTRUMENT.equals(c.getSystem()) && "ed-screening".equals(c.getCode()))
        && observation.getValue() instanceof BooleanType value && value.booleanValue()
        && observation.getStatus() != Observation.ObservationStatus.ENTEREDINERROR
        && observation.hasEncounter();
  }

  private static boolean hasCode(Task task, String code) {
    return task.getCode().getCoding().stream()
        .anyMatch(c -> Vocabulary.COORDINATION_TASK.equals(c.getSystem()) && code.equals(c.getCode()));
  }

  private static List<Reference> dedupe(List<Reference> references) {
    Set<String> seen = new LinkedHashSet<>();
    return references.stream().filter(r -> seen.add(r.getReference())).toList();
  }

  private <T extends IBaseResource> Optional<T> read(Class<T> type, Reference reference) {
    if (reference == null || !reference.hasReference()) {
      return Optional.empty();
    }
    IdType id = new IdType(reference.getReference());
    if (!id.hasIdPart() || !daos.getResourceDao(type).getResourceType().getSimpleName().equals(id.getResourceType())) {
      return Optional.empty();
    }
    try {
      return Optional.of(daos.getResourceDao(type).read(id.toUnqualifiedVersionless(), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }
}
