package se.samverkan.worklist;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDaoObservation;
import org.hl7.fhir.r4.model.Observation;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.access.VisibleResults;
import se.samverkan.server.spi.FhirServerProperties;

/** The operations behind the coordination nurses' worklists: {@code $worklist} and {@code $lastn}. */
@Configuration
public class WorklistConfig {

  @Bean
  public WorklistOperationProvider worklistOperationProvider(DaoRegistry daos, FhirServerProperties properties,
      VisibleResults visible) {
    return new WorklistOperationProvider(daos, properties.scanLimit(), properties.maxPageSize(), visible);
  }

  @Bean
  public LastNObservationProvider lastNObservationProvider(
      FhirContext fhirContext,
      IFhirResourceDaoObservation<Observation> observationDao,
      FhirServerProperties properties,
      VisibleResults visible) {
    LastNObservationProvider provider = new LastNObservationProvider(properties.scanLimit(), visible);
    provider.setContext(fhirContext);
    provider.setDao(observationDao);
    return provider;
  }
}
