package se.samverkan.coordination;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Keys under {@code samverkan.coordination}: the rules that create coordination Tasks
 * (docs/notifications.md). Each rule can be switched off and its deadline changed to what the
 * region and kommuner have agreed. Each rule has a type of its own only so that its default
 * deadline is written once, as the {@link DefaultValue} of that type (one shared type could hold
 * only one default); Spring Boot's configuration processor copies them into the configuration
 * metadata, which README's Configuration table is checked against (ConfigurationTableTest).
 *
 * @param admissionNotice inpatient admission → inskrivningsmeddelande to the kommun and the
 *     listed vårdcentral; LUSEN (lag 2017:612) and prop. 2016/17:106: within 24 hours
 * @param sipCall utskrivningsklar → kallelse till SIP by the listed vårdcentral; LUSEN and the
 *     regional SIP routine: within 3 days
 * @param edFollowUp ED visit of an included patient → follow-up call by the listed vårdcentral;
 *     the Närsjukvårdsmodell's local agreement, not law
 * @param dischargeFollowUp discharge of a patient in a care team → follow-up call by the listed
 *     vårdcentral; local practice, not law
 */
@ConfigurationProperties("samverkan.coordination")
public record CoordinationProperties(
    @DefaultValue AdmissionNotice admissionNotice,
    @DefaultValue SipCall sipCall,
    @DefaultValue EdFollowUp edFollowUp,
    @DefaultValue DischargeFollowUp dischargeFollowUp) {

  /** What every rule has: whether it creates Tasks, and the deadline counted from its event. */
  public sealed interface Rule permits AdmissionNotice, SipCall, EdFollowUp, DischargeFollowUp {
    Boolean enabled();

    Duration dueAfter();
  }

  /**
   * @param enabled whether an inpatient admission creates inskrivningsmeddelande Tasks
   * @param dueAfter the deadline, counted from the admission
   */
  public record AdmissionNotice(@DefaultValue("true") Boolean enabled, @DefaultValue("24h") Duration dueAfter)
      implements Rule {}

  /**
   * @param enabled whether utskrivningsklar creates a Task to call to SIP
   * @param dueAfter the deadline, counted from utskrivningsklar
   */
  public record SipCall(@DefaultValue("true") Boolean enabled, @DefaultValue("3d") Duration dueAfter)
      implements Rule {}

  /**
   * @param enabled whether an ED visit of an included patient creates a follow-up Task
   * @param dueAfter the deadline, counted from the end of the ED visit
   */
  public record EdFollowUp(@DefaultValue("true") Boolean enabled, @DefaultValue("3d") Duration dueAfter)
      implements Rule {}

  /**
   * @param enabled whether a discharge of a patient in a care team creates a follow-up Task
   * @param dueAfter the deadline, counted from the discharge
   */
  public record DischargeFollowUp(@DefaultValue("true") Boolean enabled, @DefaultValue("3d") Duration dueAfter)
      implements Rule {}
}
