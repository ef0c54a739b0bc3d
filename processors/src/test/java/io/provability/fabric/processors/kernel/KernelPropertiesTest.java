package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.serde.EventCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the kernel over generated inputs: tampering with a signed token or receipt never
 * yields ALLOW, garbage never yields ALLOW, and evaluation is deterministic.
 */
class KernelPropertiesTest {
  private static final EventCodec CODEC = EventCodec.standard();

  /**
   * Flips one bit of the token's signed encoding (any field or the signature) and re-decodes it.
   */
  @Property(tries = 300)
  void flippingAnyBitOfASignedTokenNeverAllows(
      @ForAll @IntRange(min = 0, max = 1_000_000) int bitSeed) throws IOException {
    ScenarioPlan.Inputs base = new ScenarioPlan().build();
    CapabilityToken token = base.plan().getSubject().getToken();
    byte[] body = Bytes.toArray(token.toByteBuffer());
    byte[] flipped = ScenarioPlan.flip(body, bitSeed % (body.length * 8));
    CapabilityToken tampered;
    try {
      tampered = CapabilityToken.fromByteBuffer(ByteBuffer.wrap(flipped));
    } catch (IOException | RuntimeException undecodable) {
      return; // intake would dead-letter it: it never reaches the kernel
    }
    if (tampered.equals(token)) {
      return; // a bit the decoder ignores: the same token, legitimately
    }
    PlanRequest plan =
        PlanRequest.newBuilder(base.plan())
            .setSubject(Subject.newBuilder(base.plan().getSubject()).setToken(tampered).build())
            .build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(new VerifiedTokenCache(10));
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  /** Flips one bit of the receipt's signed encoding and re-decodes it. */
  @Property(tries = 300)
  void flippingAnyBitOfASignedReceiptNeverAllows(
      @ForAll @IntRange(min = 0, max = 1_000_000) int bitSeed) throws IOException {
    ScenarioPlan.Inputs base = new ScenarioPlan().build();
    AccessReceipt receipt = base.plan().getSteps().get(0).getReceipts().get(0);
    byte[] body = Bytes.toArray(receipt.toByteBuffer());
    byte[] flipped = ScenarioPlan.flip(body, bitSeed % (body.length * 8));
    AccessReceipt tampered;
    try {
      tampered = AccessReceipt.fromByteBuffer(ByteBuffer.wrap(flipped));
    } catch (IOException | RuntimeException undecodable) {
      return;
    }
    if (tampered.equals(receipt)) {
      return;
    }
    List<PlanStep> steps = new ArrayList<>(base.plan().getSteps());
    steps.set(0, PlanStep.newBuilder(steps.get(0)).setReceipts(List.of(tampered)).build());
    PlanRequest plan = PlanRequest.newBuilder(base.plan()).setSteps(steps).build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(new VerifiedTokenCache(10));
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  /** Random bytes in the token's signature and random labels/resources never allow. */
  @Property(tries = 300)
  void randomSignaturesNeverAllow(@ForAll @Size(max = 80) byte[] signature) {
    ScenarioPlan.Inputs base = new ScenarioPlan().build();
    CapabilityToken token =
        CapabilityToken.newBuilder(base.plan().getSubject().getToken())
            .setSignature(ByteBuffer.wrap(signature))
            .build();
    PlanRequest plan =
        PlanRequest.newBuilder(base.plan())
            .setSubject(Subject.newBuilder(base.plan().getSubject()).setToken(token).build())
            .build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(new VerifiedTokenCache(10));
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  /**
   * Garbage bytes that happen to decode as a plan never allow (no trusted signature can be in
   * them).
   */
  @Property(tries = 500)
  void randomGarbageNeverAllows(@ForAll("garbage") byte[] garbage) {
    PlanRequest plan;
    try {
      plan = CODEC.decode(garbage, PlanRequest.class);
    } catch (RuntimeException undecodable) {
      return;
    }
    ScenarioPlan.Inputs base = new ScenarioPlan().build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(new VerifiedTokenCache(10));
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  /** Random changes to the baseline plan's fields never throw and never allow an unsigned token. */
  @Property(tries = 300)
  void randomFieldValuesNeverAllowWithoutATrustedToken(
      @ForAll("strings") String tenant,
      @ForAll("strings") String subject,
      @ForAll("strings") String resource,
      @ForAll("strings") String label) {
    ScenarioPlan.Inputs base = new ScenarioPlan().build();
    CapabilityToken unsigned =
        CapabilityToken.newBuilder(base.plan().getSubject().getToken())
            .setTenant(tenant)
            .setSubjectId(subject)
            .build();
    List<PlanStep> steps = new ArrayList<>(base.plan().getSteps());
    steps.set(
        1,
        PlanStep.newBuilder(steps.get(1))
            .setResource(resource)
            .setLabelsIn(List.of(label))
            .build());
    PlanRequest plan =
        PlanRequest.newBuilder(base.plan())
            .setTenant(tenant)
            .setSteps(steps)
            .setSubject(Subject.newBuilder().setId(subject).setToken(unsigned).build())
            .build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(new VerifiedTokenCache(10));
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  /** The same inputs give the same result, with or without a (warm) cache. */
  @Property(tries = 200)
  void evaluationIsDeterministic(@ForAll("changes") String changes) {
    ScenarioPlan.Inputs in = new ScenarioPlan().apply(changes).build();
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    KernelResult first = in.evaluate(cache);
    KernelResult again = in.evaluate(cache);
    KernelResult uncached = in.evaluate(VerifiedTokenCache.disabled());
    assertThat(again).isEqualTo(first);
    assertThat(uncached).isEqualTo(first);
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
    // valid single-object header of PlanRequest followed by noise gets past the fingerprint check
    byte[] header = Arrays.copyOf(CODEC.encode(new ScenarioPlan().build().plan()), 10);
    Arbitrary<byte[]> framed =
        random.map(
            tail -> {
              byte[] out = Arrays.copyOf(header, header.length + tail.length);
              System.arraycopy(tail, 0, out, header.length, tail.length);
              return out;
            });
    return Arbitraries.oneOf(random, framed);
  }

  @Provide
  Arbitrary<String> strings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(20),
        Arbitraries.of(
            "acme", "agent-7", "acme/docs/a", "acme/docs/../x", "public", "secret", "", "**"));
  }

  @Provide
  Arbitrary<String> changes() {
    return Arbitraries.of(
            "",
            "token=none",
            "token.signer=forger",
            "token.expires=now",
            "revoke=tok-1",
            "step1.resource=acme/docs/%2e",
            "budget=1000",
            "user.quoted=false",
            "receipt.signer=forger",
            "step2.labels_out=secret",
            "grant=read_docs:READ:acme/**",
            "ring=issuer-2",
            "plan.tenant=globex",
            "system.hash=abc",
            "step1.caps=x",
            "token.flip_signature_bit=3")
        .list()
        .ofMaxSize(4)
        .map(l -> String.join(";", l));
  }
}
