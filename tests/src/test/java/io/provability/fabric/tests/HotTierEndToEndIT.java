package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.TopicSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * The hot tier end to end, on a real broker and real Redis servers (standalone and a 3-master
 * cluster), with every cache hit also evaluated afresh ({@code cache.shadow.check}) so that a wrong
 * hit would be counted:
 *
 * <ul>
 *   <li>two instances share entries through Redis; a revocation, a grant change and a policy
 *       version bump published on the policy-state topic reach both instances' caches (the time
 *       from the broker's acknowledgement to both instances having applied it is printed), and no
 *       decision made after that contradicts the change;
 *   <li>the same against a Redis Cluster, selected by {@code redis.cluster.uris};
 *   <li>Redis killed mid-run and started again: every request is decided, correctly, errors are
 *       counted, and entries reach Redis again once it is back.
 * </ul>
 */
class HotTierEndToEndIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));
  private static final String TENANT = "tenant-h";
  private static final Ed25519.SigningKey ISSUER =
      Ed25519.SigningKey.generate("hot-issuer", new SecureRandom());

  @Test
  void invalidationsReachBothInstancesAndNoCachedDecisionContradictsThem() throws Exception {
    String ns = ns("hot");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-hot-it-");
    Path trusted = trustedKeys(work);
    FabricConfig cfgA = config(ns, work.resolve("a"), trusted, Map.of());
    FabricConfig cfgB = config(ns, work.resolve("b"), trusted, Map.of());
    createTopics(ep, cfgA);
    Instant now = Instant.now();
    CapabilityToken revoked = token(ns + "tok-revoked", "agent-r", now.plus(Duration.ofHours(1)));
    CapabilityToken control = token(ns + "tok-control", "agent-c", now.plus(Duration.ofHours(1)));

    try (FabricRuntime a = FabricRuntime.start(cfgA, ep, false);
        FabricRuntime b = FabricRuntime.start(cfgB, ep, false);
        PlanStream traffic =
            new PlanStream(
                ep.bootstrapServers(),
                cfgA.topicRequests(),
                i ->
                    plan(
                        ns,
                        i,
                        i % 4 == 3 ? control : revoked,
                        Instant.now(),
                        TENANT + "/docs/d" + (i % 3)),
                "hot-tier-it-traffic");
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfgA.topicDecisions())) {
      CacheMetrics ma = a.hotTier().metrics();
      CacheMetrics mb = b.hotTier().metrics();
      ItFixtures.awaitActiveTasks(PATIENCE, a, b);
      traffic.start();
      List<Decision> decisions = new ArrayList<>();
      ItFixtures.awaitDecisions(
          reader,
          decisions,
          PATIENCE,
          d ->
              ItFixtures.count(d, revoked.getTokenId(), Verdict.ALLOW, Long.MIN_VALUE) >= 200
                  && hits(ma) > 20
                  && hits(mb) > 20);

      long[] revocation =
          publishAndWait(
              ep,
              cfgA,
              PolicyStateKeys.revocation(revoked.getTokenId()),
              EventCodec.standard()
                  .encode(
                      CapabilityRevocation.newBuilder()
                          .setTokenId(revoked.getTokenId())
                          .setTenant(TENANT)
                          .setRevokedAt(Instant.now())
                          .setReason("hot tier IT")
                          .build()),
              () -> ma.policyChanges("revocation") >= 1 && mb.policyChanges("revocation") >= 1);
      // the control subject loses read_docs: its later plans must be denied, however often they
      // were cached
      long[] grant =
          publishAndWait(
              ep,
              cfgA,
              PolicyStateKeys.grant(TENANT, "agent-c"),
              EventCodec.standard()
                  .encode(
                      CapabilityGrant.newBuilder()
                          .setGrantId(ns + "g1")
                          .setTenant(TENANT)
                          .setSubjectId("agent-c")
                          .setCapabilities(
                              List.of(
                                  Capability.newBuilder()
                                      .setName("send_email")
                                      .setEffect(EffectKind.SEND)
                                      .setResources(List.of(TENANT + "/mail/*"))
                                      .build()))
                          .setPolicyVersion(7L)
                          .setGrantedAt(Instant.now())
                          .build()),
              () -> ma.policyChanges("grant") >= 1 && mb.policyChanges("grant") >= 1);
      long[] version =
          publishAndWait(
              ep,
              cfgA,
              PolicyStateKeys.POLICY_VERSION,
              EventCodec.standard()
                  .encode(
                      PolicyVersion.newBuilder()
                          .setVersion(7L)
                          .setPolicyHash(HASH)
                          .setEffectiveAt(Instant.now())
                          .build()),
              () ->
                  ma.policyChanges("policy_version") >= 1
                      && mb.policyChanges("policy_version") >= 1);

      ItFixtures.awaitDecisions(
          reader,
          decisions,
          PATIENCE,
          d ->
              ItFixtures.count(d, revoked.getTokenId(), null, version[2]) >= 150
                  && ItFixtures.count(decisions, control.getTokenId(), null, version[2]) >= 50);
      traffic.stop();

      // decided_at is the stream thread's clock when it decided; "after applied" is safe to check,
      // while
      // "before sent" is not (a global store may apply a record before its producer sees the ack)
      assertThat(ItFixtures.count(decisions, control.getTokenId(), Verdict.ALLOW, Long.MIN_VALUE))
          .isPositive();
      for (Decision d : decisions) {
        long at = d.getDecidedAt().toEpochMilli();
        if (d.getTokenId().equals(revoked.getTokenId()) && at > revocation[2]) {
          assertThat(codes(d)).as(d.getRequestId()).containsExactly("TOKEN_REVOKED");
        }
        if (d.getTokenId().equals(control.getTokenId())) {
          if (at > grant[2]) {
            assertThat(codes(d)).as(d.getRequestId()).containsExactly("CAP_MISS");
          }
        }
        if (at > version[2]) {
          assertThat(d.getPolicyVersion()).as(d.getRequestId()).isEqualTo(7L);
        }
      }
      for (CacheMetrics m : List.of(ma, mb)) {
        assertThat(m.shadowChecks()).as("hits re-evaluated afresh").isPositive();
        assertThat(m.shadowMismatches())
            .as("cached decisions that differed from a fresh evaluation")
            .isZero();
        assertThat(m.replicated(CacheName.DECISIONS))
            .as("entries received from the other instance")
            .isPositive();
        assertThat(m.redis("set", "error")).isZero();
        assertThat(m.redis("set", "ok")).isPositive();
      }
      System.out.printf(
          "hot tier IT (standalone Redis, 2 instances): broker ack -> applied by both instances' caches: "
              + "revocation %d ms, grant change %d ms, policy version bump %d ms; %d decisions read; hits A %d (%s), "
              + "B %d (%s); replicated A %d, B %d%n",
          revocation[2] - revocation[1],
          grant[2] - grant[1],
          version[2] - version[1],
          decisions.size(),
          hits(ma),
          tiers(ma),
          hits(mb),
          tiers(mb),
          ma.replicated(CacheName.DECISIONS),
          mb.replicated(CacheName.DECISIONS));
    }
  }

  @Test
  void twoInstancesShareThroughARedisCluster() throws Exception {
    List<RedisServer> nodes = RedisProcesses.cluster();
    try {
      String ns = ns("hotc");
      StackEndpoints ep = TestEnvironment.endpoints();
      Path work = Files.createTempDirectory("fabric-hot-cluster-it-");
      Path trusted = trustedKeys(work);
      String uris =
          String.join(
              ",", nodes.stream().map(n -> "redis://127.0.0.1:" + RedisProcesses.port(n)).toList());
      Map<String, String> cluster = Map.of(FabricConfig.REDIS_CLUSTER_URIS_CONFIG, uris);
      FabricConfig cfgA = config(ns, work.resolve("a"), trusted, cluster);
      FabricConfig cfgB = config(ns, work.resolve("b"), trusted, cluster);
      createTopics(ep, cfgA);
      List<CapabilityToken> tokens = tokens(ns, 40, Instant.now());
      int requests = 600;
      try (FabricRuntime a = FabricRuntime.start(cfgA, ep, false);
          FabricRuntime b = FabricRuntime.start(cfgB, ep, false);
          KafkaTraffic.DecisionReader reader =
              new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfgA.topicDecisions());
          KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
        ItFixtures.awaitActiveTasks(PATIENCE, a, b);
        Map<String, Verdict> expected = produce(producer, cfgA, ns, 0, requests, tokens);
        ItFixtures.pollUntil(
            requests + " decisions",
            reader,
            PATIENCE,
            Duration.ofMillis(50),
            Duration.ofMillis(50),
            r -> r.decisions().size() >= requests);
        assertVerdicts(reader.decisions(), expected);
        CacheMetrics ma = a.hotTier().metrics();
        CacheMetrics mb = b.hotTier().metrics();
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(50))
            .until(
                () ->
                    ma.replicated(CacheName.DECISIONS) > 0
                        && mb.replicated(CacheName.DECISIONS) > 0);
        long nodesWithKeys =
            nodes.stream().filter(n -> RedisProcesses.dbSize(RedisProcesses.port(n)) > 0).count();
        for (CacheMetrics m : List.of(ma, mb)) {
          assertThat(m.shadowMismatches()).isZero();
          assertThat(m.redis("set", "error")).isZero();
          assertThat(m.redis("set", "ok")).isPositive();
        }
        assertThat(nodesWithKeys).as("cluster nodes holding entries").isGreaterThanOrEqualTo(2);
        System.out.printf(
            "hot tier IT (3-master cluster, 2 instances): %d requests, %d decided, all as expected; "
                + "SET ok A %d B %d; replicated A %d B %d; keys per node %s%n",
            requests,
            reader.decisions().size(),
            ma.redis("set", "ok"),
            mb.redis("set", "ok"),
            ma.replicated(CacheName.DECISIONS),
            mb.replicated(CacheName.DECISIONS),
            nodes.stream().map(n -> RedisProcesses.dbSize(RedisProcesses.port(n))).toList());
      }
    } finally {
      nodes.forEach(RedisProcesses::stop);
    }
  }

  @Test
  void redisKilledMidRunMeansSlowerNeverWrongNeverStopped() throws Exception {
    RedisServer redis = RedisProcesses.standalone(0);
    int port = RedisProcesses.port(redis);
    RedisServer restarted = null;
    try {
      String ns = ns("hoto");
      StackEndpoints shared = TestEnvironment.endpoints();
      StackEndpoints ep =
          new StackEndpoints(
              shared.bootstrapServers(),
              shared.jdbcUrl(),
              shared.jdbcUser(),
              shared.jdbcPassword(),
              "redis://127.0.0.1:" + port,
              shared.s3Endpoint(),
              shared.s3Region(),
              shared.s3AccessKey(),
              shared.s3SecretKey());
      Path work = Files.createTempDirectory("fabric-hot-outage-it-");
      // verified tokens go to a Redis of their own (the stack's), which stays up: per-cache routing
      FabricConfig cfg =
          config(
              ns,
              work.resolve("a"),
              trustedKeys(work),
              Map.of(
                  FabricConfig.CACHE_REDIS_TIMEOUT_CONFIG,
                  "200",
                  FabricConfig.cacheRedisUriConfig(CacheName.TOKENS),
                  shared.redisUri()));
      createTopics(ep, cfg);
      List<CapabilityToken> tokens = tokens(ns, 1_000, Instant.now());
      Map<String, Verdict> expected = new HashMap<>();
      try (FabricRuntime app = FabricRuntime.start(cfg, ep, false);
          KafkaTraffic.DecisionReader reader =
              new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions());
          KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
        CacheMetrics m = app.hotTier().metrics();
        // 1: Redis up; every request a new token, so every decision is a miss that is stored
        expected.putAll(produce(producer, cfg, ns, 0, 100, tokens));
        awaitDecided(reader, expected.size());
        await().atMost(PATIENCE).until(() -> RedisProcesses.dbSize(port) > 0);
        long okBefore = m.redis("set", "ok");
        assertThat(m.redis("set", "error") + m.redis("set", "dropped")).isZero();

        // 2: the decisions' Redis killed
        RedisProcesses.stop(redis);
        long okAtKill = m.redis("set", "ok");
        expected.putAll(produce(producer, cfg, ns, 100, 200, tokens));
        awaitDecided(reader, expected.size());
        long failedWhileDown = m.redis("set", "error") + m.redis("set", "dropped");
        assertThat(failedWhileDown)
            .as("stores that failed while Redis was down, counted")
            .isPositive();
        await().atMost(PATIENCE).until(() -> m.redis("set", "ok") > okAtKill);
        long tokenStoresWhileDown = m.redis("set", "ok") - okAtKill;

        // 3: Redis back on the same port, empty; the tier reconnects by itself and stores again
        restarted = RedisProcesses.standalone(port);
        int next = 200;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (RedisProcesses.dbSize(port) == 0 && System.nanoTime() < deadline) {
          expected.putAll(produce(producer, cfg, ns, next, next + 20, tokens));
          next += 20;
          awaitDecided(reader, expected.size());
        }
        assertThat(RedisProcesses.dbSize(port)).as("entries in the restarted Redis").isPositive();
        awaitDecided(reader, expected.size());
        assertVerdicts(reader.decisions(), expected);
        assertThat(reader.decisions()).hasSize(expected.size());
        assertThat(m.shadowMismatches()).isZero();
        assertThat(m.redis("set", "ok")).isGreaterThan(okBefore);
        System.out.printf(
            "hot tier IT (Redis outage): %d requests, %d decided, all as expected; SET ok %d, "
                + "failed while Redis was down %d (error %d, dropped %d), while the tokens' own Redis took %d; after "
                + "the restart %d keys in Redis%n",
            expected.size(),
            reader.decisions().size(),
            m.redis("set", "ok"),
            failedWhileDown,
            m.redis("set", "error"),
            m.redis("set", "dropped"),
            tokenStoresWhileDown,
            RedisProcesses.dbSize(port));
      }
    } finally {
      if (restarted != null) {
        RedisProcesses.stop(restarted);
      } else {
        try {
          redis.stop();
        } catch (IOException ignored) {
          // already stopped by the test
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static String ns(String prefix) {
    return prefix + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL) + "-";
  }

  private static Path trustedKeys(Path work) throws IOException {
    Files.createDirectories(work);
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), ISSUER);
    return trusted;
  }

  private static void createTopics(StackEndpoints ep, FabricConfig cfg) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      TopicSetup.ensure(admin, cfg);
    }
  }

  private static FabricConfig config(
      String ns, Path workDir, Path trusted, Map<String, String> extra) {
    Map<String, String> m =
        new HashMap<>(
            Map.of(
                FabricConfig.CACHE_SHADOW_CHECK_CONFIG, "true",
                // a channel of this test's own: other tests' instances share the stack's Redis
                FabricConfig.CACHE_REDIS_CHANNEL_CONFIG, ns + "hot-tier",
                // instances share entries through Redis only under a shared MAC secret
                FabricConfig.CACHE_REDIS_MAC_SECRET_CONFIG, ns + "secret"));
    m.putAll(extra);
    return ItFixtures.namespacedConfig(ns, workDir, trusted, m);
  }

  private static long hits(CacheMetrics m) {
    return m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_EXACT)
        + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_NORMALISED)
        + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_PATTERN);
  }

  private static String tiers(CacheMetrics m) {
    StringBuilder s = new StringBuilder();
    for (CacheMetrics.Outcome o : CacheMetrics.Outcome.values()) {
      s.append(o.name().toLowerCase(Locale.ROOT))
          .append(' ')
          .append(m.lookups(CacheName.DECISIONS, o))
          .append(' ');
    }
    return s.toString().trim();
  }

  private static List<String> codes(Decision d) {
    return d.getReasons().stream().map(Reason::getCode).toList();
  }

  /**
   * Publishes a policy-state record; returns {send, broker ack, applied by every instance}
   * wall-clock millis.
   */
  private static long[] publishAndWait(
      StackEndpoints ep, FabricConfig cfg, String key, byte[] value, BooleanSupplier applied)
      throws Exception {
    long[] t = new long[3];
    ItFixtures.TimedSend sent = ItFixtures.timedSend(ep, cfg.topicPolicyState(), key, value);
    t[0] = sent.sentAt();
    t[1] = sent.ackedAt();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(applied::getAsBoolean);
    t[2] = System.currentTimeMillis();
    return t;
  }

  /**
   * Tokens {@code <ns>tok-0..n-1} of agents {@code agent-0..n-1}; every fourth (from the first) has
   * expired a minute before {@code now}, the others expire in an hour.
   */
  private static List<CapabilityToken> tokens(String ns, int n, Instant now) {
    List<CapabilityToken> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tokens.add(
          token(
              ns + "tok-" + i,
              "agent-" + i,
              i % 4 == 0 ? now.minus(Duration.ofMinutes(1)) : now.plus(Duration.ofHours(1))));
    }
    return tokens;
  }

  private static void awaitDecided(KafkaTraffic.DecisionReader reader, int n) {
    ItFixtures.pollUntil(
        n + " decisions",
        reader,
        PATIENCE,
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        r -> r.decisions().size() >= n);
  }

  /**
   * Requests {@code from..to-1}, request i using token i (expired tokens: DENY); returns the
   * expected verdicts.
   */
  private static Map<String, Verdict> produce(
      KafkaProducer<byte[], byte[]> producer,
      FabricConfig cfg,
      String ns,
      int from,
      int to,
      List<CapabilityToken> tokens) {
    Map<String, Verdict> expected = new HashMap<>();
    EventCodec codec = EventCodec.standard();
    for (int i = from; i < to; i++) {
      CapabilityToken t = tokens.get(i % tokens.size());
      PlanRequest p = plan(ns, i, t, Instant.now(), TENANT + "/docs/d" + (i % 3));
      producer.send(
          new ProducerRecord<>(
              cfg.topicRequests(),
              null,
              p.getRequestedAt().toEpochMilli(),
              p.getSessionId().getBytes(StandardCharsets.UTF_8),
              codec.encode(p)));
      expected.put(
          p.getRequestId(), t.getExpiresAt().isAfter(Instant.now()) ? Verdict.ALLOW : Verdict.DENY);
    }
    producer.flush();
    return expected;
  }

  private static void assertVerdicts(Map<String, Decision> decided, Map<String, Verdict> expected) {
    for (Map.Entry<String, Verdict> e : expected.entrySet()) {
      Decision d = decided.get(e.getKey());
      assertThat(d).as(e.getKey()).isNotNull();
      assertThat(d.getVerdict()).as(e.getKey() + " " + d.getReasons()).isEqualTo(e.getValue());
      if (e.getValue() == Verdict.DENY) {
        assertThat(codes(d)).as(e.getKey()).containsExactly("TOKEN_EXPIRED");
      }
    }
  }

  private static CapabilityToken token(String id, String subject, Instant expires) {
    return TestPlans.token(
        ISSUER,
        "hot-tier-it",
        id,
        TENANT,
        subject,
        List.of(TestPlans.capability("read_docs", EffectKind.READ, TENANT + "/docs/**")),
        expires.minus(Duration.ofHours(2)),
        expires);
  }

  private static PlanRequest plan(
      String ns, long i, CapabilityToken token, Instant at, String resource) {
    PlanStep step = TestPlans.searchDocs(Map.of("n", Long.toString(i)), resource);
    return TestPlans.requestedAt(
        TestPlans.plan(
            ns + "req-" + i,
            ns + "session-" + (i % 64),
            "plan-" + i,
            TENANT,
            TestPlans.subject(token.getSubjectId(), token),
            List.of(step),
            HASH,
            List.of()),
        at);
  }
}
