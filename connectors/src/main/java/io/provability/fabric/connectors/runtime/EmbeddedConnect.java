package io.provability.fabric.connectors.runtime;

import io.provability.fabric.connectors.JdbcSettings;
import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConnector;
import io.provability.fabric.connectors.evidence.EvidenceSinkConfig;
import io.provability.fabric.connectors.evidence.EvidenceSinkConnector;
import io.provability.fabric.connectors.runtime.internal.SecretReferences;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.distributed.NotLeaderException;
import org.apache.kafka.connect.runtime.distributed.RebalanceNeededException;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect worker in this JVM running the sink connectors: the single-machine mode of the
 * sink pipeline, on the same code path operators run on a Connect cluster. Instances of the
 * application that share {@link SinkPipelineSettings#connectGroupId()} form one Connect group and
 * share the tasks.
 *
 * <p>{@link #start(SinkPipelineSettings)} starts a <em>distributed-mode</em> worker: its config,
 * offset and status topics ({@code <group>-configs}, {@code -offsets}, {@code -status}, replication
 * factor 1) are created on the broker first, the REST server listens on 127.0.0.1 and a free port,
 * and plugins are found by {@code plugin.discovery=service_load} (no classpath scan). Then, for
 * each connector ({@code <group>-decision-log-sink}, {@code <group>-evidence-sink}):
 *
 * <ul>
 *   <li>it is created if it does not exist;
 *   <li>if it exists, its stored configuration is compared with this instance's, and a difference
 *       fails the start with one line naming the keys ({@link ConnectorConfigs}): an instance never
 *       overwrites the configuration every other instance's tasks run with;
 *   <li>secrets are stored as config-provider references, never as values ({@link
 *       SecretReferences}): the worker is configured with Kafka's {@code env}, {@code file} and
 *       {@code directory} providers.
 * </ul>
 *
 * A {@link SinkTaskSupervisor} then restarts this worker's FAILED tasks with backoff. Record-level
 * failures go to the dead-letter topics {@code <topic>.sink-dlq}. {@link #close()} stops the
 * worker; committed offsets stay in the broker, so the next start with the same group resumes where
 * this one stopped.
 *
 * <p>Hazards a caller must know: Kafka Connect ends the JVM ({@code Exit.exit}) when its herder
 * thread dies of an unexpected error, e.g. when the internal topics become unusable; the pre-flight
 * topic creation makes that unlikely at start but cannot rule it out later. Applications that must
 * never exit this way can install {@code
 * org.apache.kafka.common.utils.internals.Exit.setExitProcedure}. Connect also registers a JVM
 * shutdown hook per started worker, which stays registered (and does nothing) after {@link
 * #close()}.
 */
public final class EmbeddedConnect implements AutoCloseable {

  /** Default budget for {@link #start(SinkPipelineSettings)}. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);

  /** Partitions of the worker's offset topic (offsets of two connectors need few). */
  static final int OFFSET_TOPIC_PARTITIONS = 5;

  /** Worker {@code offset.flush.interval.ms}: the seed's "flush every 10 s". */
  public static final long OFFSET_FLUSH_INTERVAL_MS = 10_000;

  /**
   * Worker {@code consumer.fetch.max.wait.ms}: the longest a fetch waits for more records before
   * handing over what it has (Kafka's default, well inside the seed's "at most 5 s wait").
   */
  public static final long FETCH_MAX_WAIT_MS = 500;

  /**
   * Worker {@code consumer.fetch.min.bytes}: a fetch waits (up to {@link #FETCH_MAX_WAIT_MS}) until
   * this much is there, so that each {@code put()} -- one PostgreSQL transaction -- carries
   * hundreds of rows, not the handful one 20 ms exactly-once commit makes visible. Measured at
   * 1,000 decisions/s: with 1 byte (Kafka's default) PostgreSQL spent 120 CPU-µs per decision.
   */
  public static final int FETCH_MIN_BYTES = 64 * 1024;

  /** {@code pool.min.idle} of each embedded task (the connector default is the seed's 10). */
  public static final int EMBEDDED_POOL_MIN_IDLE = 1;

  /** {@code pool.max.size} of each embedded task (the connector default is the seed's 100). */
  public static final int EMBEDDED_POOL_MAX_SIZE = 4;

  /** How often the supervisor reads the tasks' states. */
  public static final Duration SUPERVISE_INTERVAL = Duration.ofSeconds(2);

  /** The supervisor's first wait before restarting a FAILED task; doubled after each restart. */
  public static final Duration RESTART_FIRST_DELAY = Duration.ofSeconds(2);

  /** The supervisor's longest wait between two restarts of one task. */
  public static final Duration RESTART_MAX_DELAY = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedConnect.class);

  /**
   * One connector this worker declares.
   *
   * @param name connector name
   * @param connectorClass its class (its {@code config()} says which keys are secret)
   * @param config its configuration, secrets already replaced by references
   */
  public record ConnectorSpec(
      String name, Class<? extends Connector> connectorClass, Map<String, String> config) {}

  private final SinkPipelineSettings settings;
  private final Connect<DistributedHerder> connect;
  private final String decisionConnector;
  private final String evidenceConnector;
  private final SinkTaskSupervisor supervisor;
  private final ScheduledExecutorService supervision;

  private EmbeddedConnect(SinkPipelineSettings settings, Connect<DistributedHerder> connect) {
    this.settings = settings;
    this.connect = connect;
    this.decisionConnector = decisionConnectorName(settings);
    this.evidenceConnector = evidenceConnectorName(settings);
    URI rest = connect.rest().advertisedUrl();
    this.supervisor =
        new SinkTaskSupervisor(
            SinkTaskSupervisor.of(connect.herder()),
            Set.of(decisionConnector, evidenceConnector),
            rest.getHost() + ":" + rest.getPort(),
            RESTART_FIRST_DELAY,
            RESTART_MAX_DELAY,
            Clock.systemUTC());
    this.supervision =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fabric-sink-supervisor-" + settings.connectGroupId());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the worker and both connectors, within {@link #DEFAULT_START_TIMEOUT}.
   *
   * @param settings the pipeline settings
   * @return a running worker whose tasks are all RUNNING
   * @throws IllegalStateException when the broker is unreachable, a connector is rejected or a task
   *     fails to start (the message carries Connect's error)
   */
  public static EmbeddedConnect start(SinkPipelineSettings settings) {
    return start(settings, DEFAULT_START_TIMEOUT);
  }

  /**
   * Starts the worker and both connectors.
   *
   * @param settings the pipeline settings
   * @param timeout how long to wait for the broker, the worker and the tasks together
   * @return a running worker whose tasks are all RUNNING
   * @throws IllegalStateException when anything does not come up in time; nothing is left running
   */
  public static EmbeddedConnect start(SinkPipelineSettings settings, Duration timeout) {
    return start(settings, timeout, Map.of());
  }

  /**
   * Starts the worker and both connectors, with extra properties for the decision-log connector
   * (for example {@code batch.size} or {@code write.mode}; a benchmark comparing configurations).
   *
   * @param settings the pipeline settings
   * @param timeout how long to wait for the broker, the worker and the tasks together
   * @param decisionLogOverrides connector properties that replace or extend the embedded defaults;
   *     Connect validates them like any other connector config
   * @return a running worker whose tasks are all RUNNING
   * @throws IllegalStateException when anything does not come up in time; nothing is left running
   */
  public static EmbeddedConnect start(
      SinkPipelineSettings settings, Duration timeout, Map<String, String> decisionLogOverrides) {
    return start(settings, timeout, decisionLogOverrides, true);
  }

  /**
   * Starts the worker and creates the missing connectors.
   *
   * @param settings the pipeline settings
   * @param timeout how long to wait for the broker, the worker (and the tasks) together
   * @param decisionLogOverrides connector properties that replace or extend the embedded defaults
   * @param awaitTasks true: return once every task is RUNNING (FAILED ones are restarted
   *     meanwhile); false: return once the connectors exist, and let health tell the tasks' state
   * @return a running worker
   * @throws ConnectorConflictException when a connector exists with another configuration; nothing
   *     is left running
   * @throws IllegalStateException when anything does not come up in time; nothing is left running
   */
  public static EmbeddedConnect start(
      SinkPipelineSettings settings,
      Duration timeout,
      Map<String, String> decisionLogOverrides,
      boolean awaitTasks) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(decisionLogOverrides, "decisionLogOverrides");
    List<ConnectorSpec> specs = connectorSpecs(settings, decisionLogOverrides);
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    ensureSigningKey(settings.evidenceLog().signingKeyFile());
    createInternalTopics(settings, timeout);

    Connect<DistributedHerder> connect;
    Thread current = Thread.currentThread();
    ClassLoader caller = current.getContextClassLoader();
    try {
      connect = new ConnectDistributed().startConnect(workerProps(settings));
    } finally {
      // startConnect leaves Connect's delegating class loader installed on the calling thread
      current.setContextClassLoader(caller);
    }
    EmbeddedConnect worker = new EmbeddedConnect(settings, connect);
    try {
      for (ConnectorSpec spec : specs) {
        worker.ensureConnector(spec, deadline);
      }
      worker.supervision.scheduleWithFixedDelay(
          worker::superviseQuietly, 0, SUPERVISE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      if (awaitTasks) {
        for (ConnectorSpec spec : specs) {
          worker.awaitRunning(spec.name(), deadline);
        }
      }
    } catch (RuntimeException e) {
      worker.close();
      throw e;
    }
    LOG.info(
        "Connect worker {} ({}) joined; connectors {} ({} task(s) each) in {} ms; REST at {}",
        settings.connectGroupId(),
        worker.workerId(),
        specs.stream().map(ConnectorSpec::name).toList(),
        settings.connect().tasksMax(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        worker.restUrl());
    return worker;
  }

  /**
   * The connectors a pipeline declares, with secrets replaced by references (a secret without a
   * declared reference becomes {@code ${fabric:KEY}}, resolved from the worker's own properties).
   */
  public static List<ConnectorSpec> connectorSpecs(
      SinkPipelineSettings settings, Map<String, String> decisionLogOverrides) {
    SecretReferences secrets = new SecretReferences(settings.secretReferences());
    Map<String, String> decisionConfig = decisionConnectorConfig(settings);
    decisionConfig.putAll(decisionLogOverrides);
    return List.of(
        spec(
            decisionConnectorName(settings),
            DecisionLogSinkConnector.class,
            decisionConfig,
            secrets),
        spec(
            evidenceConnectorName(settings),
            EvidenceSinkConnector.class,
            evidenceConnectorConfig(settings),
            secrets));
  }

  private static ConnectorSpec spec(
      String name,
      Class<? extends Connector> type,
      Map<String, String> config,
      SecretReferences secrets) {
    Map<String, String> withName = new HashMap<>(secrets.apply(type, config));
    withName.put(ConnectorConfig.NAME_CONFIG, name);
    return new ConnectorSpec(name, type, Map.copyOf(withName));
  }

  /**
   * @return this worker's id in the group's status topic ({@code host:port} of its REST API)
   */
  public String workerId() {
    URI rest = connect.rest().advertisedUrl();
    return rest.getHost() + ":" + rest.getPort();
  }

  /**
   * @param connector a connector name
   * @return its configuration as the config topic holds it (references, not secrets), or null
   */
  public Map<String, String> storedConfig(String connector) {
    return storedConfig(connector, System.nanoTime() + Duration.ofSeconds(30).toNanos());
  }

  /**
   * @return the supervisor of this worker's tasks: their states, restarts and failures
   */
  public SinkTaskSupervisor supervisor() {
    return supervisor;
  }

  /**
   * @return the worker's REST endpoint (status, restarts)
   */
  public URI restUrl() {
    return connect.rest().advertisedUrl();
  }

  /**
   * @return the name of the decision-log connector
   */
  public String decisionLogConnector() {
    return decisionConnector;
  }

  /**
   * @return the name of the evidence connector
   */
  public String evidenceConnector() {
    return evidenceConnector;
  }

  /**
   * @return the settings this worker runs with
   */
  public SinkPipelineSettings settings() {
    return settings;
  }

  /**
   * @param connector a connector name
   * @return its current status as the herder sees it (connector and task states, with traces of
   *     failures)
   */
  public ConnectorStateInfo status(String connector) {
    return connect.herder().connectorStatus(connector);
  }

  /**
   * @return the herder, for operations this class does not wrap (restarts, offsets)
   */
  public Herder herder() {
    return connect.herder();
  }

  /** Stops the tasks (each commits its offsets), the herder and the REST server. */
  @Override
  public void close() {
    long t0 = System.nanoTime();
    supervision.shutdownNow();
    connect.stop();
    LOG.info(
        "Connect worker {} stopped in {} ms",
        settings.connectGroupId(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  static String decisionConnectorName(SinkPipelineSettings s) {
    return s.connectGroupId() + "-decision-log-sink";
  }

  static String evidenceConnectorName(SinkPipelineSettings s) {
    return s.connectGroupId() + "-evidence-sink";
  }

  static Map<String, String> workerProps(SinkPipelineSettings s) {
    Map<String, String> p = new HashMap<>();
    // secrets reach tasks as ${env:...} / ${file:...} / ${directory:...} / ${fabric:...}
    // references,
    // resolved by the worker that runs the task: the config topic never holds a value
    SecretReferences.configureWorker(
        p,
        Map.of(
            JdbcSettings.JDBC_PASSWORD_CONFIG,
            s.jdbc().password(),
            EvidenceSinkConfig.S3_SECRET_KEY_CONFIG,
            s.s3().secretKey()));
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, s.kafka().bootstrapServers());
    p.put(DistributedConfig.GROUP_ID_CONFIG, s.connectGroupId());
    p.put(DistributedConfig.CONFIG_TOPIC_CONFIG, configTopic(s));
    p.put(DistributedConfig.OFFSET_STORAGE_TOPIC_CONFIG, offsetTopic(s));
    p.put(DistributedConfig.STATUS_STORAGE_TOPIC_CONFIG, statusTopic(s));
    p.put(DistributedConfig.CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
    p.put(DistributedConfig.OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
    p.put(DistributedConfig.STATUS_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
    p.put(
        DistributedConfig.OFFSET_STORAGE_PARTITIONS_CONFIG,
        Integer.toString(OFFSET_TOPIC_PARTITIONS));
    p.put(DistributedConfig.STATUS_STORAGE_PARTITIONS_CONFIG, "1");
    p.put(WorkerConfig.KEY_CONVERTER_CLASS_CONFIG, ByteArrayConverter.class.getName());
    p.put(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG, ByteArrayConverter.class.getName());
    p.put("listeners", "http://127.0.0.1:0");
    p.put("rest.advertised.host.name", "127.0.0.1");
    // find plugins through META-INF/services instead of scanning the classpath (seconds and memory)
    p.put(WorkerConfig.PLUGIN_DISCOVERY_CONFIG, "service_load");
    // the seed's "flush every 10 s": data is durable when put() returns, so this only bounds how
    // much
    // is redelivered (and skipped as duplicates) after a crash
    p.put(WorkerConfig.OFFSET_COMMIT_INTERVAL_MS_CONFIG, Long.toString(OFFSET_FLUSH_INTERVAL_MS));
    // the seed's "at most 5 s wait" bounds how long a decision may sit before it is written: the
    // consumer returns what it has after at most this long, and put() writes it at once
    p.put("consumer." + ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Long.toString(FETCH_MAX_WAIT_MS));
    p.put("consumer." + ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(FETCH_MIN_BYTES));
    // decisions and bundles of an aborted exactly-once transaction (an instance killed mid-commit)
    // must
    // never reach the log or the store: the replayed, committed ones will
    p.put("consumer." + ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // a worker that leaves (SIGKILL, a failed host) gives its tasks back after the session timeout
    // and
    // this delay; 0: at once to the workers still there, rather than holding them for its return
    p.put(DistributedConfig.SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG, "0");
    p.put(DistributedConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    p.put(DistributedConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    p.put(WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG, "10000");
    return p;
  }

  static Map<String, String> decisionConnectorConfig(SinkPipelineSettings s) {
    Map<String, String> c =
        commonConnectorConfig(
            s, DecisionLogSinkConnector.class.getName(), s.kafka().decisionsTopic());
    jdbc(c, s);
    return c;
  }

  static Map<String, String> evidenceConnectorConfig(SinkPipelineSettings s) {
    Map<String, String> c =
        commonConnectorConfig(s, EvidenceSinkConnector.class.getName(), s.kafka().evidenceTopic());
    jdbc(c, s);
    c.put(EvidenceSinkConfig.S3_ENDPOINT_CONFIG, s.s3().endpoint());
    c.put(EvidenceSinkConfig.S3_REGION_CONFIG, s.s3().region());
    c.put(EvidenceSinkConfig.S3_BUCKET_CONFIG, s.s3().bucket());
    c.put(EvidenceSinkConfig.S3_ACCESS_KEY_CONFIG, s.s3().accessKey());
    c.put(EvidenceSinkConfig.S3_SECRET_KEY_CONFIG, s.s3().secretKey());
    c.put(EvidenceSinkConfig.S3_PATH_STYLE_CONFIG, "true");
    c.put(EvidenceSinkConfig.LOG_ORIGIN_CONFIG, s.evidenceLog().origin());
    c.put(EvidenceSinkConfig.LOG_PREFIX_CONFIG, s.evidenceLog().s3Prefix());
    c.put(
        EvidenceSinkConfig.LOG_SIGNING_KEY_FILE_CONFIG,
        s.evidenceLog().signingKeyFile().toAbsolutePath().toString());
    c.put(
        EvidenceSinkConfig.CHECKPOINT_INTERVAL_MS_CONFIG,
        Long.toString(s.evidenceLog().checkpointInterval().toMillis()));
    return c;
  }

  /**
   * Creates the evidence log signing key when it does not exist (one machine: the worker and the
   * application share the work directory), as {@code key-id=base64(seed)}, readable by the owner
   * only.
   */
  static void ensureSigningKey(Path file) {
    if (Files.exists(file)) {
      return;
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      byte[] seed = new byte[32];
      new SecureRandom().nextBytes(seed);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, "evidence-1=" + Base64.getEncoder().encodeToString(seed) + "\n");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException nonPosix) {
        // best effort on file systems without POSIX permissions
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException raced) {
      // another starter wrote it first: use theirs
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot create the evidence log signing key " + file + ": " + e.getMessage(), e);
    }
  }

  /** The dead-letter topic of a sink's input topic. */
  public static String deadLetterTopic(String topic) {
    return topic + ".sink-dlq";
  }

  private static Map<String, String> commonConnectorConfig(
      SinkPipelineSettings s, String connectorClass, String topic) {
    Map<String, String> c = new HashMap<>();
    c.put(ConnectorConfig.CONNECTOR_CLASS_CONFIG, connectorClass);
    c.put(ConnectorConfig.TASKS_MAX_CONFIG, Integer.toString(s.connect().tasksMax()));
    c.put(SinkConnectorConfig.TOPICS_CONFIG, topic);
    c.put(ConnectorConfig.KEY_CONVERTER_CLASS_CONFIG, ByteArrayConverter.class.getName());
    c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG, ByteArrayConverter.class.getName());
    c.put(ConnectorConfig.ERRORS_TOLERANCE_CONFIG, "all");
    c.put(ConnectorConfig.ERRORS_LOG_ENABLE_CONFIG, "true");
    c.put(SinkConnectorConfig.DLQ_TOPIC_NAME_CONFIG, deadLetterTopic(topic));
    c.put(SinkConnectorConfig.DLQ_TOPIC_REPLICATION_FACTOR_CONFIG, "1");
    c.put(SinkConnectorConfig.DLQ_CONTEXT_HEADERS_ENABLE_CONFIG, "true");
    return c;
  }

  private static void jdbc(Map<String, String> c, SinkPipelineSettings s) {
    c.put(JdbcSettings.JDBC_URL_CONFIG, s.jdbc().url());
    c.put(JdbcSettings.JDBC_USER_CONFIG, s.jdbc().user());
    c.put(JdbcSettings.JDBC_PASSWORD_CONFIG, s.jdbc().password());
    // one machine, one PostgreSQL shared with the application: the seed's 10 idle / 100 max per
    // task
    // would hold connections nobody uses (a task writes one batch at a time)
    c.put(JdbcSettings.POOL_MIN_IDLE_CONFIG, Integer.toString(EMBEDDED_POOL_MIN_IDLE));
    c.put(JdbcSettings.POOL_MAX_SIZE_CONFIG, Integer.toString(EMBEDDED_POOL_MAX_SIZE));
  }

  private static String configTopic(SinkPipelineSettings s) {
    return s.connectGroupId() + "-configs";
  }

  private static String offsetTopic(SinkPipelineSettings s) {
    return s.connectGroupId() + "-offsets";
  }

  private static String statusTopic(SinkPipelineSettings s) {
    return s.connectGroupId() + "-status";
  }

  /**
   * Creates the worker's internal topics (compacted, replication factor 1) unless they exist. Doing
   * it here, with a deadline, turns an unreachable broker into an exception for the caller instead
   * of a failure inside Connect's herder thread, which would end the JVM.
   */
  private static void createInternalTopics(SinkPipelineSettings s, Duration timeout) {
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1_000, timeout.toMillis()));
    Map<String, Object> props =
        Map.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, s.kafka().bootstrapServers(),
            CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
            // the Admin client refuses a request timeout above the API timeout
            CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Math.min(15_000, timeoutMs));
    Map<String, String> compact =
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    List<NewTopic> topics =
        List.of(
            new NewTopic(configTopic(s), 1, (short) 1).configs(compact),
            new NewTopic(offsetTopic(s), OFFSET_TOPIC_PARTITIONS, (short) 1).configs(compact),
            new NewTopic(statusTopic(s), 1, (short) 1).configs(compact));
    try (Admin admin = Admin.create(props)) {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
      if (missing.isEmpty()) {
        return;
      }
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "cannot prepare the Connect worker's topics on "
              + s.kafka().bootstrapServers()
              + ": "
              + cause,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the Connect worker's topics", e);
    }
  }

  /**
   * Creates {@code spec}'s connector if it does not exist; otherwise checks that the stored config
   * is this instance's. Never replaces a stored config.
   */
  private void ensureConnector(ConnectorSpec spec, long deadline) {
    Set<String> secretKeys = SecretReferences.secretKeys(spec.connectorClass());
    while (true) {
      Map<String, String> stored = storedConfig(spec.name(), deadline);
      if (stored != null) {
        List<ConnectorConfigs.Drift> drift =
            ConnectorConfigs.compare(spec.name(), stored, spec.config(), secretKeys);
        if (!drift.isEmpty()) {
          throw new ConnectorConflictException(
              ConnectorConfigs.describe(spec.name(), drift), drift);
        }
        return;
      }
      if (create(spec, deadline)) {
        LOG.info("created connector {}", spec.name());
        return;
      }
      // another instance created it at the same moment, or the group was rebalancing: read it again
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "connector "
                + spec.name()
                + " was not created in time (is the "
                + "worker's group "
                + settings.connectGroupId()
                + " able to join on "
                + settings.kafka().bootstrapServers()
                + "?)");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
    }
  }

  /** The stored config of a connector (with references as stored), or null if it does not exist. */
  private Map<String, String> storedConfig(String name, long deadline) {
    while (true) {
      FutureCallback<Map<String, String>> done = new FutureCallback<>();
      connect.herder().connectorConfig(name, done);
      try {
        return done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof NotFoundException) {
          return null;
        }
        if (!(e.getCause() instanceof RebalanceNeededException) || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "cannot read the configuration of connector "
                  + name
                  + ": "
                  + e.getCause().getMessage(),
              e.getCause());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "the configuration of connector "
                + name
                + " could not be read in "
                + "time (is the worker's group "
                + settings.connectGroupId()
                + " able to join on "
                + settings.kafka().bootstrapServers()
                + "?)",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading connector " + name, e);
      }
    }
  }

  /**
   * Creates a connector that did not exist; false when it exists by now or the group is
   * rebalancing.
   */
  private boolean create(ConnectorSpec spec, long deadline) {
    FutureCallback<Herder.Created<ConnectorInfo>> done = new FutureCallback<>();
    connect.herder().putConnectorConfig(spec.name(), spec.config(), false, done);
    try {
      done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof NotLeaderException) {
        // another instance's worker leads the group: only it writes connector configs, and the
        // REST API forwards there
        return createThroughRest(spec, deadline);
      }
      if (cause instanceof AlreadyExistsException || cause instanceof RebalanceNeededException) {
        return false;
      }
      throw new IllegalStateException(
          "Connect rejected connector " + spec.name() + ": " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "connector "
              + spec.name()
              + " was not created in time (is the worker's "
              + "group "
              + settings.connectGroupId()
              + " able to join on "
              + settings.kafka().bootstrapServers()
              + "?)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating connector " + spec.name(), e);
    }
  }

  private boolean createThroughRest(ConnectorSpec spec, long deadline) {
    StringBuilder json =
        new StringBuilder("{\"name\":").append(jsonString(spec.name())).append(",\"config\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : spec.config().entrySet()) {
      json.append(first ? "" : ",")
          .append(jsonString(e.getKey()))
          .append(':')
          .append(jsonString(e.getValue()));
      first = false;
    }
    json.append("}}");
    URI uri = restUrl().resolve("/connectors");
    HttpClient http = HttpClient.newHttpClient();
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime())))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(json.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 == 2) {
        return true;
      }
      // 409: it exists by now, or the group is rebalancing (an instance joined or left)
      if (response.statusCode() == 409) {
        return false;
      }
      throw new IllegalStateException(
          "Connect rejected connector "
              + spec.name()
              + " (through the REST API, "
              + "HTTP "
              + response.statusCode()
              + "): "
              + response.body());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot reach this worker's REST API at " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating connector " + spec.name(), e);
    }
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private void superviseQuietly() {
    try {
      supervisor.check();
    } catch (RuntimeException | LinkageError e) {
      // the herder is stopping or rebalancing: the next round reads again. Never let it escape: a
      // scheduled task that throws is silently never run again
      LOG.warn(
          "sink task supervision round failed (the next one runs in {} s): {}",
          SUPERVISE_INTERVAL.toSeconds(),
          e.toString());
    }
  }

  /**
   * Waits until every task of the named connector is RUNNING.
   *
   * @throws IllegalStateException at the deadline, with the last status seen
   */
  public void awaitRunning(String name, Duration timeout) {
    awaitRunning(name, System.nanoTime() + timeout.toNanos());
  }

  private void awaitRunning(String name, long deadline) {
    String last = "no status yet";
    while (System.nanoTime() < deadline) {
      try {
        ConnectorStateInfo info = connect.herder().connectorStatus(name);
        List<ConnectorStateInfo.TaskState> tasks = info.tasks();
        // a FAILED task is not the end: the supervisor restarts it with backoff
        if ("RUNNING".equals(info.connector().state())
            && tasks.size() == settings.connect().tasksMax()
            && tasks.stream().allMatch(t -> "RUNNING".equals(t.state()))) {
          return;
        }
        last =
            "connector "
                + info.connector().state()
                + ", tasks "
                + tasks.stream()
                    .map(
                        t ->
                            t.id()
                                + "="
                                + t.state()
                                + ("FAILED".equals(t.state())
                                    ? " (" + SinkTaskSupervisor.firstLine(t.trace()) + ")"
                                    : ""))
                    .toList();
      } catch (NotFoundException e) {
        last = "not known to the herder yet";
      }
      // status is written asynchronously by the worker; poll it briefly
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    throw new IllegalStateException(
        "connector " + name + " did not reach RUNNING in time; last status: " + last);
  }
}
