package se.samverkan.profiles;


import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.NpmPackageMetadataJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.io.ClassPathResource;
import se.samverkan.server.spi.LocksAcrossServers;

/**
 * Installs Samverkan's FHIR package (built from {@code profiles/} by Maven, on the classpath) into
 * the server when it starts, before it takes requests: conformance resources are stored as FHIR
 * resources (so {@code GET /fhir/StructureDefinition?url=…} finds them), snapshots are generated,
 * and the validator sees them. Installing again replaces what an earlier start installed, and a
 * new version of the package replaces an older one (resources are matched by url).
 *
 * <p>The package's SearchParameters take effect at once, and HAPI starts a REINDEX job for their
 * base types, so data stored before a parameter existed becomes searchable by it too.
 */
public class FhirPackageInstaller implements SmartInitializingSingleton {

  /** Our package's name; the package builder (src/dev/java) writes it into the package. */
  public static final String PACKAGE_NAME = "se.samverkan.fhir";
  public static final String CLASSPATH_LOCATION = "fhir-package/" + PACKAGE_NAME + ".tgz";
  private static final Logger log = LoggerFactory.getLogger(FhirPackageInstaller.class);
  static final String LOCK_NAME = "startup:fhir-package";

  private final IPackageInstallerSvc installer;
  private final IHapiPackageCacheManager packageCache;
  private final JobDefinitionRegistry jobDefinitions;
  private final List<JobDefinition<?>> jobs;
  private final ISearchParamRegistry searchParamRegistry;
  private final LocksAcrossServers locks;
  private final byte[] contents;
  private final NpmPackage npmPackage;

  public FhirPackageInstaller(
      IPackageInstallerSvc installer,
      IHapiPackageCacheManager packageCache,
      JobDefinitionRegistry jobDefinitions,
      List<JobDefinition<?>> jobs,
      ISearchParamRegistry searchParamRegistry,
      LocksAcrossServers locks) {
    this(installer, packageCache, jobDefinitions, jobs, searchParamRegistry, locks, read());
  }

  /** With the package given as bytes (tests: an older version to upgrade from). */
  FhirPackageInstaller(
      IPackageInstallerSvc installer,
      IHapiPackageCacheManager packageCache,
      JobDefinitionRegistry jobDefinitions,
      List<JobDefinition<?>> jobs,
      ISearchParamRegistry searchParamRegistry,
      LocksAcrossServers locks,
      byte[] contents) {
    this.locks = locks;
    this.installer = installer;
    this.packageCache = packageCache;
    this.jobDefinitions = jobDefinitions;
    this.jobs = jobs;
    this.searchParamRegistry = searchParamRegistry;
    this.contents = contents;
    try {
      this.npmPackage = NpmPackage.fromPackage(new ByteArrayInputStream(contents));
    } catch (IOException e) {
      throw new UncheckedIOException("Samverkan's FHIR package on the classpath is unreadable", e);
    }
  }

  /**
   * One server at a time: HAPI checks for the package and then stores it, without a lock, and two
   * replicas starting together would otherwise both store it, the second failing on HAPI's unique
   * index (IDX_PACK_ID) or storing each conformance resource twice. The server that comes second
   * finds the package installed and unchanged.
   */
  @Override
  public void afterSingletonsInstantiated() {
    locks.alone(LOCK_NAME, this::install);
  }

  private void install() {
    PackageInstallationSpec spec =
        new PackageInstallationSpec()
            .setName(name())
            .setVersion(version())
            .setPackageContents(contents)
            .setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL)
            .setFetchDependencies(false)
            // One stored StructureDefinition (CodeSystem, ...) per url: a new version of the package
            // updates the resources an older one stored. HAPI's default, MULTI_VERSION, would add
            // the new version's beside the old, and two profiles would answer to one url.
            .setVersionPolicy(PackageInstallationSpec.VersionPolicyEnum.SINGLE_VERSION);
    spec.setReloadExisting(true);

    IHapiPackageCacheManager.PackageContents installed = packageCache.loadPackageContents(name(), version());
    if (installed != null && Arrays.equals(installed.getBytes(), contents)) {
      log.info("FHIR package {}#{} is installed and unchanged", name(), version());
      return;
    }
    if (installed != null) {
      // Same version, other content: only during development. HAPI's cache keeps the first content
      // of a version for good, so it is dropped too; else every later start would see a change.
      log.warn("FHIR package {}#{} changed without a new version: reinstalling it", name(), version());
      installer.uninstall(spec);
      packageCache.uninstallPackage(name(), version());
    }
    forgetOtherVersions();
    registerBatchJobs();
    long start = System.nanoTime();
    installer.install(spec);
    searchParamRegistry.forceRefresh();
    log.info("Installed FHIR package {}#{} in {} ms", name(), version(), (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Drops every other version of the package from HAPI's package cache before this one is
   * installed: the validator's package support serves a url from the cache's current version,
   * and after a roll-back to an older server, the older version must be installed again rather
   * than be taken for "installed and unchanged" while the newer one's resources are stored.
   */
  private void forgetOtherVersions() {
    NpmPackageMetadataJson metadata;
    try {
      metadata = packageCache.loadPackageMetadata(name());
    } catch (ResourceNotFoundException e) {
      return; // never installed
    }
    for (String other : List.copyOf(metadata.getVersions().keySet())) {
      if (!other.equals(version())) {
        log.info("FHIR package {}#{} replaces version {}", name(), version(), other);
        packageCache.uninstallPackage(name(), other);
      }
    }
  }

  /**
   * A stored SearchParameter submits HAPI's REINDEX job, whose definition HAPI registers only on
   * ContextRefreshedEvent — after this runs, and after the web server has started. Installing
   * then would leave a window where writes go unvalidated, so the job definitions are registered
   * here, before the installation; HAPI's own registration later finds them present.
   */
  private void registerBatchJobs() {
    jobs.forEach(jobDefinitions::addJobDefinitionIfNotRegistered);
  }

  public String name() {
    return npmPackage.name();
  }

  public String version() {
    return npmPackage.version();
  }

  public NpmPackage npmPackage() {
    return npmPackage;
  }

  /** The package file as built, for download. */
  public byte[] contents() {
    return contents.clone();
  }

  private static byte[] read() {
    ClassPathResource resource = new ClassPathResource(CLASSPATH_LOCATION);
    if (!resource.exists()) {
      throw new IllegalStateException(
          CLASSPATH_LOCATION + " is missing from the classpath: build with ./mvnw, which packages profiles/");
    }
    try (InputStream in = resource.getInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
