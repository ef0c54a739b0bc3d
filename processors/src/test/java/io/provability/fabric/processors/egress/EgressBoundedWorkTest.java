package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hang guard: 1 MiB adversarial inputs finish (the bound is generous; this is not a performance
 * assertion), and arbitrary text never makes {@code check} throw.
 */
class EgressBoundedWorkTest {
  private static final int MIB = 1 << 20;
  private static final String BIG_POLICY = String.join("\n",
      "default_policy=big",
      "policy.big.max_text_bytes=" + (4 * MIB),
      "policy.big.EMAIL=REDACT", "policy.big.PHONE=REDACT", "policy.big.SSN=REDACT", "policy.big.PAYMENT_CARD=REDACT",
      "policy.big.IBAN=REDACT", "policy.big.IP_ADDRESS=REDACT", "policy.big.HIGH_ENTROPY=REDACT",
      "policy.big.PEM_PRIVATE_KEY=REDACT", "policy.big.JWT=REDACT", "policy.big.CLOUD_KEY=REDACT",
      "policy.big.GITHUB_TOKEN=REDACT", "policy.big.SLACK_TOKEN=REDACT", "policy.big.STRIPE_KEY=REDACT", "");

  static Stream<Arguments> adversarial() {
    Random r = new Random(7);
    String b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.";
    IntFunction<String> soup = n -> {
      StringBuilder sb = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        sb.append(b64.charAt(r.nextInt(b64.length())));
      }
      return sb.toString();
    };
    return Stream.of(
        Arguments.of("a@ repeated", "a@".repeat(MIB / 2)),
        Arguments.of("digits", "1".repeat(MIB)),
        Arguments.of("spaced digits", "4 ".repeat(MIB / 2)),
        Arguments.of("dotted quads", "1.".repeat(MIB / 2)),
        Arguments.of("colons and hex", "a:".repeat(MIB / 2)),
        Arguments.of("BEGIN without END", "-----BEGIN RSA PRIVATE KEY-----\n".repeat(MIB / 32)),
        Arguments.of("BEGIN with mismatched labels", "-----BEGIN A B-----\n".repeat(MIB / 20) + "-----END Z-----"),
        Arguments.of("base64 soup", soup.apply(MIB)),
        Arguments.of("eyJ soup", "eyJ".repeat(MIB / 6) + ".".repeat(MIB / 2)),
        Arguments.of("mixed: local parts, dashed digits, slack, IBAN and phone prefixes, astral chars",
            "a.".repeat(MIB / 12) + "12-".repeat(MIB / 18) + "xoxb-1234567-".repeat(MIB / 78)
                + "DE89 ".repeat(MIB / 30) + "+1 ".repeat(MIB / 18) + "😀1".repeat(MIB / 18)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adversarial")
  void oneMebibyteAdversarialInputCompletes(String name, String text) throws Exception {
    EgressFirewall firewall = new EgressFirewall(EgressPolicies.parse(BIG_POLICY), EgressFirewallTest.KEY);
    EgressRequest req = EgressFirewallTest.request(text, "t", null);
    EgressOutcome out = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> firewall.check(req, Instant.EPOCH));
    assertThat(out.verdict()).isIn(Verdict.ALLOW, Verdict.REDACT);
    assertThat(out.certificate()).isNotNull();
  }

  @Property(tries = 200)
  void checkNeverThrows(@ForAll String text) {
    EgressFirewall firewall = new EgressFirewall(EgressPolicies.defaults(), EgressFirewallTest.KEY);
    EgressOutcome out = firewall.check(EgressFirewallTest.request(text, "t", null), Instant.EPOCH);
    assertThat(out.certificate()).isNotNull();
    if (out.verdict() == Verdict.REDACT) {
      assertThat(out.redactedText()).isNotNull();
    }
  }
}
