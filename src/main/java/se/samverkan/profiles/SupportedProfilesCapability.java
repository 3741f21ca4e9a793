package se.samverkan.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import se.samverkan.server.ServerInterceptor;

/** Lists our profiles as {@code supportedProfile} of their resource types in the CapabilityStatement. */
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
      catalog.all().stream()
          .filter(p -> p.type().equals(resource.getType()))
          .filter(p -> resource.getSupportedProfile().stream().noneMatch(c -> p.url().equals(c.getValue())))
          .forEach(p -> resource.addSupportedProfile(p.url()));
    }
  }
}
