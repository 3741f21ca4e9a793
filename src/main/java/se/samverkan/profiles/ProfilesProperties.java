package se.samverkan.profiles;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Keys under {@code samverkan.profiles}.
 *
 * @param enforcement {@code strict}: every write of a profiled type must conform to the
 *     Samverkan profile that matches it (an Observation: the profile of its code);
 *     {@code declared}: only resources that name a Samverkan profile in {@code meta.profile} are
 *     checked, against the profiles they name; {@code off}: no profile checks on write
 */
@ConfigurationProperties("samverkan.profiles")
public record ProfilesProperties(@DefaultValue("strict") Enforcement enforcement) {

  public enum Enforcement {
    STRICT,
    DECLARED,
    OFF
  }
}
