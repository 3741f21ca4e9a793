package se.samverkan.auth;


import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import se.samverkan.messages.Message;
import se.samverkan.messages.Messages;
import se.samverkan.server.spi.ServerInterceptor;

/**
 * What a token's SMART scopes allow, as HAPI authorization rules: {@code system/CarePlan.read},
 * {@code user/*.write}, v2 forms such as {@code system/Observation.rs}. Anything not allowed is
 * refused with 403. This decides only which kinds of requests a caller may make; which patients'
 * data it may see is {@link se.samverkan.access.CareRelationConsentService}'s business, and who may change a
 * resource {@link se.samverkan.access.OwnershipInterceptor}'s.
 *
 * <p>Three rules hold whatever the scopes: the audit log (AuditEvent) is written by the server
 * alone and read only by the {@value Caller#LOG_REVIEWER} role; and the server-wide conformance
 * resources (profiles, search parameters, terminology) are written only with a scope that names
 * their type, never through {@code *}. The rest of the audit log's policy, and the list of where
 * each of its rules is enforced, is access/AuditLogPolicy (above auth, so not asked from here).
 */
public class ScopeAuthorizationInterceptor extends AuthorizationInterceptor implements ServerInterceptor {

  /** {@code context/Type.permissions}; SMART v1 (read, write, *) and v2 (c r u d s). */
  private static final Pattern SCOPE = Pattern.compile("^(user|system)/([A-Za-z]+|\\*)\\.(read|write|\\*|c?r?u?d?s?)$");

  public static final List<String> CONFORMANCE_TYPES = List.of(
      "StructureDefinition", "SearchParameter", "CodeSystem", "ValueSet", "ConceptMap", "NamingSystem",
      "ImplementationGuide", "CapabilityStatement", "OperationDefinition", "CompartmentDefinition", "StructureMap");

  /** Operations that only compute on what the caller sends, or on terminology: no patient data. */
  private static final List<String> DATA_FREE_OPERATIONS =
      List.of("validate", "expand", "lookup", "validate-code", "subsumes", "translate");

  private static final String ONLY_REVIEWERS = Messages.english(Message.RULE_ONLY_LOG_REVIEWERS);

  /** The rule below, for refusing a GET of the audit log inside a batch or transaction. */
  private static final IAuthRule AUDIT_LOG_READ =
      new RuleBuilder().deny(ONLY_REVIEWERS).read().resourcesOfType("AuditEvent").withAnyId().build().get(0);

  public ScopeAuthorizationInterceptor() {
    super(PolicyEnum.DENY);
  }

  /**
   * HAPI builds the rules once per HTTP request and applies them to every entry of a batch or
   * transaction, so the rule that names the audit log (added when the request is about
   * AuditEvent) is missing for a GET entry: there the caller's other read rules would let it
   * through. Each such entry is refused here as the plain GET is, with the same 403.
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void refuseAuditLogInsideBundles(RequestDetails request) {
    Caller caller = Caller.of(request);
    if (request.isSubRequest() && "AuditEvent".equals(request.getResourceName())
        && request.getRequestType() == RequestTypeEnum.GET
        && caller != null && !caller.isSystem() && !caller.isLogReviewer()) {
      handleDeny(request, new Verdict(PolicyEnum.DENY, AUDIT_LOG_READ));
    }
  }

  /**
   * A conditional delete ({@code DELETE Observation?identifier=…}, also as a transaction entry)
   * names no resource yet. HAPI lets it through the first delete rule it meets, whatever that
   * rule's type and verdict, to judge each resource it deletes later
   * (RuleImplOp#applyRule, STORAGE_PRESTORAGE_RESOURCE_DELETED, HAPI 8.8) — so the deny rule for
   * the audit log refused every conditional delete. It is judged here as a delete of its type;
   * each resource it deletes is judged again as it is deleted.
   */
  @Override
  public Verdict applyRulesAndReturnDecision(RestOperationTypeEnum operation, RequestDetails request,
      IBaseResource input, IIdType inputId, IBaseResource output, Pointcut pointcut) {
    if (operation == RestOperationTypeEnum.DELETE && inputId != null && inputId.hasResourceType()
        && !inputId.hasIdPart()) {
      inputId = request.getFhirContext().getVersion().newIdType()
          .setParts(null, inputId.getResourceType(), CONDITIONAL_DELETE_TARGET, null);
    }
    return super.applyRulesAndReturnDecision(operation, request, input, inputId, output, pointcut);
  }

  /** Stands for the resources a conditional delete will find, in deciding whether it may ask. */
  private static final String CONDITIONAL_DELETE_TARGET = "conditional-delete";

  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    Caller caller = Caller.of(request);
    IAuthRuleBuilder rules = new RuleBuilder();
    if (caller == null) {
      // Spring Security let the request in without a token: only the public CapabilityStatement.
      return rules.allow("metadata").metadata().andThen().denyAll(Messages.english(Message.RULE_TOKEN_REQUIRED)).build();
    }
    if (caller.isSystem()) {
      return rules.allowAll("the server itself").build();
    }
    Set<String> readTypes = new LinkedHashSet<>();
    Set<String> writeTypes = new LinkedHashSet<>();
    for (String scope : caller.scopes()) {
      Matcher m = SCOPE.matcher(scope);
      if (!m.matches()) {
        continue; // openid, patient/… and other scopes grant nothing here
      }
      String type = m.group(2);
      String permissions = m.group(3);
      boolean read;
      boolean write;
      switch (permissions) {
        case "*" -> { read = true; write = true; }
        case "read" -> { read = true; write = false; }
        case "write" -> { read = false; write = true; }
        default -> { // v2: c(reate) r(ead) u(pdate) d(elete) s(earch)
          read = permissions.contains("r") || permissions.contains("s");
          write = permissions.contains("c") || permissions.contains("u") || permissions.contains("d");
        }
      }
      if (read) {
        readTypes.add(type);
      }
      if (write) {
        writeTypes.add(type);
      }
    }

    rules.deny(Messages.english(Message.RULE_AUDIT_LOG_WRITTEN_BY_SERVER)).write().resourcesOfType("AuditEvent").withAnyId();
    rules.deny(Messages.english(Message.RULE_AUDIT_LOG_WRITTEN_BY_SERVER)).delete().resourcesOfType("AuditEvent").withAnyId();
    if (!caller.isLogReviewer() && "AuditEvent".equals(request.getResourceName())) {
      // A clear 403 for asking; AuditEvents reached any other way (system history, paging,
      // includes) are dropped by the AccessPolicy. A deny rule for all requests would also hit
      // every request whose type HAPI cannot know up front, such as paging links.
      rules.deny(ONLY_REVIEWERS).read().resourcesOfType("AuditEvent").withAnyId();
    }
    for (String type : CONFORMANCE_TYPES) {
      if (!writeTypes.contains(type)) {
        rules.deny(Messages.english(Message.RULE_DEFINITIONS_NEED_SCOPE, type)).write().resourcesOfType(type).withAnyId();
        rules.deny(Messages.english(Message.RULE_DEFINITIONS_NEED_SCOPE, type)).delete().resourcesOfType(type).withAnyId();
      }
    }

    rules.allow("metadata").metadata();
    rules.allow("bundles: each entry by the rules below").transaction().withAnyOperation().andApplyNormalRules();
    for (String type : readTypes) {
      if (type.equals("*")) {
        rules.allow("read any type").read().allResources().withAnyId();
      } else {
        rules.allow("read " + type).read().resourcesOfType(type).withAnyId();
      }
    }
    if (!readTypes.isEmpty()) {
      // Operations that return stored resources: each returned resource must pass the read rules.
      rules.allow("$everything").operation().named("$everything").onInstancesOfType(Patient.class)
          .andRequireExplicitResponseAuthorization();
      rules.allow("$worklist").operation().named("$worklist").onType(Patient.class)
          .andRequireExplicitResponseAuthorization();
      rules.allow("$lastn").operation().named("$lastn").onType(Observation.class)
          .andRequireExplicitResponseAuthorization();
      for (String operation : DATA_FREE_OPERATIONS) {
        rules.allow("$" + operation).operation().named("$" + operation).atAnyLevel().andAllowAllResponses();
      }
    }
    if (caller.isLogReviewer()) {
      rules.allow("the patient log extract").operation().named("$access-log").onInstancesOfType(Patient.class)
          .andAllowAllResponses();
    }
    for (String type : writeTypes) {
      if (type.equals("*")) {
        rules.allow("write any type").write().allResources().withAnyId();
        rules.allow("delete any type").delete().allResources().withAnyId();
        rules.allow("conditional create").createConditional().allResources();
        rules.allow("conditional update").updateConditional().allResources();
      } else {
        rules.allow("write " + type).write().resourcesOfType(type).withAnyId();
        rules.allow("delete " + type).delete().resourcesOfType(type).withAnyId();
        rules.allow("conditional create").createConditional().resourcesOfType(type);
        rules.allow("conditional update").updateConditional().resourcesOfType(type);
      }
    }
    if (!writeTypes.isEmpty()) {
      rules.allow("patch: the patched resource by the write rules").patch().allRequests();
    }
    return rules.denyAll(Messages.english(Message.RULE_SCOPES_DO_NOT_ALLOW)).build();
  }
}
