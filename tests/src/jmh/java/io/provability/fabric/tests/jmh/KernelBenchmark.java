package io.provability.fabric.tests.jmh;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.tests.TestPlans;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Evaluating a 5-step plan with the kernel, on one thread: the token's Ed25519 signature verified
 * every time ({@code uncachedToken}), or verified once and then found in the verified-token cache
 * ({@code cachedToken}); {@code cachedTokenWithReceipt} adds a retrieval step whose access receipt
 * is verified on every evaluation (the engine's receipt cache off), and {@code
 * cachedTokenAndReceipt} the same plan with the receipt found in the engine's verified-receipt
 * cache. Every evaluation must ALLOW.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class KernelBenchmark {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));

  private KernelEngine cached;
  private KernelEngine receiptsUncached;
  private KernelEngine uncached;
  private PlanRequest plan;
  private PlanRequest planWithReceipt;
  private final PolicyView policy = PolicyView.empty();

  /** Builds the keys, the token, the plans and both engines; warms the cache. */
  @Setup
  public void setUp() {
    Ed25519.SigningKey issuer = key("issuer-1", 1);
    Ed25519.SigningKey gateway = key("gateway-1", 3);
    KeyRing issuers = KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey()));
    KeyRing gateways = KeyRing.of(Map.of(gateway.keyId(), gateway.publicKey()));
    cached =
        new KernelEngine(issuers, gateways, KernelLimits.DEFAULTS, new VerifiedTokenCache(10_000));
    receiptsUncached =
        new KernelEngine(
            issuers, gateways, KernelLimits.DEFAULTS, new VerifiedTokenCache(10_000), 0);
    uncached =
        new KernelEngine(
            issuers, gateways, KernelLimits.DEFAULTS, VerifiedTokenCache.disabled(), 0);

    CapabilityToken token =
        TestPlans.token(
            issuer,
            "bench",
            "tok-bench",
            "acme",
            "agent-7",
            List.of(
                TestPlans.capability("retrieve", EffectKind.READ, "acme/index/**"),
                TestPlans.capability("read_docs", EffectKind.READ, "acme/docs/**"),
                TestPlans.capability("write_reports", EffectKind.WRITE, "acme/reports/*"),
                TestPlans.capability("send_email", EffectKind.SEND, "acme/mail/*")),
            NOW.minus(Duration.ofMinutes(10)),
            NOW.plus(Duration.ofHours(1)));
    AccessReceipt receipt =
        ReceiptSigning.sign(
            AccessReceipt.newBuilder()
                .setReceiptId("r-1")
                .setTenant("acme")
                .setSubjectId("agent-7")
                .setQueryHash(HASH)
                .setResultHash(HASH)
                .setIndexShard("shard-0")
                .setLabels(List.of("internal"))
                .setTimestamp(NOW.minus(Duration.ofMinutes(1)))
                .setKeyId(gateway.keyId())
                .setSignature(ByteBuffer.allocate(0))
                .build(),
            gateway);

    List<PlanStep> fiveSteps =
        List.of(
            step("read_docs", EffectKind.READ, "acme/docs/handbook/intro", List.of()),
            step("read_docs", EffectKind.READ, "acme/docs/pricing/2026", List.of()),
            step("read_docs", EffectKind.READ, "acme/docs/runbooks/oncall", List.of()),
            step("write_reports", EffectKind.WRITE, "acme/reports/q4", List.of()),
            step("send_email", EffectKind.SEND, "acme/mail/outbox", List.of()));
    plan = plan(token, fiveSteps, List.of());
    List<PlanStep> withRetrieval =
        List.of(
            step("retrieve", EffectKind.READ, "acme/index/main", List.of(receipt)),
            fiveSteps.get(1),
            fiveSteps.get(2),
            fiveSteps.get(3),
            fiveSteps.get(4));
    planWithReceipt =
        plan(
            token,
            withRetrieval,
            List.of(
                RetrievedContent.newBuilder()
                    .setReceiptId("r-1")
                    .setContentHash(HASH)
                    .setQuoted(true)
                    .setLabels(List.of("internal"))
                    .build()));

    for (KernelResult r :
        List.of(
            cached.evaluate(plan, policy, NOW),
            uncached.evaluate(plan, policy, NOW),
            cached.evaluate(planWithReceipt, policy, NOW),
            receiptsUncached.evaluate(planWithReceipt, policy, NOW))) {
      if (r.verdict() != Verdict.ALLOW) {
        throw new IllegalStateException("benchmark plan must be allowed: " + r.reasons());
      }
    }
  }

  /** The token found in the verified-token cache. */
  @Benchmark
  public KernelResult cachedToken() {
    return cached.evaluate(plan, policy, NOW);
  }

  /** The token's signature verified on every evaluation. */
  @Benchmark
  public KernelResult uncachedToken() {
    return uncached.evaluate(plan, policy, NOW);
  }

  /** Cached token, plus one access receipt verified on every evaluation. */
  @Benchmark
  public KernelResult cachedTokenWithReceipt() {
    return receiptsUncached.evaluate(planWithReceipt, policy, NOW);
  }

  /** Cached token, and the access receipt found in the verified-receipt cache. */
  @Benchmark
  public KernelResult cachedTokenAndReceipt() {
    return cached.evaluate(planWithReceipt, policy, NOW);
  }

  private static PlanRequest plan(
      CapabilityToken token, List<PlanStep> steps, List<RetrievedContent> retrieved) {
    return TestPlans.plan(
            "req-bench",
            "sess-bench",
            "plan-bench",
            "acme",
            Subject.newBuilder().setId("agent-7").setToken(token).build(),
            steps,
            HASH,
            retrieved)
        .setRequestedAt(NOW)
        .setCreatedAt(NOW.minusSeconds(1))
        .setExpiresAt(NOW.plus(Duration.ofMinutes(5)))
        .build();
  }

  private static PlanStep step(
      String cap, EffectKind effect, String resource, List<AccessReceipt> receipts) {
    List<String> labels = receipts.isEmpty() ? List.of("public") : List.of("public", "internal");
    return TestPlans.step(
        cap, Map.of(), cap, resource, effect, List.of("public"), labels, receipts);
  }

  private static Ed25519.SigningKey key(String id, int seedByte) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) seedByte);
    return Ed25519.SigningKey.fromSeed(id, seed);
  }
}
