package se.samverkan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The development issuer stays a development tool: loopback only, and off beside a real issuer. */
class DevTokenIssuerTest {

  @Test
  void itAnswersOnlyRequestsFromThisMachine() throws Exception {
    for (String address : new String[] {"127.0.0.1", "::1", "10.0.0.5", "192.168.1.20"}) {
      boolean loopback = address.equals("127.0.0.1") || address.equals("::1");
      assertThat(answers(tokenRequest(address))).as(address).isEqualTo(loopback);
    }
  }

  /**
   * Whether a caller is on this machine is decided by the connection's own address. A header
   * saying the request came from loopback is anyone's to write; and a request that names another
   * client address came through a proxy, so it is not from this machine even when the proxy is.
   */
  @Test
  void aForgedForwardedHeaderDoesNotMakeARemoteCallerLocal() throws Exception {
    for (String[] header : new String[][] {
        {"X-Forwarded-For", "127.0.0.1"}, {"X-Forwarded-For", "::1"}, {"Forwarded", "for=127.0.0.1"},
        {"X-Real-IP", "127.0.0.1"}}) {
      MockHttpServletRequest remote = tokenRequest("10.0.0.5");
      remote.addHeader(header[0], header[1]);
      assertThat(answers(remote)).as("from 10.0.0.5 with " + header[0] + ": " + header[1]).isFalse();
    }
    for (String[] header : new String[][] {
        {"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=203.0.113.7"}, {"X-Real-IP", "203.0.113.7"}}) {
      MockHttpServletRequest relayed = tokenRequest("127.0.0.1");
      relayed.addHeader(header[0], header[1]);
      assertThat(answers(relayed)).as("relayed by a proxy on this machine with " + header[0]).isFalse();
    }
  }

  /**
   * With forwarded headers applied (server.forward-headers-strategy native or framework, or Spring
   * Boot's own default on a cloud platform such as Kubernetes), the address the filter sees is the
   * one X-Forwarded-For names: the development issuer does not start there.
   */
  @Test
  void itRefusesToStartWhereForwardedHeadersRewriteTheCallersAddress() {
    for (String[] setting : new String[][] {
        {"server.forward-headers-strategy", "native"}, {"server.forward-headers-strategy", "framework"},
        {"spring.main.cloud-platform", "kubernetes"}}) {
      new ApplicationContextRunner()
          .withPropertyValues(setting[0] + "=" + setting[1])
          .withUserConfiguration(DevTokenIssuerConfig.class)
          .run(context -> {
            assertThat(context).as(setting[0] + "=" + setting[1]).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure())).as(setting[0] + "=" + setting[1])
                .hasMessageContaining("development token issuer")
                .hasMessageContaining("server.forward-headers-strategy=none")
                .hasMessageContaining("issuer-uri");
          });
    }
  }

  @Test
  void itStartsWhereTheConnectionsAddressIsWhatItSees() {
    assertThatCode(() -> DevTokenIssuerConfig.requireTheConnectionsOwnAddress(new MockEnvironment()))
        .doesNotThrowAnyException();
    assertThatCode(() -> DevTokenIssuerConfig.requireTheConnectionsOwnAddress(new MockEnvironment()
        .withProperty("server.forward-headers-strategy", "none")
        .withProperty("spring.main.cloud-platform", "kubernetes")))
        .doesNotThrowAnyException();
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
    // Off, it has nothing to refuse: forwarded headers are the production setting behind a proxy.
    new ApplicationContextRunner()
        .withPropertyValues("server.forward-headers-strategy=native",
            "spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.region.se")
        .withUserConfiguration(DevTokenIssuerConfig.class)
        .run(context -> assertThat(context).hasNotFailed());
  }

  private static MockHttpServletRequest tokenRequest(String remoteAddress) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/oauth2/token");
    request.setRemoteAddr(remoteAddress);
    return request;
  }

  /** Whether the loopback filter passes the request on; a refused one gets 403. */
  private static boolean answers(MockHttpServletRequest request) throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    MockFilterChain chain = new MockFilterChain();
    new DevTokenIssuerConfig.LoopbackOnly().doFilter(request, response, chain);
    boolean passed = chain.getRequest() != null;
    assertThat(response.getStatus()).isEqualTo(passed ? 200 : 403);
    return passed;
  }
}
