package se.samverkan.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import se.samverkan.server.spi.LocksAcrossServers;
import se.samverkan.support.FhirServerTest;

/** The package is built, installed at start-up, offered for download and announced. */
class FhirPackageTest extends FhirServerTest {

  private static final String PATIENT_PROFILE = "https://samverkan.se/fhir/StructureDefinition/SamverkanPatient";
  /** The one place the version is set is pom.xml; the version in the package and in every resource follows it. */
  private static final String PACKAGE_VERSION = "0.2.0";

  @Autowired private FhirPackageInstaller installed;
  @Autowired private IPackageInstallerSvc packageInstaller;
  @Autowired private IHapiPackageCacheManager packageCache;
  @Autowired private JobDefinitionRegistry jobDefinitions;
  @Autowired private List<JobDefinition<?>> jobs;
  @Autowired private ISearchParamRegistry searchParamRegistry;
  @Autowired private LocksAcrossServers locks;

  @Test
  void thePackageCanBeDownloadedAndIsAValidNpmPackage() throws Exception {
    HttpResponse<byte[]> response = http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/packages/se.samverkan.fhir.tgz")).build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    NpmPackage npm = NpmPackage.fromPackage(new ByteArrayInputStream(response.body()));
    assertThat(npm.name()).isEqualTo("se.samverkan.fhir");
    assertThat(npm.canonical()).isEqualTo("https://samverkan.se/fhir");
    assertThat(npm.fhirVersion()).isEqualTo("4.0.1");
    assertThat(npm.listResources("StructureDefinition"))
        .contains("StructureDefinition-SamverkanPatient.json", "StructureDefinition-SamverkanSIP.json",
            "StructureDefinition-SamverkanClinicalFrailtyScale.json", "StructureDefinition-SamverkanCoordinationTask.json",
            "StructureDefinition-SamverkanAdmissionNotice.json");
    assertThat(npm.listResources("CodeSystem")).contains("CodeSystem-role.json", "CodeSystem-coordination-task.json");
    assertThat(npm.listResources("SearchParameter")).contains("SearchParameter-Task-due.json");
    assertThat(npm.list("example")).contains("Patient-example-greta.json", "Task-example-greta-admission-notice.json");
  }

  @Test
  void thePackageHasTheVersionTheBuildGivesIt() throws Exception {
    assertThat(installed.version()).isEqualTo(PACKAGE_VERSION);
  }

  @Test
  void aVersionedDownloadWorksAndAnUnknownOneIsNotFound() {
    assertThat(get("http://localhost:" + port + "/packages/se.samverkan.fhir-" + PACKAGE_VERSION + ".tgz").statusCode())
        .isEqualTo(200);
    assertThat(get("http://localhost:" + port + "/packages/other-1.0.0.tgz").statusCode()).isEqualTo(404);
  }

  @Test
  void theProfilesAreStoredAsResourcesWithSnapshots() {
    Bundle found = client.search().byUrl("StructureDefinition?url=" + PATIENT_PROFILE)
        .returnBundle(Bundle.class).execute();

    assertThat(found.getEntry()).hasSize(1);
    StructureDefinition profile = (StructureDefinition) found.getEntryFirstRep().getResource();
    assertThat(profile.getSnapshot().getElement()).isNotEmpty();
    assertThat(profile.getVersion()).isEqualTo(PACKAGE_VERSION);
  }

  @Test
  void aNewVersionOfThePackageReplacesTheOlderOneAServerHadInstalled() throws Exception {
    // A server whose database holds an older version of the package, as every server deployed
    // before this version does.
    byte[] older = new FhirPackageBuilder().build(Path.of("profiles"), "0.1.0");
    new FhirPackageInstaller(packageInstaller, packageCache, jobDefinitions, jobs, searchParamRegistry, locks, older)
        .afterSingletonsInstantiated();
    assertThat(storedPatientProfiles()).extracting(StructureDefinition::getVersion).containsExactly("0.1.0");

    // It starts again with this build's package.
    installed.afterSingletonsInstantiated();

    assertThat(storedPatientProfiles()).extracting(StructureDefinition::getVersion).containsExactly(installed.version());
    assertThat(packageCache.loadPackageContents(installed.name(), "0.1.0")).isNull();
    assertThat(packageCache.loadPackageContents(installed.name(), installed.version())).isNotNull();
  }

  private List<StructureDefinition> storedPatientProfiles() {
    HttpResponse<String> response = get("/StructureDefinition?url=" + PATIENT_PROFILE, "Cache-Control", "no-cache");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return parse(Bundle.class, response).getEntry().stream().map(e -> (StructureDefinition) e.getResource()).toList();
  }

  @Test
  void theCapabilityStatementListsTheProfilesAsSupported() {
    CapabilityStatement capabilities = client.capabilities().ofType(CapabilityStatement.class).execute();

    assertThat(capabilities.getRestFirstRep().getResource())
        .filteredOn(r -> r.getType().equals("Patient"))
        .singleElement()
        .satisfies(r -> assertThat(r.getSupportedProfile()).extracting(c -> c.getValue()).contains(PATIENT_PROFILE));
    assertThat(capabilities.getRestFirstRep().getResource())
        .filteredOn(r -> r.getType().equals("Observation"))
        .singleElement()
        .satisfies(r -> assertThat(r.getSupportedProfile()).extracting(c -> c.getValue())
            .contains("https://samverkan.se/fhir/StructureDefinition/SamverkanNEWS2",
                "https://samverkan.se/fhir/StructureDefinition/SamverkanBodyWeight"));
    assertThat(capabilities.getRestFirstRep().getResource())
        .filteredOn(r -> r.getType().equals("Task"))
        .singleElement()
        .satisfies(r -> assertThat(r.getSupportedProfile()).extracting(c -> c.getValue())
            .contains("https://samverkan.se/fhir/StructureDefinition/SamverkanAdmissionNotice",
                "https://samverkan.se/fhir/StructureDefinition/SamverkanDischargeReady",
                "https://samverkan.se/fhir/StructureDefinition/SamverkanSIPCall",
                "https://samverkan.se/fhir/StructureDefinition/SamverkanEDFollowUp",
                "https://samverkan.se/fhir/StructureDefinition/SamverkanDischargeFollowUp")
            .doesNotContain("https://samverkan.se/fhir/StructureDefinition/SamverkanCoordinationTask"));
  }
}
