package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The engine's verified-receipt cache: a receipt verified once is remembered, and nothing that
 * differs from it (a flipped signature bit, a field changed after signing, a forged signer) is ever
 * served from it, even once the genuine receipt is cached.
 */
class VerifiedReceiptCacheTest {
  private final ScenarioPlan.Inputs base = new ScenarioPlan().build();

  private KernelEngine engine(int receiptCacheSize) {
    return new KernelEngine(
        base.issuers(),
        base.receiptSigners(),
        KernelLimits.DEFAULTS,
        new VerifiedTokenCache(100),
        receiptCacheSize);
  }

  private static KernelResult evaluate(KernelEngine engine, ScenarioPlan.Inputs in) {
    return engine.evaluate(in.plan(), in.policy(), ScenarioPlan.NOW);
  }

  @Test
  void aVerifiedReceiptIsRememberedOnce() {
    KernelEngine engine = engine(100);
    assertThat(evaluate(engine, base).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(evaluate(engine, base).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(engine.verifiedReceipts()).isEqualTo(1);
  }

  @Test
  void aTamperedReceiptIsDeniedEvenWhileTheGenuineOneIsCached() {
    for (String change :
        new String[] {
          "receipt.flip_signature_bit=9", "receipt.tamper.labels=public", "receipt.signer=forger"
        }) {
      KernelEngine engine = engine(100);
      assertThat(evaluate(engine, base).verdict()).isEqualTo(Verdict.ALLOW);
      ScenarioPlan.Inputs tampered = new ScenarioPlan().apply(change).build();

      KernelResult r = evaluate(engine, tampered);

      assertThat(r.verdict()).as(change).isEqualTo(Verdict.DENY);
      assertThat(r.codes()).as(change).contains("RECEIPT_INVALID");
      assertThat(engine.verifiedReceipts())
          .as("only the genuine receipt is remembered")
          .isEqualTo(1);
    }
  }

  @Test
  void theChecksBesidesTheSignatureRunEveryTime() {
    // a cached signature does not excuse the receipt's subject: the same signed receipt presented
    // in a
    // plan of another subject is still refused
    KernelEngine engine = engine(100);
    assertThat(evaluate(engine, base).verdict()).isEqualTo(Verdict.ALLOW);
    ScenarioPlan.Inputs otherSubject = new ScenarioPlan().apply("receipt.subject=agent-8").build();

    assertThat(evaluate(engine, otherSubject).codes()).contains("RECEIPT_INVALID");
  }

  @Test
  void sizeZeroRemembersNothing() {
    KernelEngine engine = engine(0);
    assertThat(evaluate(engine, base).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(engine.verifiedReceipts()).isZero();
  }
}
