package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Verdict;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * Bounded work: 1 MiB adversarial inputs, one per trigger a detector reacts to, are checked within
 * 3 s of <em>CPU time</em> of the checking thread, and arbitrary text never makes {@code check}
 * throw. CPU time, not wall-clock time, so that a busy machine (other processes on the same cores)
 * does not make the test flaky: waiting for a core is not counted, while a quadratic slip (minutes
 * on 1 MiB) still fails it. A wall-clock guard of 60 s stops a hang. Measured on the 2-core CI
 * machine: 0.1 to 0.6 s of CPU per input.
 */
class EgressBoundedWorkTest {
  private static final int MIB = 1 << 20;
  private static final String BIG_POLICY =
      String.join(
          "\n",
          "default_policy=big",
          "policy.big.max_text_bytes=" + (4 * MIB),
          "policy.big.EMAIL=REDACT",
          "policy.big.PHONE=REDACT",
          "policy.big.SSN=REDACT",
          "policy.big.PAYMENT_CARD=REDACT",
          "policy.big.IBAN=REDACT",
          "policy.big.IP_ADDRESS=REDACT",
          "policy.big.HIGH_ENTROPY=REDACT",
          "policy.big.PEM_PRIVATE_KEY=REDACT",
          "policy.big.JWT=REDACT",
          "policy.big.CLOUD_KEY=REDACT",
          "policy.big.GITHUB_TOKEN=REDACT",
          "policy.big.SLACK_TOKEN=REDACT",
          "policy.big.STRIPE_KEY=REDACT",
          "");

  static Stream<Arguments> adversarial() {
    Random r = new Random(7);
    String b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.";
    IntFunction<String> soup =
        n -> {
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
        Arguments.of(
            "BEGIN with mismatched labels",
            "-----BEGIN A B-----\n".repeat(MIB / 20) + "-----END Z-----"),
        Arguments.of("base64 soup", soup.apply(MIB)),
        Arguments.of("eyJ soup", "eyJ".repeat(MIB / 6) + ".".repeat(MIB / 2)),
        Arguments.of("eyAi and ewog soup", "eyAi.ewog.".repeat(MIB / 10)),
        Arguments.of(
            "private-key headers, one END at the end",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHC\n".repeat(MIB / 60)
                + "-----END RSA PRIVATE KEY-----"),
        Arguments.of(
            "credential names and operators",
            "password: ".repeat(MIB / 20) + "api_key=".repeat(MIB / 16)),
        Arguments.of("letters before colons", "ab:".repeat(MIB / 3)),
        Arguments.of("prose verbs after names", "the password for the db is ".repeat(MIB / 27)),
        Arguments.of("non-English names and particles", "パスワードは密码是пароль：".repeat(MIB / 14)),
        Arguments.of("phone labels", "Tel: 0 ".repeat(MIB / 14) + "電話番号：0-".repeat(MIB / 16)),
        Arguments.of("SSN labels", "SSN ssn# social security ".repeat(MIB / 25)),
        Arguments.of("URL userinfo", "https://a:b".repeat(MIB / 11)),
        Arguments.of(
            "Slack prefixes", "xoxa-2-1-".repeat(MIB / 18) + "xoxe.xoxp-1-".repeat(MIB / 24)),
        Arguments.of(
            "Stripe and GitHub prefixes", "sk_live_ab".repeat(MIB / 20) + "ghp_".repeat(MIB / 8)),
        Arguments.of(
            "mixed: local parts, dashed digits, slack, IBAN and phone prefixes, astral chars",
            "a.".repeat(MIB / 12)
                + "12-".repeat(MIB / 18)
                + "xoxb-1234567-".repeat(MIB / 78)
                + "DE89 ".repeat(MIB / 30)
                + "+1 ".repeat(MIB / 18)
                + "😀1".repeat(MIB / 18)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adversarial")
  void oneMebibyteAdversarialInputCompletes(String name, String text) throws Exception {
    EgressFirewall firewall =
        new EgressFirewall(EgressPolicies.parse(BIG_POLICY), EgressFirewallTest.KEY);
    EgressRequest req = EgressFirewallTest.request(text, "t", null);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] cpuNanos = {-1};
    EgressOutcome out =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> {
              boolean measurable = threads.isCurrentThreadCpuTimeSupported();
              long before = measurable ? threads.getCurrentThreadCpuTime() : 0;
              EgressOutcome o = firewall.check(req, Instant.EPOCH);
              cpuNanos[0] = measurable ? threads.getCurrentThreadCpuTime() - before : -1;
              return o;
            });
    assertThat(cpuNanos[0])
        .as("CPU time of the check, ns")
        .isLessThan(Duration.ofSeconds(3).toNanos());
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
