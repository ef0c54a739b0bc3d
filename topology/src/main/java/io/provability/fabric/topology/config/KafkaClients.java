package io.provability.fabric.topology.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The one place that says how this product's Kafka clients (admin clients, consumers, producers
 * outside Kafka Streams) are configured: which cluster, how they are named, and the rules every
 * client of a kind follows. Each method returns fresh, mutable {@link Properties}; a caller adds
 * only what is its own (timeouts, batch sizes, poll limits) and passes them with its serdes to
 * {@code Admin.create}, {@code new KafkaConsumer} or {@code new KafkaProducer}.
 *
 * <p>Client ids are {@code <prefix>-<purpose>}: for a running instance the prefix is {@link
 * FabricConfig#clientIdPrefix()} (stable across restarts, so broker logs, quotas and the client-id
 * labels of metrics keep naming the same instance); for the command-line tools and the load
 * generator, which have no instance, it is {@value #DEFAULT_PREFIX}. The methods without a purpose
 * set no client id: Kafka names such a client itself ({@code adminclient-1}, ...).
 *
 * <p>FabricConfig declares no Kafka security settings, so none are set here; the day it does, this
 * class is where they go.
 */
public final class KafkaClients {
  /** The client id prefix of clients that do not belong to a running instance. */
  public static final String DEFAULT_PREFIX = "fabric";

  private final String bootstrapServers;
  private final String clientIdPrefix;

  private KafkaClients(String bootstrapServers, String clientIdPrefix) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.clientIdPrefix = Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
  }

  /**
   * The clients of the instance configured by {@code cfg}, against {@code bootstrapServers}: pass
   * {@link StackEndpoints#bootstrapServers()}, not {@value FabricConfig#BOOTSTRAP_CONFIG} (in
   * embedded mode the broker's address is known only once it has started).
   */
  public static KafkaClients of(FabricConfig cfg, String bootstrapServers) {
    return new KafkaClients(bootstrapServers, cfg.clientIdPrefix());
  }

  /** Clients of {@code bootstrapServers} named {@value #DEFAULT_PREFIX}{@code -<purpose>}. */
  public static KafkaClients forBootstrap(String bootstrapServers) {
    return new KafkaClients(bootstrapServers, DEFAULT_PREFIX);
  }

  /** Clients of {@code bootstrapServers} named {@code <clientIdPrefix>-<purpose>}. */
  public static KafkaClients forBootstrap(String bootstrapServers, String clientIdPrefix) {
    return new KafkaClients(bootstrapServers, clientIdPrefix);
  }

  /** The cluster these clients connect to. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The client id of the client for {@code purpose}: {@code <prefix>-<purpose>}. */
  public String clientId(String purpose) {
    return clientIdPrefix + "-" + Objects.requireNonNull(purpose, "purpose");
  }

  /** An admin client named {@code <prefix>-<purpose>}. */
  public Properties admin(String purpose) {
    return settings(purpose);
  }

  /** An admin client that Kafka names itself. */
  public Properties admin() {
    return settings(null);
  }

  /**
   * An admin client for a probe that must answer within {@code timeout}: every request and every
   * API call gives up after it, instead of Kafka's 30 s and 60 s, so a dead broker is reported in
   * time.
   */
  public Properties probeAdmin(String purpose, Duration timeout) {
    int ms = (int) timeout.toMillis();
    return settings(
        purpose,
        Map.of(
            CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG,
            ms,
            CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
            ms));
  }

  /** {@link #probeAdmin(String, Duration)} that Kafka names itself. */
  public Properties probeAdmin(Duration timeout) {
    return probeAdmin(null, timeout);
  }

  /**
   * A consumer of what the topology (or any transactional producer) wrote: {@code
   * isolation.level=read_committed}. The topology writes under exactly-once, in transactions; a
   * reader that saw uncommitted records would see decisions, evidence and changelog entries of
   * transactions that are later aborted (and written again by the retry), and records of open
   * transactions it cannot know the fate of. Offsets are never committed ({@code
   * enable.auto.commit=false}): these readers assign partitions themselves and join no group.
   */
  public Properties committedReader(String purpose) {
    return settings(
        purpose, READER, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
  }

  /** {@link #committedReader(String)} that Kafka names itself. */
  public Properties committedReader() {
    return committedReader(null);
  }

  /**
   * A consumer of every record a log holds, those of aborted and still open transactions included
   * ({@code isolation.level=read_uncommitted}, Kafka's default said out loud): to count what a
   * broker stored, or to read a topic that its writers do not write in transactions (the requests
   * topic), without waiting for the last stable offset. Never for what the topology wrote as its
   * output: use {@link #committedReader(String)}. Offsets are never committed.
   */
  public Properties uncommittedReader(String purpose) {
    return settings(
        purpose, READER, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"));
  }

  /**
   * A producer whose acknowledged records are durable and written once: {@code acks=all} (an
   * acknowledged record survives the loss of its partition leader) and {@code
   * enable.idempotence=true} (a send retried after a lost acknowledgement is not written twice).
   */
  public Properties producer(String purpose) {
    return settings(purpose, PRODUCER);
  }

  /** {@link #producer(String)} that Kafka names itself. */
  public Properties producer() {
    return producer(null);
  }

  /**
   * A {@link #producer(String)} for many small records: it waits up to {@code lingerMs} to fill a
   * batch and compresses batches with lz4 (the topology's own default compression), trading as much
   * latency for fewer, smaller requests.
   */
  public Properties batchingProducer(String purpose, int lingerMs) {
    return settings(
        purpose,
        PRODUCER,
        Map.of(
            ProducerConfig.LINGER_MS_CONFIG,
            lingerMs,
            ProducerConfig.COMPRESSION_TYPE_CONFIG,
            "lz4"));
  }

  /** {@link #batchingProducer(String, int)} that Kafka names itself. */
  public Properties batchingProducer(int lingerMs) {
    return batchingProducer(null, lingerMs);
  }

  /** Consumers: no group offsets are committed. */
  private static final Map<String, Object> READER =
      Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);

  /** Producers: durable, written once. */
  private static final Map<String, Object> PRODUCER =
      Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);

  /**
   * The cluster, the client id {@code <prefix>-<purpose>} (none when {@code purpose} is null), then
   * {@code rules} in order.
   */
  @SafeVarargs
  private Properties settings(String purpose, Map<String, ?>... rules) {
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    if (purpose != null) {
      p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(purpose));
    }
    for (Map<String, ?> r : rules) {
      p.putAll(r);
    }
    return p;
  }
}
