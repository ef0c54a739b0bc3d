package io.provability.fabric.tests.jmh;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.HotTierSettings;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.tests.TestPlans;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hit rate of the decision cache on a Zipf workload, and evaluations per second with the cache vs
 * the kernel alone over the same request sequence, in one run (one thread; near cache only — the
 * Redis tier adds nothing to a single instance's hit rate).
 *
 * <p>Shapes: {@code subjects} subjects (each its own token with ten team-scoped globs and a mail
 * glob) times {@code shapes / subjects} resources (ten teams × documents); a tenth of the shapes
 * ask for a resource outside the token (DENY). Request {@code n} draws shape rank {@code r} with
 * probability proportional to {@code r^-s} and gets its own request id, plan id and arguments
 * (fields the kernel does not read).
 *
 * <p>Arguments: {@code [shapes=100000] [requests=2000000] [s=1.1] [subjects=1000] [seed=1]}.
 */
public final class HotTierHitRate {
  private static final String H = "a".repeat(64);

  private HotTierHitRate() {}

  /** The workload's issuer. */
  static final Ed25519.SigningKey ISSUER = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);

  /** A Zipf-distributed sequence of plans (see the class comment), all valid around {@code now}. */
  static PlanRequest[] zipfPlans(
      int shapes, int requests, double s, int subjects, long seed, Instant now) {
    Random rnd = new Random(seed);
    Ed25519.SigningKey issuer = ISSUER;

    List<CapabilityToken> tokens = new ArrayList<>();
    for (int i = 0; i < subjects; i++) {
      List<String> globs = new ArrayList<>();
      for (int team = 0; team < 10; team++) {
        globs.add("acme/docs/team" + team + "/**");
      }
      tokens.add(
          TestPlans.token(
              issuer,
              "bench",
              "tok-" + i,
              "acme",
              "agent-" + i,
              List.of(
                  TestPlans.capability("read_docs", EffectKind.READ, globs),
                  TestPlans.capability("send_email", EffectKind.SEND, "acme/mail/*")),
              now.minusSeconds(60),
              now.plus(Duration.ofDays(1))));
    }
    int perSubject = shapes / subjects;
    // shape i: subject i % subjects, resource i / subjects; rank -> shape through a random
    // permutation
    int[] shapeOfRank = new int[shapes];
    for (int i = 0; i < shapes; i++) {
      shapeOfRank[i] = i;
    }
    for (int i = shapes - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = shapeOfRank[i];
      shapeOfRank[i] = shapeOfRank[j];
      shapeOfRank[j] = t;
    }
    double[] cdf = new double[shapes];
    double sum = 0;
    for (int r = 0; r < shapes; r++) {
      sum += Math.pow(r + 1, -s);
      cdf[r] = sum;
    }
    int[] sequence = new int[requests];
    for (int n = 0; n < requests; n++) {
      int r = Arrays.binarySearch(cdf, rnd.nextDouble() * sum);
      sequence[n] = shapeOfRank[r < 0 ? -r - 1 : r];
    }
    PlanRequest[] plans = new PlanRequest[requests];
    for (int n = 0; n < requests; n++) {
      int shape = sequence[n];
      int doc = shape / subjects;
      String resource =
          doc % 10 == 9 ? "acme/private/doc" + doc : "acme/docs/team" + (doc % 10) + "/doc" + doc;
      plans[n] = plan(n, tokens.get(shape % subjects), resource, now);
    }
    return plans;
  }

  public static void main(String[] args) {
    int shapes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    double s = args.length > 2 ? Double.parseDouble(args[2]) : 1.1;
    int subjects = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
    long seed = args.length > 4 ? Long.parseLong(args[4]) : 1;
    KeyRing ring = KeyRing.empty().with(ISSUER.keyId(), ISSUER.publicKey());
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    PlanRequest[] plans = zipfPlans(shapes, requests, s, subjects, seed, now);
    long distinctShapes =
        Arrays.stream(plans)
            .map(p -> p.getSubject().getId() + "|" + p.getSteps().get(0).getResource())
            .distinct()
            .count();
    PolicyView policy = PolicyView.empty();

    // the kernel alone (its verified-token cache on, as in production)
    KernelEngine bare =
        new KernelEngine(
            ring, KeyRing.empty(), KernelLimits.DEFAULTS, new VerifiedTokenCache(10_000));
    HotTier tier = HotTier.inProcess(HotTierSettings.DEFAULTS, CacheMetrics.simple());
    PlanEvaluator cached =
        tier.planEvaluator(
            new KernelEngine(
                ring, KeyRing.empty(), KernelLimits.DEFAULTS, tier.tokenCache(10_000, ring)),
            ring,
            KeyRing.empty(),
            KernelLimits.DEFAULTS);
    int warm = Math.min(200_000, requests);
    long sink = 0;
    for (int n = 0; n < warm; n++) {
      sink += bare.evaluate(plans[n], policy, now).reasons().size();
    }
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      for (int n = 0; n < requests; n++) {
        sink += bare.evaluate(plans[n], policy, now).reasons().size();
      }
      long bareNs = System.nanoTime() - t0;
      HotTier fresh = HotTier.inProcess(HotTierSettings.DEFAULTS, CacheMetrics.simple());
      PlanEvaluator c =
          round == 0
              ? cached
              : fresh.planEvaluator(
                  new KernelEngine(
                      ring, KeyRing.empty(), KernelLimits.DEFAULTS, fresh.tokenCache(10_000, ring)),
                  ring,
                  KeyRing.empty(),
                  KernelLimits.DEFAULTS);
      HotTier counted = round == 0 ? tier : fresh;
      long t1 = System.nanoTime();
      for (int n = 0; n < requests; n++) {
        KernelResult r = c.evaluate(plans[n], policy, now);
        sink += r.reasons().size();
      }
      long cachedNs = System.nanoTime() - t1;
      CacheMetrics m = counted.metrics();
      long exact = m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_EXACT);
      long normalised = m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_NORMALISED);
      long pattern = m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_PATTERN);
      long miss = m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.MISS);
      long total = exact + normalised + pattern + miss;
      System.out.printf(
          "round %d: Zipf s=%.2f over %,d shapes (%,d subjects), %,d requests, %,d distinct shapes drawn%n",
          round + 1, s, shapes, subjects, requests, distinctShapes);
      System.out.printf(
          "  hit rate %.2f %% (exact %.2f %%, normalised %.2f %%, pattern %.2f %%), misses %,d; "
              + "near entries %,d%n",
          100.0 * (exact + normalised + pattern) / total,
          100.0 * exact / total,
          100.0 * normalised / total,
          100.0 * pattern / total,
          miss,
          counted.decisionEntries());
      System.out.printf(
          "  kernel alone %,.0f evaluations/s (%.2f us each); with the decision cache %,.0f/s (%.2f us); "
              + "ratio cached/bare %.2f%n",
          requests / (bareNs / 1e9),
          bareNs / 1e3 / requests,
          requests / (cachedNs / 1e9),
          cachedNs / 1e3 / requests,
          (double) bareNs / cachedNs);
    }
    System.out.println("(checksum " + sink + ")");
  }

  static PlanRequest plan(int n, CapabilityToken token, String resource, Instant now) {
    List<PlanStep> steps =
        List.of(
            TestPlans.searchDocs(Map.of("q", "x" + n), resource),
            TestPlans.step(
                "send_email",
                Map.of(),
                "send_email",
                "acme/mail/outbox",
                EffectKind.SEND,
                List.of("public"),
                List.of("public"),
                List.of()));
    return TestPlans.plan(
            "req-" + n,
            "sess-" + (n % 2000),
            "plan-" + n,
            "acme",
            TestPlans.subject(token.getSubjectId(), token),
            steps,
            H,
            List.of())
        .setRequestedAt(now)
        .setCreatedAt(now)
        .setExpiresAt(now.plus(Duration.ofMinutes(10)))
        .build();
  }
}
