package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** Verdicts, reasons, certificates and their signatures. */
class EgressFirewallTest {
  static final Ed25519.SigningKey KEY = Ed25519.SigningKey.fromSeed("egress-test-1", seed());
  static final Instant NOW = Instant.parse("2026-11-27T23:00:00.123Z");
  private static final String AWS = "AKIAUJZDEGXDNCF32EPF";

  private final EgressFirewall firewall =
      new EgressFirewall(EgressPolicies.defaults(), KEY, fixedTicker());

  private static byte[] seed() {
    byte[] s = new byte[32];
    for (int i = 0; i < s.length; i++) {
      s[i] = (byte) i;
    }
    return s;
  }

  /** Each check reads the ticker twice; 7 µs pass between the reads. */
  static LongSupplier fixedTicker() {
    long[] t = {0};
    return () -> {
      t[0] += 3_500;
      return t[0];
    };
  }

  static EgressRequest request(String text, String tenant, String policyId) {
    return EgressRequest.newBuilder()
        .setRequestId("req-1")
        .setSessionId("sess-1")
        .setRequestedAt(NOW)
        .setTenant(tenant)
        .setSubjectId("agent-7")
        .setText(text)
        .setPolicyId(policyId)
        .build();
  }

  @Test
  void cleanTextIsAllowedWithACertificate() {
    EgressOutcome out = firewall.check(request("Lunch at noon? 🍜", "t1", null), NOW);
    assertThat(out.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(out.reasons()).isEmpty();
    assertThat(out.redactedText()).isNull();
    EgressCertificate c = out.certificate();
    assertThat(c.getAction()).isEqualTo("ALLOW");
    assertThat(c.getRequestId()).isEqualTo("req-1");
    assertThat(c.getTextHash())
        .isEqualTo(Hex.encode(Sha256.digest("Lunch at noon? 🍜".getBytes(StandardCharsets.UTF_8))));
    assertThat(c.getPolicyHash())
        .isEqualTo(EgressPolicies.defaults().policy("default").orElseThrow().hash());
    assertThat(c.getDetectorCounts()).isEmpty();
    assertThat(c.getIssuedAt()).isEqualTo(NOW);
    assertThat(c.getProcessingMicros()).isEqualTo(3);
    assertThat(c.getKeyId()).isEqualTo("egress-test-1");
  }

  @Test
  void piiIsRedactedAndReportedWithoutTheValue() {
    String text = "Mail jane@example.com or call 415-555-0132; host 10.0.0.5.";
    EgressOutcome out = firewall.check(request(text, "t1", null), NOW);
    assertThat(out.verdict()).isEqualTo(Verdict.REDACT);
    assertThat(out.redactedText())
        .isEqualTo("Mail [REDACTED:EMAIL] or call [REDACTED:PHONE]; host 10.0.0.5.");
    assertThat(out.reasons())
        .extracting(Reason::getCode)
        .containsExactly("EGRESS_REDACTED_EMAIL", "EGRESS_REDACTED_PHONE");
    assertThat(out.reasons().get(0).getDetail())
        .isEqualTo("EMAIL at chars [5,21) code points [5,21) confidence 0.95");
    assertThat(out.reasons())
        .allSatisfy(r -> assertThat(r.getDetail()).doesNotContain("jane").doesNotContain("0132"));
    assertThat(out.certificate().getRedactionCount()).isEqualTo(2);
    assertThat(out.certificate().getDetectorCounts())
        .isEqualTo(Map.of("EMAIL", 1, "PHONE", 1, "IP_ADDRESS", 1));
  }

  @Test
  void secretsBlockTheWholeText() {
    EgressOutcome out = firewall.check(request("mail a@example.com, key " + AWS, "t1", null), NOW);
    assertThat(out.verdict()).isEqualTo(Verdict.BLOCK);
    assertThat(out.redactedText()).isNull();
    assertThat(out.reasons())
        .extracting(Reason::getCode)
        .containsExactly("EGRESS_BLOCKED_CLOUD_KEY");
    assertThat(out.reasons().get(0).getDetail()).doesNotContain(AWS);
    assertThat(out.certificate().getAction()).isEqualTo("BLOCK");
    assertThat(out.certificate().getRedactionCount()).isZero();
    assertThat(out.certificate().getDetectorCounts())
        .containsEntry("CLOUD_KEY", 1)
        .containsEntry("EMAIL", 1);
  }

  /**
   * Stripe test-mode keys reach only test data: a policy choice. They are found at 0.60, so {@code
   * default} (STRIPE_KEY=BLOCK@0.80) lets them through, counted in the certificate, and {@code
   * strict} (BLOCK@0.50) or any policy with a threshold at or below 0.60 blocks them.
   */
  @Test
  void stripeTestKeysAreAPolicyChoice() throws Exception {
    String test = "CI uses sk_test_4eC39HqLyjWDarjtT1zdp7dcQ2 for fixtures";
    EgressOutcome byDefault = firewall.check(request(test, "t1", null), NOW);
    assertThat(byDefault.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(byDefault.certificate().getDetectorCounts()).containsEntry("STRIPE_KEY", 1);
    assertThat(firewall.check(request(test, "t1", "strict"), NOW).verdict())
        .isEqualTo(Verdict.BLOCK);
    EgressFirewall blockTestKeys =
        new EgressFirewall(
            EgressPolicies.parse("default_policy=p\npolicy.p.STRIPE_KEY=BLOCK@0.60\n"), KEY);
    assertThat(blockTestKeys.check(request(test, "t1", null), NOW).verdict())
        .isEqualTo(Verdict.BLOCK);
    String live = "prod uses sk_live_4eC39HqLyjWDarjtT1zdp7dcQ2";
    assertThat(firewall.check(request(live, "t1", null), NOW).verdict()).isEqualTo(Verdict.BLOCK);
  }

  @Test
  void policyIdAndTenantSelectThePolicy() {
    String text = "server 10.0.0.5 is up";
    assertThat(firewall.check(request(text, "t1", null), NOW).verdict()).isEqualTo(Verdict.ALLOW);
    EgressOutcome strict = firewall.check(request(text, "t1", "strict"), NOW);
    assertThat(strict.verdict()).isEqualTo(Verdict.REDACT);
    assertThat(strict.certificate().getPolicyHash())
        .isEqualTo(EgressPolicies.defaults().policy("strict").orElseThrow().hash());
    EgressFirewall perTenant =
        new EgressFirewall(EgressPolicies.defaults().withTenant("bank", "strict"), KEY);
    assertThat(perTenant.check(request(text, "bank", null), NOW).verdict())
        .isEqualTo(Verdict.REDACT);
    EgressOutcome unknown = firewall.check(request(text, "t1", "laissez-faire"), NOW);
    assertThat(unknown.verdict()).isEqualTo(Verdict.DENY);
    assertThat(unknown.reasons())
        .extracting(Reason::getCode)
        .containsExactly("EGRESS_UNKNOWN_POLICY");
  }

  @Test
  void oversizedTextIsDeniedWithACertificate() {
    String text =
        "é".repeat(65 * 1024 / 2 + 1); // just over strict's 64 KiB in UTF-8, well under in chars
    EgressOutcome out = firewall.check(request(text, "t1", "strict"), NOW);
    assertThat(out.verdict()).isEqualTo(Verdict.DENY);
    assertThat(out.reasons()).extracting(Reason::getCode).containsExactly("EGRESS_TEXT_TOO_LARGE");
    assertThat(out.certificate().getAction()).isEqualTo("DENY");
    assertThat(out.certificate().getTextHash()).hasSize(64);
    assertThat(CertificateSigning.verify(out.certificate(), KEY.publicKey())).isTrue();
    assertThat(firewall.check(request(text, "t1", null), NOW).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void malformedInputIsDeniedNotThrown() {
    EgressOutcome lone = firewall.check(request("bad \uD800 surrogate", "t1", null), NOW);
    assertThat(lone.verdict()).isEqualTo(Verdict.DENY);
    assertThat(lone.reasons()).extracting(Reason::getCode).containsExactly("EGRESS_TEXT_MALFORMED");
    assertThat(lone.certificate().getTextHash()).startsWith("utf16be:");
    EgressOutcome none = firewall.check(null, NOW);
    assertThat(none.verdict()).isEqualTo(Verdict.DENY);
    assertThat(none.reasons())
        .extracting(Reason::getCode)
        .containsExactly("EGRESS_MALFORMED_REQUEST");
    assertThat(firewall.check(request("x", "t1", null), null).verdict()).isEqualTo(Verdict.DENY);
  }

  @Test
  void certificateSignatureVerifiesAndAFlippedBitFails() {
    EgressCertificate c =
        firewall.check(request("mail a@example.com", "t1", null), NOW).certificate();
    assertThat(CertificateSigning.verify(c, KEY.publicKey())).isTrue();
    byte[] sig = CertificateSigning.signatureOf(c);
    assertThat(sig).hasSize(Ed25519.SIGNATURE_BYTES);
    byte[] flipped = sig.clone();
    flipped[10] ^= 0x01;
    EgressCertificate badSig =
        EgressCertificate.newBuilder(c).setSignature(ByteBuffer.wrap(flipped)).build();
    assertThat(CertificateSigning.verify(badSig, KEY.publicKey())).isFalse();
    EgressCertificate tampered = EgressCertificate.newBuilder(c).setRedactionCount(0).build();
    assertThat(CertificateSigning.verify(tampered, KEY.publicKey())).isFalse();
    EgressCertificate otherAction = EgressCertificate.newBuilder(c).setAction("ALLOW").build();
    assertThat(CertificateSigning.verify(otherAction, KEY.publicKey())).isFalse();
    Ed25519.SigningKey other = Ed25519.SigningKey.fromSeed("other", new byte[32]);
    assertThat(CertificateSigning.verify(c, other.publicKey())).isFalse();
  }

  @Test
  void signedBytesIgnoreTheSignatureField() {
    EgressCertificate c = firewall.check(request("hi", "t1", null), NOW).certificate();
    EgressCertificate noSig =
        EgressCertificate.newBuilder(c).setSignature(ByteBuffer.allocate(0)).build();
    assertThat(CertificateSigning.signedBytes(c)).isEqualTo(CertificateSigning.signedBytes(noSig));
    assertThat(CertificateSigning.sign(noSig, KEY)).isEqualTo(c); // Ed25519 is deterministic
  }

  @Test
  void sameRequestGivesTheSameOutcomeAndCertificate() {
    String text =
        "card 4111 1111 1111 1111, mail a@example.com, ключ 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";
    EgressOutcome a =
        new EgressFirewall(EgressPolicies.defaults(), KEY, fixedTicker())
            .check(request(text, "t", null), NOW);
    EgressOutcome b =
        new EgressFirewall(EgressPolicies.defaults(), KEY, fixedTicker())
            .check(request(text, "t", null), NOW);
    assertThat(a).isEqualTo(b);
    assertThat(a.certificate().getCertificateId())
        .isEqualTo(EgressFirewall.certificateId("req-1"))
        .startsWith("egc-");
    EgressOutcome c = firewall.check(request(text, "t", null), NOW);
    EgressOutcome d = firewall.check(request(text, "t", null), NOW);
    assertThat(c.certificate()).isEqualTo(d.certificate());
  }

  @Test
  void manyFindingsAreSummarisedInReasons() {
    String text = "a@example.com ".repeat(250);
    EgressOutcome out = firewall.check(request(text, "t", null), NOW);
    assertThat(out.reasons()).hasSize(EgressFirewall.MAX_FINDING_REASONS + 1);
    assertThat(out.reasons().get(EgressFirewall.MAX_FINDING_REASONS).getCode())
        .isEqualTo("EGRESS_FINDINGS_TRUNCATED");
    assertThat(out.certificate().getRedactionCount()).isEqualTo(250);
  }
}
