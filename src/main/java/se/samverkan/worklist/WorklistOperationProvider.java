package se.samverkan.worklist;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.HasAndListParam;
import ca.uhn.fhir.rest.param.HasOrListParam;
import ca.uhn.fhir.rest.param.HasParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import se.samverkan.access.VisibleResults;
import se.samverkan.server.spi.ServerProvider;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.vocabulary.Vocabulary;

/**
 * {@code GET /fhir/Patient/$worklist?organization=Organization/X}: the kommun's or vårdcentral's
 * worklist — every patient with an active CareTeam in which organisation X takes part (search
 * parameter {@code CareTeam:participant-organization}), each with those teams and the patient's
 * latest Clinical Frailty Scale.
 *
 * <p>An operation, not a search, because "active team with X" must hold for one and the same
 * CareTeam (two {@code _has} parameters would match them on different teams) and "latest CFS"
 * has no search form. The answer is a searchset: the patients as matches, teams and CFS as
 * includes. Like every search it carries no {@code total} (README): HAPI's
 * ConsentInterceptor#interceptOutgoingResponse clears {@code Bundle.total} of every answer whose
 * request the consent service did not authorise outright (HAPI 8.8), which is every client's, so
 * a total set here never reached anyone. The number of patients is the number of matches.
 *
 * <p>Without {@code _count} the whole list is one page. With {@code _count=n} (at most the
 * server's page size limit, as for searches) the answer holds n patients of the list, from
 * {@code _offset} (0 by default), and a {@code next} link while more follow (issue 20: a
 * 400-patient kommun's nurse gets her first page without the latest CFS of all 400 being read
 * and sent). Each page is worked out anew from the teams the caller sees, so the pages are
 * pages of what the caller may see, and a team ended or started between two pages shifts the
 * rest of the list by one. A page reads the teams of the patients up to its end and one more,
 * not the whole list's.
 */
public class WorklistOperationProvider implements ServerProvider {

  static final String CFS_SYSTEM = Vocabulary.SNOMED_CT;
  static final String CFS_CODE = "763264000";
  /** Patients whose teams are read in one search when the whole list is asked for (SQL IN lists of a sensible size). */
  static final int WHOLE_LIST_CHUNK = 500;

  private final DaoRegistry daos;
  private final int scanLimit;
  private final int maxPageSize;
  private final VisibleResults visible;

  public WorklistOperationProvider(DaoRegistry daos, int scanLimit, int maxPageSize, VisibleResults visible) {
    this.daos = daos;
    this.scanLimit = scanLimit;
    this.maxPageSize = maxPageSize;
    this.visible = visible;
  }

  @Operation(name = "$worklist", type = Patient.class, idempotent = true, bundleType = BundleTypeEnum.SEARCHSET)
  public Bundle worklist(
      @OperationParam(name = "organization", min = 1, max = 1) ReferenceParam organization,
      @OperationParam(name = Constants.PARAM_COUNT, typeName = "integer", max = 1) IPrimitiveType<Integer> count,
      @OperationParam(name = Constants.PARAM_OFFSET, typeName = "integer", max = 1) IPrimitiveType<Integer> offset,
      RequestDetails request) {
    if (organization == null || organization.getIdPart() == null || organization.getIdPart().isBlank()) {
      throw new InvalidRequestException(Messages.english(Message.WORKLIST_NEEDS_ORGANIZATION));
    }
    String orgReference = "Organization/" + organization.getIdPart();
    Page page = Page.of(count, offset, maxPageSize);

    // Who may be on the list: every patient with an active team in which the unit takes part. The
    // two conditions may hold for different teams here (so this is more than the list), and teams
    // the caller does not see count too; both are settled team by team below. Patients carry no
    // narrative, so reading them all is cheap; a team's narrative is parsed when it is read (a new
    // XhtmlParser each time, defining 2,200 entities: docs/performance.md, step 15), so only the
    // teams of the patients walked through are read.
    List<Patient> candidates = candidates(orgReference);
    List<Patient> patients = new ArrayList<>();
    Map<String, List<CareTeam>> teamsByPatient = new LinkedHashMap<>();
    int onList = 0;
    int chunk = page.walk(WHOLE_LIST_CHUNK);
    boolean followed = false;
    for (int from = 0; from < candidates.size() && !followed; from += chunk) {
      List<Patient> walked = candidates.subList(from, Math.min(candidates.size(), from + chunk));
      Map<String, List<CareTeam>> teams = visibleTeams(request, orgReference, walked);
      for (Patient candidate : walked) {
        List<CareTeam> own = teams.get(reference(candidate));
        if (own == null) {
          continue;
        }
        if (page.holds(onList)) {
          patients.add(candidate);
          teamsByPatient.put(reference(candidate), own);
        } else if (page.isPast(onList)) {
          followed = true;
          break;
        }
        onList++;
      }
    }

    Bundle worklist = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    Map<String, Observation> latestCfs = patients.isEmpty() ? Map.of()
        : latestCfs(request, patients.stream().map(WorklistOperationProvider::reference).toList());

    String base = request.getFhirServerBase();
    if (followed) {
      worklist.addLink().setRelation(Bundle.LINK_NEXT).setUrl(base + "/Patient/$worklist?organization="
          + orgReference + "&" + Constants.PARAM_COUNT + "=" + page.size() + "&" + Constants.PARAM_OFFSET + "="
          + page.next());
    }
    for (Patient patient : patients) {
      String reference = reference(patient);
      add(worklist, base, patient, Bundle.SearchEntryMode.MATCH);
      teamsByPatient.get(reference).forEach(team -> add(worklist, base, team, Bundle.SearchEntryMode.INCLUDE));
      if (latestCfs.containsKey(reference)) {
        add(worklist, base, latestCfs.get(reference), Bundle.SearchEntryMode.INCLUDE);
      }
    }
    return worklist;
  }

  /**
   * The patients with an active team that names the unit (not necessarily the same team), ordered
   * by name so the list reads the same every time.
   */
  private List<Patient> candidates(String orgReference) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Constants.PARAM_HAS, new HasAndListParam()
        .addAnd(new HasOrListParam().add(new HasParam("CareTeam", "subject", "participant-organization", orgReference)))
        .addAnd(new HasOrListParam().add(new HasParam("CareTeam", "subject", "status", "active"))));
    return searchAll(Patient.class, search).stream()
        .map(Patient.class::cast)
        .sorted(Comparator.comparing((Patient p) -> p.getNameFirstRep().getFamily(), Comparator.nullsLast(String::compareTo))
            .thenComparing(p -> p.getNameFirstRep().getGivenAsSingleString())
            .thenComparing(p -> p.getIdElement().getIdPart()))
        .toList();
  }

  /**
   * The active teams with the unit of these patients, those the caller sees, by patient. Only a
   * team the caller sees puts a patient on its list: a hidden team must not.
   */
  private Map<String, List<CareTeam>> visibleTeams(RequestDetails request, String orgReference, List<Patient> patients) {
    ReferenceOrListParam subjects = new ReferenceOrListParam();
    patients.forEach(patient -> subjects.add(new ReferenceParam(reference(patient))));
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add("subject", subjects);
    search.add("participant-organization", new ReferenceParam(orgReference));
    search.add("status", new TokenParam("active"));
    Map<String, List<CareTeam>> teams = new LinkedHashMap<>();
    for (IBaseResource resource : visible.of(request, searchAll(CareTeam.class, search))) {
      CareTeam team = (CareTeam) resource;
      teams.computeIfAbsent(team.getSubject().getReferenceElement().toUnqualifiedVersionless().getValue(),
          s -> new ArrayList<>()).add(team);
    }
    return teams;
  }

  private static String reference(Patient patient) {
    return "Patient/" + patient.getIdElement().getIdPart();
  }

  /** The newest CFS of each patient among those the caller sees: a hidden newer one must not push it out. */
  private Map<String, Observation> latestCfs(RequestDetails request, Iterable<String> patients) {
    ReferenceOrListParam subjects = new ReferenceOrListParam();
    patients.forEach(reference -> subjects.add(new ReferenceParam(reference)));
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add("code", new TokenParam(CFS_SYSTEM, CFS_CODE));
    search.add("subject", subjects);
    search.setSort(new SortSpec("date", SortOrderEnum.DESC));
    Map<String, Observation> latest = new LinkedHashMap<>();
    List<IBaseResource> seen = visible.of(request, searchAll(Observation.class, search));
    for (Observation cfs : LatestObservations.newestPerSubjectAndCode(seen, 1)) {
      latest.put(cfs.getSubject().getReferenceElement().toUnqualifiedVersionless().getValue(), cfs);
    }
    return latest;
  }

  private <T extends IBaseResource> List<IBaseResource> searchAll(Class<T> type, SearchParameterMap search) {
    return WholeSearch.all(daos.getResourceDao(type), search, scanLimit, "$worklist");
  }

  /** The patients of one answer: all of them, or {@code size} from {@code from}. */
  record Page(Integer size, int from) {

    static Page of(IPrimitiveType<Integer> count, IPrimitiveType<Integer> offset, int maxPageSize) {
      Integer size = count == null ? null : count.getValue();
      Integer from = offset == null ? null : offset.getValue();
      if ((size != null && size < 1) || (from != null && from < 0)) {
        throw new InvalidRequestException(Messages.english(Message.WORKLIST_PAGE));
      }
      return new Page(size == null ? null : Math.min(size, maxPageSize), from == null ? 0 : from);
    }

    /** Whether the list's entry at {@code index} (from 0) is on this page. */
    boolean holds(int index) {
      return index >= from && !isPast(index);
    }

    /** Whether the list's entry at {@code index} comes after this page: it has a next one. */
    boolean isPast(int index) {
      return size != null && index >= next();
    }

    /** Patients to walk at a time: to the end of this page and one more, or a large chunk for the whole list. */
    int walk(int wholeListChunk) {
      return size == null ? wholeListChunk : (int) Math.min(wholeListChunk, next() + 1);
    }

    /** Where the next page starts; past any list for an offset near the largest int. */
    long next() {
      return (long) from + size;
    }
  }

  private static void add(Bundle bundle, String base, Resource resource, Bundle.SearchEntryMode mode) {
    bundle.addEntry()
        .setFullUrl(base + "/" + resource.fhirType() + "/" + resource.getIdElement().getIdPart())
        .setResource(resource)
        .getSearch().setMode(mode);
  }
}
