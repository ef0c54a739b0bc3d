package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.provability.fabric.events.Reason;
import org.junit.jupiter.api.Test;

/**
 * Every reason names what it concerns in structured fields (step, capability, resource, label,
 * receipt id), and the kernel flags results whose reasons name a resource or the plan's expiry.
 */
class ReasonFieldsTest {
  private static KernelResult evaluate(String changes) {
    return new ScenarioPlan().apply(changes).build().evaluate(VerifiedTokenCache.disabled());
  }

  @Test
  void aReceiptThatIsPresentButInvalidIsReportedOnceAsInvalidNamingIt() {
    KernelResult r = evaluate("receipt.signer=forger");

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getReceiptId)
        .containsExactly(tuple("RECEIPT_INVALID", 0, "r-1"));
  }

  @Test
  void aReceiptNoStepCarriesIsMissingNamingIt() {
    KernelResult r = evaluate("retrieved.receipt_id=r-9");

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getReceiptId)
        .containsExactly(tuple("RECEIPT_MISSING", null, "r-9"));
  }

  @Test
  void contentWhoseHashIsNotItsReceiptsResultHashIsInvalid() {
    KernelResult r = evaluate("retrieved.content_hash=" + "c".repeat(64));

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getReceiptId)
        .containsExactly(tuple("RECEIPT_INVALID", null, "r-1"));
    assertThat(r.reasons().get(0).getDetail()).contains("result_hash");
  }

  @Test
  void stepReasonsNameTheirCapabilityAndResource() {
    KernelResult r =
        evaluate("step0.effect=WRITE;step1.caps=delete_docs;step2.resource=acme/mail/a/b");

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getCapability, Reason::getResource)
        .containsExactly(
            tuple("CAP_MISS", 1, "delete_docs", null),
            tuple("EFFECT_MISMATCH", 0, "retrieve", null),
            tuple("RESOURCE_OUT_OF_SCOPE", 2, "send_email", "acme/mail/a/b"));
    assertThat(r.quotesLiterals()).isTrue();
  }

  @Test
  void onlyReasonsNamingAResourceOrThePlansExpiryQuoteLiterals() {
    assertThat(evaluate("step1.caps=delete_docs").quotesLiterals()).isFalse();
    assertThat(evaluate("step1.resource=globex/docs/a").quotesLiterals()).isTrue();
    assertThat(evaluate("plan.expires=now-1s").quotesLiterals()).isTrue();
    assertThat(evaluate("").quotesLiterals()).isFalse();
  }

  @Test
  void labelReasonsNameTheirLabel() {
    KernelResult r = evaluate("step2.labels_in=pii;step2.labels_out=pii");

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getLabel)
        .containsExactly(tuple("LABEL_FLOW", 2, "pii"));
  }
}
