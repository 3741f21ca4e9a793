package se.samverkan.profiles;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Offers our FHIR NPM package for download, so that other systems can load the same profiles into
 * their validators: {@code GET /packages/se.samverkan.fhir.tgz} (the version this server runs) or
 * {@code GET /packages/se.samverkan.fhir-<version>.tgz}.
 */
@RestController
public class FhirPackageController {

  private final FhirPackageInstaller fhirPackage;

  public FhirPackageController(FhirPackageInstaller fhirPackage) {
    this.fhirPackage = fhirPackage;
  }

  @GetMapping("/packages/{file:.+\\.tgz}")
  public ResponseEntity<byte[]> download(@PathVariable String file) {
    String name = fhirPackage.name();
    String versioned = name + "-" + fhirPackage.version() + ".tgz";
    if (!file.equals(name + ".tgz") && !file.equals(versioned)) {
      return ResponseEntity.notFound().build();
    }
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType("application/gzip"))
        .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(versioned).build().toString())
        .body(fhirPackage.contents());
  }
}
