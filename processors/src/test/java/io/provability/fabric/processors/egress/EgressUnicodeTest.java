package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spans and redaction on text with surrogate pairs, CJK and combining marks. */
class EgressUnicodeTest {
  private final EgressScanner scanner = new EgressScanner();

  @Test
  void offsetsCountCharsAndCodePoints() {
    // 🎉 and 😀 are two UTF-16 chars each; "é" here is e + U+0301 (two code points).
    String text = "🎉😀 Café\u0301 東京 mail bob@example.com ok";
    List<Finding> findings = scanner.scan(text);
    assertThat(findings).hasSize(1);
    Finding f = findings.get(0);
    assertThat(text.substring(f.start(), f.end())).isEqualTo("bob@example.com");
    int[] cps = text.codePoints().toArray();
    assertThat(new String(cps, f.codePointStart(), f.codePointEnd() - f.codePointStart()))
        .isEqualTo("bob@example.com");
    assertThat(f.start() - f.codePointStart()).isEqualTo(2); // the two emoji surrogate pairs
  }

  @Test
  void redactionKeepsSurroundingNonAsciiIntact() {
    String text = "连系 😀 bob@example.com，电话 (415) 555-0132 👍🏽 a\u0308 fin";
    EgressFirewall firewall =
        new EgressFirewall(
            EgressPolicies.defaults(), Ed25519.SigningKey.fromSeed("k", new byte[32]), () -> 0L);
    EgressOutcome out =
        firewall.check(
            EgressRequest.newBuilder()
                .setRequestId("r")
                .setSessionId("s")
                .setRequestedAt(Instant.EPOCH)
                .setTenant("t")
                .setSubjectId("u")
                .setText(text)
                .build(),
            Instant.EPOCH);
    assertThat(out.verdict()).isEqualTo(Verdict.REDACT);
    assertThat(out.redactedText())
        .isEqualTo("连系 😀 [REDACTED:EMAIL]，电话 [REDACTED:PHONE] 👍🏽 a\u0308 fin");
    assertThat(out.reasons().get(0).getDetail()).contains("chars [6,21) code points [5,20)");
  }

  @Test
  void findingsAfterManyAstralCharsHaveCorrectCodePoints() {
    String text = "😀".repeat(1000) + " 10.1.2.3 " + "𝔘".repeat(10) + " 4111111111111111";
    List<Finding> findings = scanner.scan(text);
    assertThat(findings)
        .extracting(Finding::type)
        .containsExactly(FindingType.IP_ADDRESS, FindingType.PAYMENT_CARD);
    int[] cps = text.codePoints().toArray();
    for (Finding f : findings) {
      assertThat(new String(cps, f.codePointStart(), f.codePointEnd() - f.codePointStart()))
          .isEqualTo(text.substring(f.start(), f.end()));
    }
  }
}
