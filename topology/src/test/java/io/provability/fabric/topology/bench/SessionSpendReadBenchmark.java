package io.provability.fabric.topology.bench;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.SessionSpendCache;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.retrieval.PrivacyBudget;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.processors.retrieval.RetrievalOutcome;
import io.provability.fabric.processors.retrieval.StoredSpend;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.FabricTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What the session-spend near cache saves: the budget read of a retrieval from the topology's own
 * {@code privacy-budgets} store (RocksDB, changelogged, metered: the store the decide processor
 * reads) vs the same reads through a {@link SessionSpendCache} over that store, in one run, over
 * the same Zipf-distributed sequence of session ids; and, for scale, what deciding one retrieval
 * costs (the gateway, receipt signing included, token verified once).
 *
 * <p>A program, not a test. Arguments: {@code [sessions=100000] [reads=2000000] [rounds=3]
 * [s=1.1]}.
 */
public final class SessionSpendReadBenchmark {
  private SessionSpendReadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int reads = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    double s = args.length > 3 ? Double.parseDouble(args[3]) : 1.1;
    Instant start = Instant.parse("2026-12-01T12:00:00Z");

    Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
    Ed25519.SigningKey gatewayKey = Ed25519.SigningKey.fromSeed("gateway-1", filled(3));
    KeyRing issuers = KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey()));
    FabricTopology.Settings settings =
        new FabricTopology.Settings(
            new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy"),
            Duration.ofHours(1),
            KernelLimits.DEFAULTS,
            100L,
            PrivacyBudget.DEFAULTS,
            EgressPolicies.defaults());
    FabricTopology.Keys keys =
        new FabricTopology.Keys(
            issuers,
            KeyRing.of(Map.of(gatewayKey.keyId(), gatewayKey.publicKey())),
            gatewayKey,
            null);
    Path stateDir = Files.createTempDirectory("session-spend-bench-");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "session-spend-bench");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    CapabilityToken token = token(issuer, start);

    try (TopologyTestDriver driver =
        new TopologyTestDriver(
            FabricTopology.build(settings, keys, HotTier.disabled()), props, start)) {
      KeyValueStore<String, StoredSpend> store =
          driver.getKeyValueStore(StoreNames.PRIVACY_BUDGETS);
      String[] ids = new String[sessions];
      for (int i = 0; i < sessions; i++) {
        ids[i] = "session-" + i;
        store.put(ids[i], new StoredSpend(new PrivacySpend((i % 1000) / 2000.0, 0.0), 0L));
      }
      // one record through the topology: its commit flushes the store, so reads go to RocksDB's
      // files too
      TestInputTopic<byte[], byte[]> in =
          driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
      in.pipeInput(
          "session-0".getBytes(StandardCharsets.UTF_8),
          EventCodec.standard().encode(request(token, "warm", "session-0", start)),
          start);

      String[] sequence = zipf(ids, reads, s, 1L);
      System.out.printf(
          "%d sessions in the store, %d reads per round, Zipf s=%.2f, %d distinct drawn%n",
          sessions, reads, s, Arrays.stream(sequence).distinct().count());
      RetrievalGateway gateway =
          new RetrievalGateway(
              issuers, gatewayKey, PrivacyBudget.DEFAULTS, new VerifiedTokenCache(16));
      for (int round = 1; round <= rounds; round++) {
        double sink = 0;
        long t0 = System.nanoTime();
        for (String id : sequence) {
          StoredSpend p = store.get(id);
          sink += p == null ? 0 : p.spend().epsilon();
        }
        long storeNanos = System.nanoTime() - t0;

        CacheMetrics metrics = CacheMetrics.simple();
        SessionSpendCache cache =
            new SessionSpendCache(
                k -> store.get(k) == null ? null : store.get(k).spend(),
                (k, v) -> store.put(k, v == null ? null : new StoredSpend(v, 0L)),
                CacheName.RETRIEVAL_SESSIONS.defaultTtl(),
                CacheName.RETRIEVAL_SESSIONS.defaultNearMaxBytes(),
                System::currentTimeMillis,
                metrics,
                false);
        t0 = System.nanoTime();
        for (String id : sequence) {
          sink += cache.spent(id).epsilon();
        }
        long cacheNanos = System.nanoTime() - t0;
        long hits = metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT);
        cache.close();

        int decides = 20_000;
        t0 = System.nanoTime();
        int allowed = 0;
        for (int i = 0; i < decides; i++) {
          RetrievalOutcome o =
              gateway.decide(
                  request(token, "r" + round + "-" + i, sequence[i], start),
                  PolicyView.empty(),
                  PrivacySpend.ZERO,
                  start);
          allowed += o.verdict() == Verdict.ALLOW ? 1 : 0;
        }
        long decideNanos = System.nanoTime() - t0;

        double storeNs = (double) storeNanos / reads;
        double cacheNs = (double) cacheNanos / reads;
        double decideUs = decideNanos / 1e3 / decides;
        System.out.printf(
            "round %d: store.get %.0f ns/read, through the cache %.0f ns/read (hit rate %.2f %%): "
                + "cache/store time %.2f; a retrieval decided (%d/%d allowed) %.1f us, so the store read is %.1f %% of it "
                + "and the cache saves %.1f %% [%s]%n",
            round,
            storeNs,
            cacheNs,
            100.0 * hits / reads,
            cacheNs / storeNs,
            allowed,
            decides,
            decideUs,
            100.0 * storeNs / (decideUs * 1e3),
            100.0 * (storeNs - cacheNs) / (decideUs * 1e3),
            sink > 0 ? "ok" : "?");
      }
    }
  }

  /** {@code n} ids drawn with probability proportional to rank^-s (rank 1 = ids[0]). */
  static String[] zipf(String[] ids, int n, double s, long seed) {
    double[] cdf = new double[ids.length];
    double sum = 0;
    for (int r = 0; r < ids.length; r++) {
      sum += Math.pow(r + 1, -s);
      cdf[r] = sum;
    }
    Random rnd = new Random(seed);
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      int idx = Arrays.binarySearch(cdf, rnd.nextDouble() * sum);
      out[i] = ids[Math.min(ids.length - 1, idx < 0 ? -idx - 1 : idx)];
    }
    return out;
  }

  private static RetrievalRequest request(
      CapabilityToken token, String id, String session, Instant at) {
    return RetrievalRequest.newBuilder()
        .setRequestId(id)
        .setSessionId(session)
        .setRequestedAt(at)
        .setTenant("acme")
        .setSubjectId("agent-7")
        .setToken(token)
        .setQuery("customers in Lisbon")
        .setRequestedLabels(List.of("pii"))
        .setIndexShard("crm-1")
        .setDpEpsilon(0.001)
        .setDpDelta(1e-9)
        .build();
  }

  private static CapabilityToken token(Ed25519.SigningKey issuer, Instant start) {
    List<Capability> caps =
        List.of(
            Capability.newBuilder()
                .setName("retrieve")
                .setEffect(EffectKind.READ)
                .setResources(List.of("acme/**"))
                .build(),
            Capability.newBuilder()
                .setName("read_pii")
                .setEffect(EffectKind.READ)
                .setResources(List.of("acme/**"))
                .build());
    return TokenSigning.sign(
        CapabilityToken.newBuilder()
            .setTokenId("tok-1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setCapabilities(caps)
            .setIssuedAt(start.minusSeconds(60))
            .setNotBefore(start.minusSeconds(60))
            .setExpiresAt(start.plus(Duration.ofDays(1)))
            .setIssuer("bench")
            .setKeyId(issuer.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build(),
        issuer);
  }

  private static byte[] filled(int v) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
