package se.samverkan;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * Samverkan: a FHIR R4 server for the shared care documentation of region and kommun.
 *
 * <p>The HAPI FHIR JPA server is assembled from HAPI's own configuration classes (R4 DAOs and
 * providers, JPA infrastructure, batch2 jobs); everything specific to Samverkan lives in the
 * feature packages beside this class.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import({
    JpaR4Config.class,
    HapiJpaConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class,
    ThreadPoolFactoryConfig.class
})
public class SamverkanApplication {

  public static void main(String[] args) {
    SpringApplication.run(SamverkanApplication.class, args);
  }
}
