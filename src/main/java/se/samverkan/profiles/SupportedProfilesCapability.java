package se.samverkan.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import se.samverkan.server.spi.ServerInterceptor;
import se.samverkan.vocabulary.Vocabulary;

/**
 * Lists our profiles as {@code supportedProfile} of their resource types in the CapabilityStatement.
 * An abstract profile of ours (a common base, such as SamverkanCoordinationTask) is no use case a
 * resource can conform to on its own, so it is left out, although HAPI lists every stored one.
 */
@Interceptor
public class SupportedProfilesCapability implements ServerInterceptor {


  private final ProfileCatalog catalog;

  public SupportedProfilesCapability(ProfileCatalog catalog) {
    this.catalog = catalog;
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void listProfiles(IBaseConformance generated) {
    CapabilityStatement capabilities = (CapabilityStatement) generated;
    for (CapabilityStatement.CapabilityStatementRestResourceComponent resource :
        capabilities.getRestFirstRep().getResource()) {
      resource.getSupportedProfile().removeIf(c -> c.getValue() != null
          && c.getValue().startsWith(Vocabulary.STRUCTURE_DEFINITION_BASE) && !catalog.urls().contains(c.getValue()));
      catalog.all().stream()
          .filter(p -> p.type().equals(resource.getType()))
          .filter(p -> resource.getSupportedProfile().stream().noneMatch(c -> p.url().equals(c.getValue())))
          .forEach(p -> resource.addSupportedProfile(p.url()));
    }
  }
}
