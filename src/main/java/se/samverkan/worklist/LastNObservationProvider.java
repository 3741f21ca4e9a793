package se.samverkan.worklist;

import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.jpa.rp.r4.ObservationResourceProvider;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterAnd;
import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.RawParam;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import se.samverkan.access.VisibleResults;
import se.samverkan.server.spi.ServerProvider;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;

/**
 * HAPI's Observation provider with a working {@code $lastn}: the newest {@code max} observations
 * of each code for each patient, e.g. the latest weight, blood pressure and SpO2 of one patient
 * ({@code Observation/$lastn?patient=Patient/X&category=vital-signs}).
 *
 * <p>HAPI implements {@code $lastn} only on Elasticsearch; without it HAPI 8.8 ignores every
 * parameter and returns all observations of all patients. Here it is an ordinary search, newest
 * first, reduced in memory — cheap for what it is meant for (one patient, or one code across a
 * worklist), and refused with 400 when a query would read more than {@code scanLimit}
 * observations.
 *
 * <p>"Newest" is the newest of what the caller may read: the search runs as the server, so what
 * the caller may not see is dropped before the reduction ({@link VisibleResults}), else a hidden
 * newer observation would push out a visible one. Chains and {@code _has} are refused (400) for
 * every operation by the access rules (docs/security.md).
 */
public class LastNObservationProvider extends ObservationResourceProvider implements ServerProvider {

  private static final List<String> BOUND =
      List.of("_count", "category", "code", "date", "patient", "subject", "max");

  private final int scanLimit;
  private final VisibleResults visible;

  public LastNObservationProvider(int scanLimit, VisibleResults visible) {
    this.scanLimit = scanLimit;
    this.visible = visible;
  }

  @Override
  @Operation(name = JpaConstants.OPERATION_LASTN, idempotent = true, bundleType = BundleTypeEnum.SEARCHSET)
  public IBundleProvider observationLastN(
      HttpServletRequest servletRequest,
      HttpServletResponse servletResponse,
      RequestDetails requestDetails,
      @OperationParam(name = "_count", typeName = "unsignedInt") IPrimitiveType<Integer> count,
      @OperationParam(name = "category") TokenAndListParam category,
      @OperationParam(name = "code") TokenAndListParam code,
      @OperationParam(name = "date") DateAndListParam date,
      @OperationParam(name = "patient") ReferenceAndListParam patient,
      @OperationParam(name = "subject") ReferenceAndListParam subject,
      @OperationParam(name = "max", typeName = "integer", min = 0, max = 1) IPrimitiveType<Integer> max,
      @RawParam Map<String, List<String>> otherParams) {
    if (patient == null && subject == null && code == null) {
      throw new InvalidRequestException(Messages.english(Message.LASTN_NEEDS_WHOM));
    }
    int perCode = max == null || max.getValue() == null ? 1 : max.getValue();
    if (perCode < 1) {
      throw new InvalidRequestException(Messages.english(Message.LASTN_MAX));
    }

    SearchParameterMap search = new SearchParameterMap();
    add(search, "category", category);
    add(search, "code", code);
    add(search, "date", date);
    add(search, "patient", patient);
    add(search, "subject", subject);
    if (otherParams != null) {
      // HAPI hands over the whole query here, the parameters bound above included.
      Map<String, List<String>> rest = new HashMap<>(otherParams);
      BOUND.forEach(rest::remove);
      getDao().translateRawParameters(rest, search);
    }
    search.setSort(new SortSpec("date", SortOrderEnum.DESC));
    List<IBaseResource> newestFirst = visible.of(requestDetails, WholeSearch.all(getDao(), search, scanLimit, "$lastn"));
    SimpleBundleProvider result =
        new SimpleBundleProvider(LatestObservations.newestPerSubjectAndCode(newestFirst, perCode));
    // One page: the answer is already reduced to what the caller asked for.
    result.setPreferredPageSize(Math.max(1, result.size()));
    return result;
  }

  private static void add(SearchParameterMap search, String name, IQueryParameterAnd<?> value) {
    if (value != null) {
      search.add(name, value);
    }
  }
}
