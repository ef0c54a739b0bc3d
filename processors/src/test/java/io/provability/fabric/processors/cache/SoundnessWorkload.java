package io.provability.fabric.processors.cache;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.LabelClearances;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The soundness shadow check: two instances' decision caches (sharing entries through an in-memory
 * shared tier that round-trips every entry through its byte encoding) serve a random plan workload
 * while revocations (and un-revocations), grant changes, policy version bumps and clock jumps
 * (forward and back) are interleaved; every request answered from a cache is also evaluated afresh
 * by a separate kernel with its own token cache, and any difference is counted.
 *
 * <p>Run as a program for the long run: {@code main(requests, seed)}.
 */
public final class SoundnessWorkload {
  static final String H = "a".repeat(64);
  static final Ed25519.SigningKey ISSUER = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
  static final Ed25519.SigningKey FORGER = Ed25519.SigningKey.fromSeed("issuer-1", filled(7));
  static final Ed25519.SigningKey RECEIPTS = Ed25519.SigningKey.fromSeed("receipts-1", filled(3));
  static final KeyRing ISSUERS = KeyRing.empty().with(ISSUER.keyId(), ISSUER.publicKey());
  static final KeyRing RECEIPT_RING = KeyRing.empty().with(RECEIPTS.keyId(), RECEIPTS.publicKey());
  static final String[] TENANTS = {"acme", "globex"};
  static final String[] CAPS = {"read_docs", "send_email", "retrieve", "write_db"};

  /**
   * Default maxima; {@code send_email} clears only public data, so label-flow denials with fields
   * occur too.
   */
  static final KernelLimits LIMITS =
      KernelLimits.DEFAULTS.withClearances(LabelClearances.parse("send_email:public"));

  static final EffectKind[] EFFECTS = {
    EffectKind.READ, EffectKind.SEND, EffectKind.READ, EffectKind.WRITE
  };
  static final String[] GLOBS = {"{t}/docs/**", "{t}/mail/*", "{t}/kb/*", "{t}/db/orders/*"};
  static final String[] RESOURCES = {
    "{t}/docs/a",
    "{t}/docs/b/c",
    "{t}/docs/x/y/z",
    "{t}/mail/outbox",
    "{t}/mail/a/b",
    "{t}/kb/shard1",
    "{t}/db/orders/1",
    "{t}/db/orders/2",
    "other/docs/a",
    "{t}/docs/../a",
    "{t}//mail",
    "{t}/kb/shard2"
  };

  /** What a run found. */
  public record Report(
      long requests,
      long fromCache,
      long mismatches,
      Map<CacheMetrics.Outcome, Long> outcomes,
      long revocations,
      long grantChanges,
      long versionBumps,
      long clockJumps,
      long replicated) {}

  /** A policy state the workload changes. */
  static final class MutablePolicy implements PolicyView {
    final Set<String> revoked = new HashSet<>();
    final Map<String, CapabilityGrant> grants = new HashMap<>();
    long version = 1;

    @Override
    public boolean isRevoked(String tokenId) {
      return revoked.contains(tokenId);
    }

    @Override
    public long policyVersion() {
      return version;
    }

    @Override
    public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
      return Optional.ofNullable(grants.get(tenant + ":" + subjectId));
    }
  }

  /** Two instances' shared tiers, delivering each store to the other after a byte round trip. */
  static final class LoopbackShared implements SharedTier {
    LoopbackShared peer;
    Receiver receiver = (c, k, v) -> {};
    long delivered;
    final List<Long> storedTtls = new ArrayList<>();

    @Override
    public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {
      storedTtls.add(ttlMillis);
      if (peer != null) {
        peer.delivered++;
        peer.receiver.received(cache, new ByteKey(key.bytes()), value.clone());
      }
    }

    @Override
    public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
      return null;
    }

    @Override
    public void setReceiver(Receiver receiver) {
      this.receiver = receiver;
    }

    @Override
    public void close() {}
  }

  private SoundnessWorkload() {}

  private static byte[] filled(int b) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) b);
    return s;
  }

  /** Runs {@code requests} requests with the given seed. */
  public static Report run(long requests, long seed) {
    Random rnd = new Random(seed);
    Instant[] clock = {Instant.parse("2026-11-27T12:00:00Z")};
    MutablePolicy policy = new MutablePolicy();
    CacheMetrics metrics = CacheMetrics.simple();
    LoopbackShared sa = new LoopbackShared();
    LoopbackShared sb = new LoopbackShared();
    sa.peer = sb;
    sb.peer = sa;
    HotTierSettings settings =
        new HotTierSettings(
            true,
            Map.of(CacheName.DECISIONS, new CacheSpec(Duration.ofHours(1), 8L << 20, 1L << 30)),
            false);
    HotTier a = new HotTier(settings, sa, metrics, Map.of());
    HotTier b = new HotTier(settings, sb, metrics, Map.of());
    PlanEvaluator ca =
        a.planEvaluator(
            new KernelEngine(ISSUERS, RECEIPT_RING, LIMITS, a.tokenCache(10_000, ISSUERS)),
            ISSUERS,
            RECEIPT_RING,
            LIMITS);
    PlanEvaluator cb =
        b.planEvaluator(
            new KernelEngine(ISSUERS, RECEIPT_RING, LIMITS, b.tokenCache(10_000, ISSUERS)),
            ISSUERS,
            RECEIPT_RING,
            LIMITS);
    KernelEngine fresh =
        new KernelEngine(ISSUERS, RECEIPT_RING, LIMITS, new VerifiedTokenCache(10_000));

    List<CapabilityToken> tokens = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      tokens.add(token(rnd, i, clock[0]));
    }
    List<AccessReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      receipts.add(receipt(i, clock[0]));
    }
    // a skewed choice among a few hundred plan shapes, varied in what the kernel does not read and
    // in
    // resources under the same globs: so the caches serve a good share and the check has teeth
    List<PlanRequest> templates = new ArrayList<>();
    Random shapes = new Random(seed ^ 0x5eedL);
    for (int i = 0; i < 400; i++) {
      templates.add(plan(shapes, i, tokens, receipts, clock[0]));
    }
    long mismatches = 0;
    long fromCache = 0;
    long revocations = 0;
    long grantChanges = 0;
    long bumps = 0;
    long jumps = 0;
    for (long n = 0; n < requests; n++) {
      int event = rnd.nextInt(1000);
      if (event < 4) {
        String id = tokens.get(rnd.nextInt(tokens.size())).getTokenId();
        String key = PolicyStateKeys.revocation(id);
        if (!policy.revoked.remove(id)) {
          policy.revoked.add(id);
        }
        a.policyListener().changed(key);
        b.policyListener().changed(key);
        revocations++;
      } else if (event < 9) {
        String tenant = TENANTS[rnd.nextInt(TENANTS.length)];
        String subject = "agent-" + rnd.nextInt(4);
        if (rnd.nextInt(4) == 0) {
          policy.grants.remove(tenant + ":" + subject);
        } else {
          policy.grants.put(
              tenant + ":" + subject, grant(rnd, tenant, subject, policy.version, clock[0]));
        }
        String key = PolicyStateKeys.grant(tenant, subject);
        a.policyListener().changed(key);
        b.policyListener().changed(key);
        grantChanges++;
      } else if (event < 11) {
        policy.version++;
        a.policyListener().changed(PolicyStateKeys.POLICY_VERSION);
        b.policyListener().changed(PolicyStateKeys.POLICY_VERSION);
        bumps++;
      } else if (event < 15) {
        // forward by up to 40 min (tokens and plans expire), sometimes back by up to 10 min
        long ms = rnd.nextInt(5) == 0 ? -rnd.nextInt(600_000) : rnd.nextInt(2_400_000);
        clock[0] = clock[0].plusMillis(ms);
        jumps++;
      } else if (event < 17) {
        // renew a token: a fresh one with the same id pattern keeps the workload valid over time
        int i = rnd.nextInt(tokens.size());
        tokens.set(i, token(rnd, i, clock[0]));
      }
      clock[0] = clock[0].plusNanos(rnd.nextInt(2_000_000));
      Instant now = clock[0];
      PlanRequest plan = fromTemplate(rnd, n, templates, tokens, now);
      PlanEvaluator instance = rnd.nextBoolean() ? ca : cb;
      long hitsBefore = hits(metrics);
      KernelResult served = instance.evaluate(plan, policy, now);
      boolean hit = hits(metrics) > hitsBefore;
      KernelResult truth = fresh.evaluate(plan, policy, now);
      if (hit) {
        fromCache++;
      }
      if (!served.equals(truth)) {
        mismatches++;
        if (mismatches <= 5) {
          System.err.printf(
              "MISMATCH at request %d (%s): served %s, fresh %s%n",
              n, hit ? "hit" : "miss", served, truth);
        }
      }
    }
    Map<CacheMetrics.Outcome, Long> outcomes = new EnumMap<>(CacheMetrics.Outcome.class);
    for (CacheMetrics.Outcome o : CacheMetrics.Outcome.values()) {
      outcomes.put(o, metrics.lookups(CacheName.DECISIONS, o));
    }
    a.close();
    b.close();
    return new Report(
        requests,
        fromCache,
        mismatches,
        outcomes,
        revocations,
        grantChanges,
        bumps,
        jumps,
        sa.delivered + sb.delivered);
  }

  private static long hits(CacheMetrics m) {
    return m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_EXACT)
        + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_NORMALISED)
        + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_PATTERN);
  }

  static PlanRequest fromTemplate(
      Random rnd, long n, List<PlanRequest> templates, List<CapabilityToken> tokens, Instant now) {
    int pick = rnd.nextInt(rnd.nextInt(templates.size()) + 1);
    PlanRequest t = templates.get(pick);
    PlanRequest.Builder b =
        PlanRequest.newBuilder(t)
            .setRequestId("req-" + n)
            .setSessionId("sess-" + rnd.nextInt(100))
            .setRequestedAt(now)
            .setCreatedAt(now)
            .setPlanId("plan-" + rnd.nextInt(4))
            // each template keeps its own offset, so some plans are already expired and some expire
            // soon
            .setExpiresAt(now.plusSeconds((pick * 37L) % 900 - 60 + rnd.nextInt(3)));
    CapabilityToken token = t.getSubject().getToken();
    if (token != null) {
      int i = Integer.parseInt(token.getTokenId().substring(4));
      b.setSubject(Subject.newBuilder(t.getSubject()).setToken(tokens.get(i)).build());
    }
    List<PlanStep> steps = new ArrayList<>();
    for (PlanStep s : t.getSteps()) {
      PlanStep.Builder sb = PlanStep.newBuilder(s).setArgs(Map.of("q", "v" + rnd.nextInt(3)));
      String r = s.getResource();
      if (r != null && r.endsWith("/docs/a") && rnd.nextBoolean()) {
        sb.setResource(r.substring(0, r.length() - 1) + "d" + rnd.nextInt(5));
      }
      steps.add(sb.build());
    }
    return b.setSteps(steps).build();
  }

  static CapabilityToken token(Random rnd, int i, Instant now) {
    String tenant = TENANTS[i % TENANTS.length];
    List<Capability> caps = new ArrayList<>();
    for (int c = 0; c < CAPS.length; c++) {
      if (rnd.nextInt(4) != 0) {
        caps.add(
            Capability.newBuilder()
                .setName(CAPS[c])
                .setEffect(EFFECTS[c])
                .setResources(List.of(GLOBS[c].replace("{t}", tenant)))
                .build());
      }
    }
    // validity windows around now: some already valid, some starting soon, some ending soon
    Instant notBefore = now.plusSeconds(rnd.nextInt(600) - 540);
    Instant expires = now.plusSeconds(60 + rnd.nextInt(3600));
    CapabilityToken unsigned =
        CapabilityToken.newBuilder()
            .setTokenId("tok-" + i)
            .setTenant(tenant)
            .setSubjectId("agent-" + (i / TENANTS.length) % 4)
            .setCapabilities(caps)
            .setIssuedAt(notBefore)
            .setNotBefore(notBefore)
            .setExpiresAt(expires)
            .setIssuer("workload")
            .setKeyId(ISSUER.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return TokenSigning.sign(unsigned, i % 11 == 10 ? FORGER : ISSUER);
  }

  static AccessReceipt receipt(int i, Instant now) {
    String tenant = TENANTS[i % TENANTS.length];
    AccessReceipt unsigned =
        AccessReceipt.newBuilder()
            .setReceiptId("rcpt-" + i)
            .setTenant(tenant)
            .setSubjectId("agent-" + (i / TENANTS.length) % 4)
            .setQueryHash(H)
            .setResultHash(H)
            .setIndexShard("shard1")
            .setLabels(i % 2 == 0 ? List.of("public") : List.of("private"))
            .setTimestamp(now.plusSeconds(i * 120L - 300))
            .setSignAlg(ReceiptSigning.ALGORITHM)
            .setKeyId(RECEIPTS.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return ReceiptSigning.sign(unsigned, RECEIPTS);
  }

  static CapabilityGrant grant(
      Random rnd, String tenant, String subject, long version, Instant now) {
    List<Capability> caps = new ArrayList<>();
    for (int c = 0; c < CAPS.length; c++) {
      if (rnd.nextInt(3) != 0) {
        String glob = rnd.nextInt(3) == 0 ? tenant + "/docs/a" : GLOBS[c].replace("{t}", tenant);
        caps.add(
            Capability.newBuilder()
                .setName(CAPS[c])
                .setEffect(rnd.nextInt(10) == 0 ? EffectKind.WRITE : EFFECTS[c])
                .setResources(List.of(glob))
                .build());
      }
    }
    return CapabilityGrant.newBuilder()
        .setGrantId("g-" + rnd.nextInt(1000))
        .setTenant(tenant)
        .setSubjectId(subject)
        .setCapabilities(caps)
        .setPolicyVersion(version)
        .setGrantedAt(now)
        .build();
  }

  static PlanRequest plan(
      Random rnd, long n, List<CapabilityToken> tokens, List<AccessReceipt> receipts, Instant now) {
    CapabilityToken token = rnd.nextInt(50) == 0 ? null : tokens.get(rnd.nextInt(tokens.size()));
    String tenant =
        token == null || rnd.nextInt(40) == 0
            ? TENANTS[rnd.nextInt(TENANTS.length)]
            : token.getTenant();
    String subject =
        token == null || rnd.nextInt(40) == 0 ? "agent-" + rnd.nextInt(4) : token.getSubjectId();
    int steps = 1 + rnd.nextInt(2);
    List<PlanStep> list = new ArrayList<>();
    List<AccessReceipt> carried = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      int c = rnd.nextInt(CAPS.length);
      String resource =
          rnd.nextInt(30) == 0
              ? null
              : RESOURCES[rnd.nextInt(RESOURCES.length)].replace("{t}", tenant);
      List<AccessReceipt> stepReceipts = new ArrayList<>();
      if (CAPS[c].equals("retrieve") && rnd.nextInt(6) != 0) {
        AccessReceipt r = receipts.get(rnd.nextInt(receipts.size()));
        stepReceipts.add(r);
        carried.add(r);
      }
      boolean labelled = rnd.nextInt(5) == 0;
      list.add(
          PlanStep.newBuilder()
              .setTool(rnd.nextInt(20) == 0 ? "retrieve" : "tool-" + CAPS[c])
              .setArgs(Map.of("q", "v" + rnd.nextInt(3)))
              .setCapsRequired(rnd.nextInt(40) == 0 ? List.of() : List.of(CAPS[c]))
              .setResource(resource)
              .setEffect(rnd.nextInt(25) == 0 ? EffectKind.WRITE : EFFECTS[c])
              .setLabelsIn(labelled ? List.of("private") : List.of("public"))
              .setLabelsOut(
                  labelled && rnd.nextBoolean() ? List.of("public") : List.of("public", "private"))
              .setReceipts(stepReceipts)
              .build());
    }
    List<RetrievedContent> retrieved = new ArrayList<>();
    for (AccessReceipt r : carried) {
      if (rnd.nextInt(3) != 0) {
        retrieved.add(
            RetrievedContent.newBuilder()
                .setReceiptId(r.getReceiptId())
                .setContentHash(rnd.nextInt(12) == 0 ? "0".repeat(64) : r.getResultHash())
                .setQuoted(rnd.nextInt(15) != 0)
                .setLabels(rnd.nextInt(10) == 0 ? List.of("pii") : r.getLabels())
                .build());
      }
    }
    Instant planExpiry = now.plusSeconds(rnd.nextInt(900) - 60).truncatedTo(ChronoUnit.SECONDS);
    return PlanRequest.newBuilder()
        .setRequestId("req-" + n)
        .setSessionId("sess-" + rnd.nextInt(100))
        .setRequestedAt(now)
        .setPlanId("plan-" + rnd.nextInt(4))
        .setTenant(tenant)
        .setSubject(Subject.newBuilder().setId(subject).setToken(token).setCaps(List.of()).build())
        .setSteps(list)
        .setInputChannels(
            InputChannels.newBuilder()
                .setSystem(SystemChannel.newBuilder().setHash(H).setPolicyHash(H).build())
                .setUser(
                    ContentRef.newBuilder()
                        .setContentHash(H)
                        .setQuoted(rnd.nextInt(30) != 0)
                        .build())
                .setRetrieved(retrieved)
                .setFile(List.of())
                .build())
        .setConstraints(
            Constraints.newBuilder()
                .setBudget(rnd.nextInt(60) == 0 ? 1000 : 1)
                .setPii(rnd.nextBoolean())
                .setDpEpsilon(0.1)
                .setDpDelta(1e-6)
                .setLatencyMax(30)
                .build())
        .setSystemPromptHash(rnd.nextInt(80) == 0 ? "b".repeat(64) : H)
        .setCreatedAt(now)
        .setExpiresAt(planExpiry)
        .build();
  }

  /**
   * {@code main(requests [default 200000], seed [default 1])}: prints the report; exits 1 on any
   * mismatch.
   */
  public static void main(String[] args) {
    long requests = args.length > 0 ? Long.parseLong(args[0]) : 200_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    long t0 = System.nanoTime();
    Report r = run(requests, seed);
    System.out.printf(
        "soundness: %d requests (seed %d) in %.1f s: %d served from cache, %d differing from a fresh "
            + "evaluation; outcomes %s; %d revocation toggles, %d grant changes, %d policy version bumps, %d clock "
            + "jumps; %d entries replicated between the two instances%n",
        r.requests(),
        seed,
        (System.nanoTime() - t0) / 1e9,
        r.fromCache(),
        r.mismatches(),
        r.outcomes(),
        r.revocations(),
        r.grantChanges(),
        r.versionBumps(),
        r.clockJumps(),
        r.replicated());
    if (r.mismatches() != 0) {
      System.exit(1);
    }
  }
}
