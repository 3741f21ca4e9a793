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
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
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
 * rest of the list by one.
 */
public class WorklistOperationProvider implements ServerProvider {

  static final String CFS_SYSTEM = Vocabulary.SNOMED_CT;
  static final String CFS_CODE = "763264000";

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

    SearchParameterMap teamSearch = SearchParameterMap.newSynchronous();
    teamSearch.add("participant-organization", new ReferenceParam(orgReference));
    teamSearch.add("status", new TokenParam("active"));
    Map<String, List<CareTeam>> teamsByPatient = new LinkedHashMap<>();
    // Only teams the caller sees put a patient on its list: a hidden team must not.
    for (IBaseResource resource : visible.of(request, searchAll(CareTeam.class, teamSearch))) {
      CareTeam team = (CareTeam) resource;
      String subject = team.getSubject().getReferenceElement().toUnqualifiedVersionless().getValue();
      if (subject != null && subject.startsWith("Patient/")) {
        teamsByPatient.computeIfAbsent(subject, s -> new ArrayList<>()).add(team);
      }
    }

    Bundle worklist = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    if (teamsByPatient.isEmpty()) {
      return worklist;
    }
    List<Patient> list = patients(teamsByPatient.keySet());
    List<Patient> patients = page.of(list);
    Map<String, Observation> latestCfs = patients.isEmpty() ? Map.of() : latestCfs(request,
        patients.stream().map(p -> "Patient/" + p.getIdElement().getIdPart()).toList());

    String base = request.getFhirServerBase();
    if (page.isFollowedIn(list)) {
      worklist.addLink().setRelation(Bundle.LINK_NEXT).setUrl(base + "/Patient/$worklist?organization="
          + orgReference + "&" + Constants.PARAM_COUNT + "=" + page.size() + "&" + Constants.PARAM_OFFSET + "="
          + page.next());
    }
    for (Patient patient : patients) {
      String reference = "Patient/" + patient.getIdElement().getIdPart();
      add(worklist, base, patient, Bundle.SearchEntryMode.MATCH);
      teamsByPatient.get(reference).forEach(team -> add(worklist, base, team, Bundle.SearchEntryMode.INCLUDE));
      if (latestCfs.containsKey(reference)) {
        add(worklist, base, latestCfs.get(reference), Bundle.SearchEntryMode.INCLUDE);
      }
    }
    return worklist;
  }

  /** The patients, ordered by name so the list reads the same every time. */
  private List<Patient> patients(Iterable<String> references) {
    TokenOrListParam ids = new TokenOrListParam();
    references.forEach(reference -> ids.add(new TokenParam(reference.substring("Patient/".length()))));
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add("_id", ids);
    return searchAll(Patient.class, search).stream()
        .map(Patient.class::cast)
        .sorted(Comparator.comparing((Patient p) -> p.getNameFirstRep().getFamily(), Comparator.nullsLast(String::compareTo))
            .thenComparing(p -> p.getNameFirstRep().getGivenAsSingleString())
            .thenComparing(p -> p.getIdElement().getIdPart()))
        .toList();
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

    <T> List<T> of(List<T> list) {
      if (size == null) {
        return list;
      }
      return list.subList(Math.min(from, list.size()), (int) Math.min((long) from + size, list.size()));
    }

    boolean isFollowedIn(List<?> list) {
      return size != null && next() < list.size();
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
