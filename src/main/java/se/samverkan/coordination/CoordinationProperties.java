package se.samverkan.coordination;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Keys under {@code samverkan.coordination}: the rules that create coordination Tasks
 * (docs/notifications.md). Each rule can be switched off and its deadline changed to what the
 * region and kommuner have agreed.
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
    Rule admissionNotice, Rule sipCall, Rule edFollowUp, Rule dischargeFollowUp) {

  public CoordinationProperties {
    admissionNotice = Rule.orDefault(admissionNotice, Duration.ofHours(24));
    sipCall = Rule.orDefault(sipCall, Duration.ofDays(3));
    edFollowUp = Rule.orDefault(edFollowUp, Duration.ofDays(3));
    dischargeFollowUp = Rule.orDefault(dischargeFollowUp, Duration.ofDays(3));
  }

  /**
   * @param enabled whether the rule creates Tasks
   * @param dueAfter the deadline, counted from the event (admission, utskrivningsklar, end of the
   *     ED visit, discharge)
   */
  public record Rule(Boolean enabled, Duration dueAfter) {
    static Rule orDefault(Rule rule, Duration dueAfter) {
      if (rule == null) {
        return new Rule(true, dueAfter);
      }
      return new Rule(rule.enabled() == null || rule.enabled(), rule.dueAfter() == null ? dueAfter : rule.dueAfter());
    }
  }
}
