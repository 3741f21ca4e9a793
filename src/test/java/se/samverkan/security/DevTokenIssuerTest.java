package se.samverkan.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The development issuer stays a development tool: loopback only, and off beside a real issuer. */
class DevTokenIssuerTest {

  @Test
  void itAnswersOnlyRequestsFromThisMachine() throws Exception {
    for (String address : new String[] {"127.0.0.1", "::1", "10.0.0.5", "192.168.1.20"}) {
      MockHttpServletRequest request = new MockHttpServletRequest("POST", "/oauth2/token");
      request.setRemoteAddr(address);
      MockHttpServletResponse response = new MockHttpServletResponse();
      MockFilterChain chain = new MockFilterChain();

      new DevTokenIssuerConfig.LoopbackOnly().doFilter(request, response, chain);

      boolean loopback = address.equals("127.0.0.1") || address.equals("::1");
      assertThat(chain.getRequest() != null).as(address + " passed on").isEqualTo(loopback);
      assertThat(response.getStatus()).as(address).isEqualTo(loopback ? 200 : 403);
    }
  }

  @Test
  void itIsOffWhenAnExternalIssuerIsConfiguredOrItIsSwitchedOff() {
    assertThat(DevTokenIssuerConfig.Enabled.isOn(new MockEnvironment())).isTrue();
    assertThat(DevTokenIssuerConfig.Enabled.isOn(new MockEnvironment()
        .withProperty("spring.security.oauth2.resourceserver.jwt.issuer-uri", "https://idp.region.se"))).isFalse();
    assertThat(DevTokenIssuerConfig.Enabled.isOn(new MockEnvironment()
        .withProperty("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", "https://idp.region.se/jwks"))).isFalse();
    assertThat(DevTokenIssuerConfig.Enabled.isOn(new MockEnvironment()
        .withProperty("samverkan.security.dev-issuer.enabled", "false"))).isFalse();
  }
}
