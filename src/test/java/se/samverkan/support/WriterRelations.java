package se.samverkan.support;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * For tests of other rules whose writers add data about another owner's patient: since issue 16
 * that needs a care relation the sharing rule recognises (docs/security.md), so before such a
 * write the writer attests its own relation with a CareTeam naming its unit. No consent is
 * recorded, so the other owner's data stays hidden from the writer, as those tests need.
 */
public final class WriterRelations {

  private static final Pattern CARE_PROVIDER = Pattern.compile("\"care_provider\":\"([^\"]+)\"");
  private static final Pattern UNIT = Pattern.compile("\"unit\":\"([^\"]+)\"");

  private static final java.util.concurrent.atomic.AtomicBoolean JOURNEYS_LOADED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final FhirServerTest server;
  private final Map<String, String> patientOwners = new ConcurrentHashMap<>();
  private final Set<String> attested = ConcurrentHashMap.newKeySet();

  public WriterRelations(FhirServerTest server) {
    this.server = server;
  }

  /** Creates the resource as the writer (201 or the test fails), its relations attested first; "Type/id". */
  public String create(String authorization, Resource resource) {
    beforeWriting(authorization, resource);
    HttpResponse<String> created = server.send("POST", "/" + resource.fhirType(), server.json(resource),
        "Authorization", authorization);
    if (created.statusCode() != 201) {
      throw new AssertionError(resource.fhirType() + " was refused: " + created.body());
    }
    IdType id = new IdType(created.headers().firstValue("Location").orElseThrow());
    String typeAndId = id.getResourceType() + "/" + id.getIdPart();
    written(authorization, resource, typeAndId);
    return typeAndId;
  }

  /** Call before a write: attests the writer's relation to any other owner's patient it names. */
  public void beforeWriting(String authorization, Resource resource) {
    if (resource instanceof Patient) {
      return;
    }
    String writer = claim(authorization, CARE_PROVIDER);
    for (Reference reference : server.fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
      String patient = reference.getReference();
      String owner = patient == null ? null : patientOwners.get(patient);
      if (owner != null && !owner.equals(writer) && attested.add(writer + " " + patient)) {
        if (JOURNEYS_LOADED.compareAndSet(false, true)) {
          server.loadJourneys(); // the county's organizations
        }
        String unit = "Organization/" + server.idOf("Organization", Journeys.HSA + "|" + claim(authorization, UNIT));
        HttpResponse<String> team = server.send("POST", "/CareTeam",
            server.json(TestData.careTeam(new IdType(patient), new IdType(unit))), "Authorization", authorization);
        if (team.statusCode() != 201) {
          throw new AssertionError("The writer's care team was refused: " + team.body());
        }
      }
    }
  }

  /** Call after a write: remembers whose the created Patient is. */
  public void written(String authorization, Resource resource, String typeAndId) {
    if (resource instanceof Patient) {
      patientOwners.put(typeAndId, claim(authorization, CARE_PROVIDER));
    }
  }

  private static String claim(String authorization, Pattern claim) {
    String token = authorization.substring(authorization.indexOf(' ') + 1);
    String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
    Matcher matcher = claim.matcher(payload);
    if (!matcher.find()) {
      throw new IllegalArgumentException("The token names no " + claim);
    }
    return matcher.group(1);
  }
}
