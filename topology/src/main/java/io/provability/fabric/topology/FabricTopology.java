package io.provability.fabric.topology;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.egress.EgressFirewall;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.processors.egress.EgressScanner;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.retrieval.PrivacyBudget;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.processors.stream.DecisionProcessor;
import io.provability.fabric.processors.stream.EncodedDecision;
import io.provability.fabric.processors.stream.Output;
import io.provability.fabric.processors.stream.PolicyStateUpdater;
import io.provability.fabric.processors.stream.RequestIntakeProcessor;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.processors.stream.StoreSerdes;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.schemas.serde.WireFormat;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the decision topology. A pure factory: it opens no connection and starts nothing, so the
 * same topology runs under {@code TopologyTestDriver}, in the demo and in production.
 *
 * <pre>
 * requests ─► intake ─┬─► decide ─┬─► decisions
 *                     │           └─► evidence (one log entry per decision)
 *                     └─► dead-letter ◄─ (decide failures)
 * policy-state ─► global store (read by decide)
 * </pre>
 *
 * <p>{@code decide} routes plans to the kernel, retrieval requests to the retrieval gateway and
 * egress requests to the egress firewall (with a hot tier: plans through its decision cache, tokens
 * through its shared verified-token cache, egress scans through its cache by content hash, and
 * every policy-state change told to it — docs/caches.md); it owns the {@code decided-requests}
 * (deduplication) and {@code privacy-budgets} (per-session differential-privacy spend) stores.
 */
public final class FabricTopology {
  // Node names: a running application's tasks, state stores and their changelog topics depend on
  // them (FabricTopologyDescriptionTest pins them). Only this factory needs them: a processor
  // forwards to its children through the typed Outputs it is given.
  private static final String SOURCE_REQUESTS = "requests";
  private static final String INTAKE = "intake";
  private static final String DECIDE = "decide";
  private static final String SINK_DECISIONS = "decisions-sink";
  private static final String SINK_EVIDENCE = "evidence-sink";
  private static final String SINK_DEAD_LETTER = "dead-letter-sink";
  private static final String OBSERVE_DECISIONS = "observe-decisions";
  private static final String OBSERVE_DEAD_LETTERS = "observe-dead-letters";
  private static final String SOURCE_POLICY = "policy-state-source";
  private static final String POLICY_UPDATER = "policy-state-updater";

  private FabricTopology() {}

  /** Names of the topics the topology reads and writes. */
  public record Topics(
      String requests, String decisions, String evidence, String deadLetter, String policyState) {}

  /**
   * Everything the topology needs besides topic names.
   *
   * @param kernelLimits maxima of a plan's numeric constraints
   * @param tokenCacheSize verified tokens remembered per decider (0: verify every time)
   * @param sessionPrivacyBudget the differential-privacy budget each session's retrievals may spend
   * @param egressPolicies the egress firewall's policies
   */
  public record Settings(
      Topics topics,
      Duration dedupWindow,
      KernelLimits kernelLimits,
      long tokenCacheSize,
      PrivacyBudget sessionPrivacyBudget,
      EgressPolicies egressPolicies) {
    /**
     * Default kernel limits, a 10,000-token cache, the default session privacy budget and egress
     * policies.
     */
    public Settings(Topics topics, Duration dedupWindow) {
      this(
          topics,
          dedupWindow,
          KernelLimits.DEFAULTS,
          10_000L,
          PrivacyBudget.DEFAULTS,
          EgressPolicies.defaults());
    }
  }

  /**
   * The keys the topology trusts and signs with.
   *
   * @param trustedIssuers capability-token issuer keys
   * @param trustedReceiptSigners access-receipt signer keys (the retrieval gateway's), kept apart
   *     from issuers
   * @param receiptSigner the key this instance's retrieval gateway signs receipts with; null denies
   *     every retrieval request ({@code UNSUPPORTED_KIND}). Its key id must be in {@code
   *     trustedReceiptSigners} (of this and every other instance) for its receipts to be accepted
   *     by the kernel.
   * @param certificateSigner the key the egress firewall signs certificates with; null denies every
   *     egress request ({@code UNSUPPORTED_KIND})
   */
  public record Keys(
      KeyRing trustedIssuers,
      KeyRing trustedReceiptSigners,
      Ed25519.SigningKey receiptSigner,
      Ed25519.SigningKey certificateSigner) {
    /**
     * No receipt signer trusted, no gateway or certificate key: every retrieval request, retrieval
     * step and egress request is denied.
     */
    public Keys(KeyRing trustedIssuers) {
      this(trustedIssuers, KeyRing.empty(), null, null);
    }
  }

  /**
   * The deciders the topology uses without the hot tier, wired from its settings and keys; audit
   * replay builds them here too, so a replay decides exactly as the live topology does (afresh, no
   * cache).
   */
  public static RequestDecider decider(Settings settings, Keys keys) {
    return decider(settings, keys, HotTier.disabled());
  }

  /**
   * The deciders with the instance's hot tier: plans go through its decision cache, tokens through
   * its shared verified-token cache, egress scans through its scan cache, and each task's session
   * privacy spends through a near cache of its own over the {@code privacy-budgets} store.
   */
  public static RequestDecider decider(Settings settings, Keys keys, HotTier hotTier) {
    // one engine (and one verified-token cache) for all tasks of this instance: the cache is
    // thread-safe
    VerifiedTokenCache tokenCache =
        hotTier.tokenCache(settings.tokenCacheSize(), keys.trustedIssuers());
    RetrievalGateway gateway =
        keys.receiptSigner() == null
            ? null
            : new RetrievalGateway(
                keys.trustedIssuers(),
                keys.receiptSigner(),
                settings.sessionPrivacyBudget(),
                tokenCache);
    KernelEngine kernel =
        new KernelEngine(
            keys.trustedIssuers(),
            keys.trustedReceiptSigners(),
            settings.kernelLimits(),
            tokenCache);
    return new RequestDecider(
        hotTier.planEvaluator(
            kernel, keys.trustedIssuers(), keys.trustedReceiptSigners(), settings.kernelLimits()),
        gateway,
        keys.certificateSigner() == null
            ? null
            : new EgressFirewall(
                settings.egressPolicies(),
                keys.certificateSigner(),
                System::nanoTime,
                hotTier.egressScanner(new EgressScanner()::scan)),
        hotTier.sessionSpends());
  }

  /**
   * How the topology reads and writes values: the codec (knowing the registry's schema ids when
   * there are any) and the format of what it writes. Reading accepts both formats.
   */
  public record Wire(EventCodec codec, WireFormat format) {
    /** The standard codec, writing single-object encoding: no registry involved. */
    public static Wire singleObject() {
      return new Wire(EventCodec.standard(), WireFormat.SINGLE_OBJECT);
    }
  }

  /**
   * Builds the topology without the hot tier (every request is evaluated afresh), observed by
   * nobody.
   */
  public static Topology build(Settings settings, Keys keys) {
    return build(settings, keys, DecisionObserver.NONE, HotTier.disabled());
  }

  /**
   * Builds the topology without the hot tier; {@code observer} sees each decision and dead letter.
   */
  public static Topology build(Settings settings, Keys keys, DecisionObserver observer) {
    return build(settings, keys, observer, HotTier.disabled());
  }

  /** Builds the topology with the instance's hot tier, observed by nobody. */
  public static Topology build(Settings settings, Keys keys, HotTier hotTier) {
    return build(settings, keys, DecisionObserver.NONE, hotTier);
  }

  /**
   * Builds the topology: {@code observer} sees each decision and dead letter before it is written;
   * {@code hotTier} holds the instance's caches, and policy-state changes are told to it.
   */
  public static Topology build(
      Settings settings, Keys keys, DecisionObserver observer, HotTier hotTier) {
    return build(settings, keys, observer, hotTier, Wire.singleObject());
  }

  /** As above, reading and writing values as {@code wire} says. */
  public static Topology build(
      Settings settings, Keys keys, DecisionObserver observer, HotTier hotTier, Wire wire) {
    EventCodec codec = wire.codec();
    WireFormat format = wire.format();
    SchemaIds ids = codec.schemaIds();
    Topics t = settings.topics();
    RequestDecider decider = decider(settings, keys, hotTier);
    Topology topology = new Topology();

    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.POLICY_STATE),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled(),
        SOURCE_POLICY,
        new StringDeserializer(),
        new ByteArrayDeserializer(),
        t.policyState(),
        POLICY_UPDATER,
        () -> new PolicyStateUpdater(hotTier.policyListener()));

    // the edges a processor forwards through, each typed as its child takes records
    Output<String, SpecificRecord> accepted = Output.to(DECIDE);
    Output<byte[], DeadLetter> deadLetters = Output.to(OBSERVE_DEAD_LETTERS);
    DecisionProcessor.Outputs decided =
        new DecisionProcessor.Outputs(
            Output.to(OBSERVE_DECISIONS), Output.to(SINK_EVIDENCE), deadLetters);

    topology.addSource(
        SOURCE_REQUESTS, new ByteArrayDeserializer(), new ByteArrayDeserializer(), t.requests());
    topology.addProcessor(
        INTAKE, () -> new RequestIntakeProcessor(codec, accepted, deadLetters), SOURCE_REQUESTS);
    addProcessor(
        topology,
        accepted,
        () ->
            new DecisionProcessor(
                decider,
                ctx -> DecisionProcessor.globalPolicyView(ctx, codec),
                settings.dedupWindow(),
                settings.sessionPrivacyBudget().sessionIdleExpiry(),
                codec,
                decided),
        INTAKE);
    addProcessor(
        topology, decided.decisions(), () -> ObservingProcessor.decisions(observer), DECIDE);
    addProcessor(
        topology, deadLetters, () -> ObservingProcessor.deadLetters(observer), INTAKE, DECIDE);

    // values are the decisions' canonical bytes, as on the decisions topic (EncodedDecision)
    topology.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                StoreNames.DECIDED_REQUESTS, settings.dedupWindow(), settings.dedupWindow(), false),
            Serdes.String(),
            Serdes.ByteArray()),
        DECIDE);
    // Budgets must outlive any window: persistent and changelogged, restored after a restart.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.PRIVACY_BUDGETS),
            Serdes.String(),
            StoreSerdes.privacySpend()),
        DECIDE);

    Serializer<String> stringKey = new StringSerializer();
    // the decider encoded each decision once; the topic gets those bytes (behind a registry header
    // instead of the single-object one when so configured: the body is the same)
    Serializer<EncodedDecision> decisionBytes =
        (topic, d) -> d == null ? null : format.frame(d.bytes(), ids);
    // each observer passes on what it took: (session id, decision), (original key bytes, letter)
    topology.addSink(SINK_DECISIONS, t.decisions(), stringKey, decisionBytes, OBSERVE_DECISIONS);
    // one record per new decision: its log entry (inline form), keyed by session so that a
    // session's decisions share one log; the sequencer of that partition appends it
    addSink(
        topology, decided.evidence(), t.evidence(), stringKey, new ByteArraySerializer(), DECIDE);
    topology.addSink(
        SINK_DEAD_LETTER,
        t.deadLetter(),
        new ByteArraySerializer(),
        EventSerde.of(DeadLetter.class, codec, format).serializer(),
        OBSERVE_DEAD_LETTERS);
    return topology;
  }

  /**
   * Adds the processor its parents reach through {@code node}: it takes the records they forward
   * there.
   */
  private static <K, V, KOut, VOut> void addProcessor(
      Topology topology,
      Output<K, V> node,
      ProcessorSupplier<K, V, KOut, VOut> supplier,
      String... parents) {
    topology.addProcessor(node.child(), supplier, parents);
  }

  /** Adds the sink its parents reach through {@code node}, serializing what they forward there. */
  private static <K, V> void addSink(
      Topology topology,
      Output<K, V> node,
      String topic,
      Serializer<K> keys,
      Serializer<V> values,
      String... parents) {
    topology.addSink(node.child(), topic, keys, values, parents);
  }
}
