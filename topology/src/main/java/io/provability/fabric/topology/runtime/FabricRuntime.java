package io.provability.fabric.topology.runtime;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.provability.fabric.connectors.JdbcSettings;
import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConfig;
import io.provability.fabric.connectors.evidence.EvidenceSinkConfig;
import io.provability.fabric.connectors.runtime.SinkPipelineSettings;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.Jwks;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.schemas.serde.WireFormat;
import io.provability.fabric.sinks.evidence.EvidenceLag;
import io.provability.fabric.sinks.evidence.S3Requests;
import io.provability.fabric.topology.DecisionObserver;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.internal.tracing.FabricTracing;
import io.provability.fabric.topology.metrics.ConnectSinkMetrics;
import io.provability.fabric.topology.metrics.FabricMetrics;
import io.provability.fabric.topology.ops.DependencyProbes;
import io.provability.fabric.topology.ops.DependencyWatch;
import io.provability.fabric.topology.ops.StreamsHealth;
import io.provability.fabric.topology.registry.RegistrySubjects;
import io.provability.fabric.topology.registry.SchemaRegistryClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the fabric: the decision topology on Kafka Streams plus the two sinks
 * (decision log, evidence store) on an in-process Kafka Connect worker. Endpoints come from the
 * embedded stack or from configuration; the code path is the same.
 */
public final class FabricRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FabricRuntime.class);

  private final FabricConfig cfg;
  private final StackEndpoints endpoints;
  private final boolean withSinks;
  private final KafkaStreams streams;
  private final FabricMetrics metrics;
  private final FabricTracing tracing;
  private final StreamsHealth health = new StreamsHealth();
  private final StartWatch started = new StartWatch();
  private final KafkaStreamsMetrics streamsMetrics;

  /** Run once by {@link #startAndAwait} before the topology starts; set by {@link #create}. */
  private Runnable warmUp = () -> {};

  private volatile SinkPipeline sinks;
  private volatile ConnectSinkMetrics sinkMetrics;
  private final HotTier hotTier;
  private final FabricTopology.Wire wire;
  private volatile DependencyWatch dependencies;
  private final List<AutoCloseable> probeClients = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private FabricRuntime(
      FabricConfig cfg,
      StackEndpoints endpoints,
      boolean withSinks,
      KafkaStreams streams,
      FabricMetrics metrics,
      FabricTracing tracing,
      HotTier hotTier,
      FabricTopology.Wire wire) {
    this.cfg = cfg;
    this.tracing = tracing;
    this.wire = wire;
    this.hotTier = hotTier;
    this.endpoints = endpoints;
    this.withSinks = withSinks;
    this.streams = streams;
    this.metrics = metrics;
    // one listener only per KafkaStreams: it feeds both the start-up wait and the health endpoints
    streams.setStateListener(
        (newState, oldState) -> {
          health.onChange(newState, oldState);
          started.onChange(newState, oldState);
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(metrics.registry());
  }

  /**
   * Decides synthetic requests in-process before the topology joins its group (see {@link
   * DecisionWarmUp}), so that its first partitions meet compiled code; health answers not ready
   * meanwhile.
   */
  private static void warmUp(
      FabricConfig cfg, FabricTopology.Settings settings, FabricTopology.Keys keys) {
    long requests = cfg.getLong(FabricConfig.WARMUP_REQUESTS_CONFIG);
    if (requests == 0) {
      return;
    }
    DecisionWarmUp.Result r =
        DecisionWarmUp.run(
            settings,
            keys,
            requests,
            Duration.ofMillis(cfg.getLong(FabricConfig.WARMUP_MAX_MS_CONFIG)),
            Clock.systemUTC());
    LOG.info(
        "decision path warmed up: {} synthetic requests ({} allowed) decided in {} ms",
        r.requests(),
        r.allowed(),
        r.took().toMillis());
  }

  /** The endpoints named by an external-mode configuration. */
  public static StackEndpoints externalEndpoints(FabricConfig cfg) {
    return new StackEndpoints(
        cfg.getString(FabricConfig.BOOTSTRAP_CONFIG),
        cfg.getString(FabricConfig.JDBC_URL_CONFIG),
        cfg.getString(FabricConfig.JDBC_USER_CONFIG),
        cfg.getPassword(FabricConfig.JDBC_PASSWORD_CONFIG).value(),
        cfg.getString(FabricConfig.REDIS_URI_CONFIG),
        cfg.getString(FabricConfig.S3_ENDPOINT_CONFIG),
        cfg.getString(FabricConfig.S3_REGION_CONFIG),
        cfg.getString(FabricConfig.S3_ACCESS_KEY_CONFIG),
        cfg.getPassword(FabricConfig.S3_SECRET_KEY_CONFIG).value());
  }

  /**
   * Creates missing topics, starts the topology and the sinks, and waits until the topology is
   * RUNNING.
   *
   * @param withSinks false runs the topology alone (an instance that only decides)
   */
  public static FabricRuntime start(FabricConfig cfg, StackEndpoints endpoints, boolean withSinks)
      throws IOException, InterruptedException, TimeoutException {
    FabricRuntime runtime = create(cfg, endpoints, withSinks);
    runtime.startAndAwait(Duration.ofSeconds(120));
    return runtime;
  }

  /**
   * Creates missing topics and builds the topology, its metrics and health, without starting it:
   * {@link #health()} answers not ready until {@link #startAndAwait} has brought it to RUNNING, so
   * an HTTP server can be up before.
   */
  public static FabricRuntime create(FabricConfig cfg, StackEndpoints endpoints, boolean withSinks)
      throws IOException {
    Files.createDirectories(cfg.workDir());
    BrokerCheck.requireReachable(endpoints.bootstrapServers());
    try (Admin admin = Admin.create(KafkaClients.of(cfg, endpoints.bootstrapServers()).admin())) {
      var created = TopicSetup.ensure(admin, cfg);
      if (!created.isEmpty()) {
        LOG.info("created topics {}", created);
      }
    } catch (ExecutionException e) {
      throw new IOException(
          "cannot create topics on " + endpoints.bootstrapServers() + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating topics", e);
    }
    FabricTopology.Wire wire = wire(cfg);
    FabricMetrics metrics =
        FabricMetrics.create(Duration.ofMillis(cfg.getLong(FabricConfig.METRICS_MAX_AGE_CONFIG)));
    HotTier hotTier = HotTiers.create(cfg, endpoints.redisUri(), metrics.registry());
    FabricTopology.Settings settings = topologySettings(cfg);
    FabricTopology.Keys keys = keys(cfg);
    FabricTracing tracing = FabricTracing.of(cfg);
    Topology topology =
        FabricTopology.build(
            settings,
            keys,
            DecisionObserver.both(
                metrics,
                tracing.decider(
                    cfg.topicRequests(), cfg.getString(FabricConfig.APPLICATION_ID_CONFIG))),
            hotTier,
            wire);
    KafkaStreams streams = new KafkaStreams(topology, streamsProperties(cfg, endpoints));
    FabricRuntime runtime =
        new FabricRuntime(cfg, endpoints, withSinks, streams, metrics, tracing, hotTier, wire);
    runtime.warmUp = () -> warmUp(cfg, settings, keys);
    return runtime;
  }

  /**
   * The codec and format the configuration asks for: single-object by default; with {@code
   * serde.format=registry}, the schema ids looked up once from the registry (every schema must have
   * been registered by {@code fabric schemas register}: an instance registers nothing itself).
   */
  public static FabricTopology.Wire wire(FabricConfig cfg) throws IOException {
    if (cfg.wireFormat() == WireFormat.SINGLE_OBJECT) {
      return FabricTopology.Wire.singleObject();
    }
    SchemaRegistryClient client =
        new SchemaRegistryClient(cfg.schemaRegistryUrl(), Duration.ofSeconds(10));
    try {
      SchemaIds ids = RegistrySubjects.lookUp(client, cfg);
      LOG.info("schema registry {}: {} schema ids looked up", cfg.schemaRegistryUrl(), ids.size());
      return new FabricTopology.Wire(EventCodec.standard().withSchemaIds(ids), WireFormat.REGISTRY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while looking up schema ids", e);
    } catch (IOException e) {
      throw new IOException(FabricConfig.SCHEMA_REGISTRY_URL_CONFIG + ": " + e.getMessage(), e);
    }
  }

  /**
   * The codec this instance reads values with (it knows the registry's schema ids when configured).
   */
  public EventCodec codec() {
    return wire.codec();
  }

  /** Starts the topology (and the sinks) and waits until the topology is RUNNING. */
  public void startAndAwait(Duration timeout) throws InterruptedException, TimeoutException {
    try {
      warmUp.run();
      streams.start();
      dependencies = watchDependencies();
      if (withSinks) {
        // the sequencers report evidence lag here (Connect builds its tasks by reflection)
        EvidenceLag.listen(metrics.evidenceLag());
        // ... and count their S3 object requests, which fabric load states per 1,000 decisions
        for (var kind : S3Requests.Kind.values()) {
          FunctionCounter.builder("fabric.s3.requests", kind, S3Requests::count)
              .description(
                  "S3 object requests sent by the evidence sequencers of this instance, by operation")
              .tag("operation", kind.name())
              .register(metrics.registry());
        }
        // the decision-log sink reads registry-framed decisions with the ids this instance looked
        // up
        Map<String, String> decisionLogOverrides =
            wire.format() == WireFormat.REGISTRY
                ? Map.of(DecisionLogSinkConfig.SCHEMA_IDS_CONFIG, wire.codec().schemaIds().format())
                : Map.of();
        SinkPipeline pipeline =
            new SinkPipeline(
                sinkSettings(cfg, endpoints),
                decisionLogOverrides,
                connect -> {
                  ConnectSinkMetrics bridge =
                      new ConnectSinkMetrics(
                          metrics.registry(),
                          Set.of(connect.decisionLogConnector(), connect.evidenceConnector()));
                  bridge.bindSupervisor(connect.supervisor());
                  sinkMetrics = bridge;
                });
        sinks = pipeline;
        Gauge.builder(
                "fabric.sink.credentials.rejected",
                pipeline,
                p -> p.status().phase() == SinkPipeline.Phase.CREDENTIALS_REJECTED ? 1 : 0)
            .description(
                "1 while PostgreSQL or S3 rejects this instance's sink credentials (its worker stays out)")
            .register(metrics.registry());
        health.sinks(() -> pipeline.status().healthy(), pipeline::status);
        pipeline.start();
      }
      started.await(timeout);
    } catch (InterruptedException | TimeoutException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Probes every dependency this instance uses every two seconds and logs each loss and return once
   * (DependencyWatch): the broker always, PostgreSQL and S3 when it runs the sinks, Redis when the
   * hot tier shares through it.
   */
  private DependencyWatch watchDependencies() {
    Duration timeout = Duration.ofSeconds(3);
    var watch = new DependencyWatch(metrics.registry(), Clock.systemUTC());
    Admin admin = DependencyProbes.admin(endpoints.bootstrapServers(), timeout);
    probeClients.add(admin);
    watch.watch("broker", DependencyProbes.kafka(admin, timeout));
    if (withSinks) {
      watch.watch(
          "postgresql",
          DependencyProbes.postgres(
              endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword(), timeout));
      var s3 =
          DependencyProbes.s3Client(
              endpoints.s3Endpoint(),
              endpoints.s3Region(),
              endpoints.s3AccessKey(),
              endpoints.s3SecretKey(),
              timeout);
      probeClients.add(s3);
      watch.watch("s3", DependencyProbes.s3(s3, cfg.getString(FabricConfig.S3_BUCKET_CONFIG)));
    }
    List<String> cluster = cfg.getList(FabricConfig.REDIS_CLUSTER_URIS_CONFIG);
    String redis = cluster.isEmpty() ? endpoints.redisUri() : cluster.get(0);
    if (cfg.getBoolean(FabricConfig.CACHE_ENABLED_CONFIG)
        && cfg.getBoolean(FabricConfig.CACHE_REDIS_ENABLED_CONFIG)
        && redis != null
        && !redis.isBlank()) {
      watch.watch("redis", DependencyProbes.redis(redis, timeout));
    }
    return watch.start(Duration.ofSeconds(2));
  }

  /** The topology settings a configuration describes. */
  public static FabricTopology.Settings topologySettings(FabricConfig cfg) {
    return new FabricTopology.Settings(
        new FabricTopology.Topics(
            cfg.topicRequests(),
            cfg.topicDecisions(),
            cfg.topicEvidence(),
            cfg.topicDeadLetter(),
            cfg.topicPolicyState()),
        cfg.dedupWindow(),
        cfg.kernelLimits(),
        cfg.getLong(FabricConfig.KERNEL_TOKEN_CACHE_SIZE_CONFIG),
        cfg.sessionPrivacyBudget(),
        egressPolicies(cfg));
  }

  /**
   * The egress policies a configuration names; a file that cannot be read or parsed fails naming
   * its key.
   */
  static EgressPolicies egressPolicies(FabricConfig cfg) {
    Path file = cfg.egressPoliciesFile();
    if (file == null) {
      return EgressPolicies.defaults();
    }
    try {
      return EgressPolicies.load(file);
    } catch (IOException e) {
      throw new ConfigException(
          FabricConfig.EGRESS_POLICIES_CONFIG, file.toString(), e.getMessage());
    }
  }

  /**
   * Loads the trusted issuer keys (required), the trusted receipt signer keys (optional) and the
   * retrieval gateway's receipt signing key (created if missing; trusted by the kernel only if the
   * receipt ring lists it) and the egress firewall's certificate signing key (created if missing).
   */
  public static FabricTopology.Keys keys(FabricConfig cfg) throws IOException {
    KeyRing ring = trustedIssuers(cfg);
    Path receiptKeys = cfg.receiptKeysFile();
    KeyRing receiptSigners;
    if (Files.exists(receiptKeys)) {
      receiptSigners = KeyRing.read(receiptKeys);
    } else {
      // optional: plans without retrieval steps need no receipt key; retrieval steps are then
      // denied
      LOG.warn(
          "{}: {} does not exist; no access receipt will verify, so every retrieval step is denied",
          FabricConfig.RECEIPT_KEYS_CONFIG,
          receiptKeys);
      receiptSigners = KeyRing.empty();
    }
    Ed25519.SigningKey gatewayKey =
        KeyFiles.readOrCreate(cfg.retrievalReceiptKeyFile(), "retrieval-gateway-1");
    if (receiptSigners.publicKey(gatewayKey.keyId()).isEmpty()) {
      LOG.warn(
          "{}: the retrieval gateway's key '{}' is not in {}; plans carrying its receipts are denied with RECEIPT_INVALID",
          FabricConfig.RECEIPT_KEYS_CONFIG,
          gatewayKey.keyId(),
          receiptKeys);
    }
    Ed25519.SigningKey certificateKey =
        KeyFiles.readOrCreate(cfg.egressCertificateKeyFile(), "egress-certificate-1");
    return new FabricTopology.Keys(ring, receiptSigners, gatewayKey, certificateKey);
  }

  /**
   * The trusted token issuer keys: the key ring file, plus the Ed25519 keys of a JWKS file or URL
   * when configured. The key ring file is required unless a JWKS is configured; with neither, or
   * with no key at all, start-up fails (every plan would be denied).
   */
  static KeyRing trustedIssuers(FabricConfig cfg) throws IOException {
    Path trusted = cfg.trustedKeysFile();
    String jwksFile = cfg.getString(FabricConfig.TRUSTED_JWKS_FILE_CONFIG);
    String jwksUrl = cfg.getString(FabricConfig.TRUSTED_JWKS_URL_CONFIG);
    boolean jwks = !jwksFile.isBlank() || !jwksUrl.isBlank();
    KeyRing ring = KeyRing.empty();
    if (Files.exists(trusted)) {
      ring = KeyRing.read(trusted);
    } else if (!jwks) {
      throw new ConfigException(
          FabricConfig.TRUSTED_KEYS_CONFIG
              + ": key ring "
              + trusted
              + " does not exist (without a trusted issuer every plan is denied); create an issuer key and trust it: "
              + "fabric keys generate --key-id issuer-1 --out issuer.key --trust-in "
              + trusted
              + " (or configure "
              + FabricConfig.TRUSTED_JWKS_FILE_CONFIG
              + ")");
    }
    List<Jwks.Result> sets = new ArrayList<>();
    if (!jwksFile.isBlank()) {
      sets.add(Jwks.read(Path.of(jwksFile)));
    }
    if (!jwksUrl.isBlank()) {
      try {
        sets.add(Jwks.fetch(URI.create(jwksUrl).toURL(), 10_000));
      } catch (IOException | IllegalArgumentException e) {
        throw new IOException(FabricConfig.TRUSTED_JWKS_URL_CONFIG + ": " + e.getMessage(), e);
      }
    }
    for (Jwks.Result set : sets) {
      set.skipped().forEach(s -> LOG.warn("trusted issuers JWKS: {} (not trusted)", s));
      for (Map.Entry<String, byte[]> key : set.keys().entrySet()) {
        ring = ring.with(key.getKey(), key.getValue());
      }
    }
    if (ring.size() == 0) {
      throw new IOException(
          "no trusted token issuer key in "
              + FabricConfig.TRUSTED_KEYS_CONFIG
              + ", "
              + FabricConfig.TRUSTED_JWKS_FILE_CONFIG
              + " or "
              + FabricConfig.TRUSTED_JWKS_URL_CONFIG
              + "; every plan would be denied");
    }
    return ring;
  }

  /** Kafka Streams properties for this configuration. */
  public static Properties streamsProperties(FabricConfig cfg, StackEndpoints endpoints) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, cfg.getString(FabricConfig.APPLICATION_ID_CONFIG));
    // stable across restarts (not Kafka Streams' random process id), so client-id labels of metrics
    // and
    // broker-side quotas and logs keep naming the same instance
    p.put(StreamsConfig.CLIENT_ID_CONFIG, cfg.clientIdPrefix());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
    p.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        cfg.getString(FabricConfig.PROCESSING_GUARANTEE_CONFIG));
    p.put(
        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, cfg.getLong(FabricConfig.COMMIT_INTERVAL_CONFIG));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, cfg.getInt(FabricConfig.STREAM_THREADS_CONFIG));
    p.put(
        StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG,
        cfg.getInt(FabricConfig.STANDBY_REPLICAS_CONFIG));
    p.put(
        StreamsConfig.REPLICATION_FACTOR_CONFIG,
        (int) cfg.getShort(FabricConfig.TOPIC_REPLICATION_CONFIG));
    p.put(
        StreamsConfig.STATE_DIR_CONFIG, cfg.workDir().resolve("state").toAbsolutePath().toString());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 8 * 1024 * 1024);
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG),
        cfg.getString(FabricConfig.PRODUCER_COMPRESSION_CONFIG));
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        cfg.getInt(FabricConfig.SESSION_TIMEOUT_CONFIG));
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        cfg.getInt(FabricConfig.HEARTBEAT_INTERVAL_CONFIG));
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
        cfg.getInt(FabricConfig.TRANSACTION_TIMEOUT_CONFIG));
    p.put(
        StreamsConfig.MAX_WARMUP_REPLICAS_CONFIG, cfg.getInt(FabricConfig.WARMUP_REPLICAS_CONFIG));
    p.put(
        StreamsConfig.PROBING_REBALANCE_INTERVAL_MS_CONFIG,
        cfg.getLong(FabricConfig.PROBING_INTERVAL_CONFIG));
    // opt in now to what becomes the default in Kafka 5.0
    p.put("processing.exception.handler.global.enabled", true);
    return p;
  }

  /**
   * Settings of the sink connectors for this configuration. A secret that this process got from its
   * environment ({@code FABRIC_POSTGRES_PASSWORD}, {@code FABRIC_S3_SECRET_KEY}) is stored in the
   * Connect config topic as an {@code ${env:...}} reference; any other as {@code ${fabric:KEY}},
   * resolved from the worker's own properties. Both are the same text on every instance (see
   * SecretReferences).
   */
  public static SinkPipelineSettings sinkSettings(FabricConfig cfg, StackEndpoints ep) {
    return sinkSettings(cfg, ep, System.getenv());
  }

  static SinkPipelineSettings sinkSettings(
      FabricConfig cfg, StackEndpoints ep, Map<String, String> env) {
    Map<String, String> refs = new HashMap<>();
    envReference(env, FabricConfig.JDBC_PASSWORD_CONFIG, ep.jdbcPassword())
        .ifPresent(r -> refs.put(JdbcSettings.JDBC_PASSWORD_CONFIG, r));
    envReference(env, FabricConfig.S3_SECRET_KEY_CONFIG, ep.s3SecretKey())
        .ifPresent(r -> refs.put(EvidenceSinkConfig.S3_SECRET_KEY_CONFIG, r));
    return new SinkPipelineSettings(
        new SinkPipelineSettings.Kafka(
            ep.bootstrapServers(), cfg.topicDecisions(), cfg.topicEvidence()),
        new SinkPipelineSettings.Jdbc(ep.jdbcUrl(), ep.jdbcUser(), ep.jdbcPassword()),
        new SinkPipelineSettings.S3(
            ep.s3Endpoint(),
            ep.s3Region(),
            cfg.getString(FabricConfig.S3_BUCKET_CONFIG),
            ep.s3AccessKey(),
            ep.s3SecretKey()),
        new SinkPipelineSettings.Connect(
            cfg.getString(FabricConfig.SINK_GROUP_CONFIG),
            cfg.getInt(FabricConfig.SINK_TASKS_CONFIG),
            cfg.workDir().resolve("connect")),
        new SinkPipelineSettings.EvidenceLog(
            cfg.getString(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG),
            cfg.getString(FabricConfig.EVIDENCE_LOG_PREFIX_CONFIG),
            cfg.evidenceKeyFile(),
            Duration.ofMillis(cfg.getLong(FabricConfig.EVIDENCE_CHECKPOINT_INTERVAL_CONFIG))),
        refs);
  }

  /** {@code ${env:FABRIC_...}} if this process's environment holds exactly the value in use. */
  private static Optional<String> envReference(Map<String, String> env, String key, String value) {
    String name = FabricConfig.envName(key);
    return value != null && !value.isEmpty() && value.equals(env.get(name))
        ? Optional.of("${env:" + name + "}")
        : Optional.empty();
  }

  /** Completes when the topology first reaches RUNNING, or fails if it stops on the way. */
  private static final class StartWatch implements KafkaStreams.StateListener {
    private final CompletableFuture<Void> running = new CompletableFuture<>();

    @Override
    public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
      if (newState == KafkaStreams.State.RUNNING) {
        running.complete(null);
      } else if (newState == KafkaStreams.State.ERROR
          || newState == KafkaStreams.State.PENDING_SHUTDOWN
          || newState == KafkaStreams.State.NOT_RUNNING) {
        running.completeExceptionally(
            new IllegalStateException("the topology stopped while starting: " + newState));
      }
    }

    void await(Duration timeout) throws InterruptedException, TimeoutException {
      try {
        running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw (IllegalStateException) e.getCause();
      } catch (TimeoutException e) {
        throw new TimeoutException("the topology did not reach RUNNING within " + timeout);
      }
    }
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** This instance's caches and their metrics. */
  public HotTier hotTier() {
    return hotTier;
  }

  /**
   * The meter registry of this instance (Prometheus): every component of the instance registers its
   * meters here, and {@code /metrics} exposes them.
   */
  public MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** This instance's application meters and their Prometheus exposition. */
  public FabricMetrics metrics() {
    return metrics;
  }

  /** This instance's tracing (off unless tracing.otlp.endpoint is set). */
  public FabricTracing tracing() {
    return tracing;
  }

  /** Liveness and readiness from the Kafka Streams state. */
  public StreamsHealth health() {
    return health;
  }

  /** This instance's sinks (null when it runs without them). */
  public SinkPipeline sinks() {
    return sinks;
  }

  /**
   * The sink connectors' meters, once the sinks run (null otherwise): refresh to bind new tasks.
   */
  public ConnectSinkMetrics sinkMetrics() {
    return sinkMetrics;
  }

  /** The endpoints of the services this instance uses. */
  public StackEndpoints endpoints() {
    return endpoints;
  }

  /** The configuration this instance runs with. */
  public FabricConfig config() {
    return cfg;
  }

  /**
   * Stops the topology, then the sinks. Idempotent. The instance leaves the consumer group as it
   * stops (members are dynamic: without leaving, its partitions would wait for the session timeout
   * before another instance took them over).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // stop watching first: on the way down the servers going away is expected, not an outage to
    // report
    if (dependencies != null) {
      dependencies.close();
    }
    streams.close(
        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(30)));
    streamsMetrics.close();
    if (sinks != null) {
      sinks.close();
    }
    for (AutoCloseable c : probeClients) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("closing a dependency probe's client: {}", e.toString());
      }
    }
    hotTier.close();
    tracing.close();
  }
}
