package se.samverkan.coordination;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import se.samverkan.access.AccessPolicy;
import se.samverkan.server.spi.LocksAcrossServers;

/** The rules that turn admissions, discharges and ED visits into coordination Tasks. */
@Configuration
public class CoordinationConfig {

  @Bean
  public CoordinationRules coordinationRules(DaoRegistry daos, CoordinationProperties properties, AccessPolicy policy) {
    return new CoordinationRules(daos, properties, policy);
  }

  /** A StorageInterceptor: the rules run on HAPI's subscription pipeline, outside requests. */
  @Bean
  public CoordinationRulesInterceptor coordinationRulesInterceptor(FhirContext fhirContext, DaoRegistry daos,
      IHapiTransactionService transactions, CoordinationRules rules, LocksAcrossServers locks) {
    return new CoordinationRulesInterceptor(fhirContext, daos, transactions, rules, locks);
  }
}
