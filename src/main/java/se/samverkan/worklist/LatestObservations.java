package se.samverkan.worklist;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;

/** The newest observations of each kind for each person: what {@code $lastn} means. */
final class LatestObservations {

  private LatestObservations() {}

  /**
   * From observations sorted newest first, the first {@code max} for each subject and code (a code
   * is the set of its codings, so a blood pressure coded in LOINC and SNOMED CT is one kind).
   */
  static List<Observation> newestPerSubjectAndCode(List<IBaseResource> newestFirst, int max) {
    Map<String, Integer> seen = new HashMap<>();
    List<Observation> newest = new ArrayList<>();
    for (IBaseResource resource : newestFirst) {
      Observation observation = (Observation) resource;
      String key = observation.getSubject().getReference() + " " + codeKey(observation);
      if (seen.merge(key, 1, Integer::sum) <= max) {
        newest.add(observation);
      }
    }
    return newest;
  }

  private static String codeKey(Observation observation) {
    return observation.getCode().getCoding().stream()
        .map(coding -> coding.getSystem() + "|" + coding.getCode())
        .sorted()
        .collect(Collectors.joining(","));
  }
}
