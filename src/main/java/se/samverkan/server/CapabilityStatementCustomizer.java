package se.samverkan.server;

import se.samverkan.server.spi.ServerInterceptor;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * Names Samverkan, not "HAPI FHIR Server", in {@code GET /fhir/metadata}, says what the server
 * does where HAPI's statement does not, and offers only the patch formats it takes: XML Patch,
 * which HAPI's JpaCapabilityStatementProvider lists (8.8), is refused with 415
 * (HostileInputInterceptor#refuseXmlPatch).
 */
@Interceptor
public class CapabilityStatementCustomizer implements ServerInterceptor {

  private final String version;
  private final boolean multipleDelete;

  public CapabilityStatementCustomizer(String version, boolean multipleDelete) {
    this.version = version;
    this.multipleDelete = multipleDelete;
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void describeSamverkan(IBaseConformance generated) {
    CapabilityStatement capabilities = (CapabilityStatement) generated;
    capabilities.setName("Samverkan");
    capabilities.setTitle("Samverkan – delad vård- och omsorgsdokumentation");
    capabilities.setPublisher("Samverkan");
    capabilities.getSoftware().setName("Samverkan").setVersion(version);
    // HAPI's provider says "multiple" for every type and then tries to add what the storage
    // settings allow to that single element, which keeps the first (JpaCapabilityStatementProvider
    // #postProcessRestResource, HAPI 8.8). The audit log's entry is audit/AuditLogApart's.
    for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
      for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
        resource.setConditionalDelete(multipleDelete ? CapabilityStatement.ConditionalDeleteStatus.MULTIPLE
            : CapabilityStatement.ConditionalDeleteStatus.SINGLE);
      }
    }
    capabilities.getPatchFormat().removeIf(format -> Constants.CT_XML_PATCH.equals(format.getValue()));
  }
}
