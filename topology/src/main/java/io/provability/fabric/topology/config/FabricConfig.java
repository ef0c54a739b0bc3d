package io.provability.fabric.topology.config;

import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.LabelClearances;
import io.provability.fabric.processors.retrieval.PrivacyBudget;
import io.provability.fabric.schemas.serde.WireFormat;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The application's configuration: every key declared once with its documentation, default and
 * validator; parsed and validated once at start-up; immutable afterwards. Passwords are {@link
 * Password}s and never appear in logs.
 *
 * <p>Sources, later ones winning: built-in defaults, a properties file, environment variables
 * ({@code FABRIC_} + the key in upper case with dots as underscores, e.g. {@code
 * FABRIC_KAFKA_BOOTSTRAP_SERVERS}), then explicit overrides (command-line options).
 */
public final class FabricConfig extends AbstractConfig {
  public static final String MODE_CONFIG = "fabric.mode";
  private static final String MODE_DOC =
      "embedded: start a KRaft broker, PostgreSQL, Redis and an S3 server in this "
          + "JVM on loopback; external: use the endpoints below.";
  public static final String WORK_DIR_CONFIG = "fabric.work.dir";
  private static final String WORK_DIR_DOC =
      "Directory for state stores, keys and embedded service data.";

  public static final String BOOTSTRAP_CONFIG = "kafka.bootstrap.servers";
  public static final String JDBC_URL_CONFIG = "postgres.jdbc.url";
  public static final String JDBC_USER_CONFIG = "postgres.user";
  public static final String JDBC_PASSWORD_CONFIG = "postgres.password";
  public static final String REDIS_URI_CONFIG = "redis.uri";
  public static final String S3_ENDPOINT_CONFIG = "s3.endpoint";
  public static final String S3_REGION_CONFIG = "s3.region";
  public static final String S3_ACCESS_KEY_CONFIG = "s3.access.key";
  public static final String S3_SECRET_KEY_CONFIG = "s3.secret.key";
  public static final String S3_BUCKET_CONFIG = "s3.bucket";

  public static final String APPLICATION_ID_CONFIG = "streams.application.id";
  public static final String STREAM_THREADS_CONFIG = "streams.threads";
  public static final String PROCESSING_GUARANTEE_CONFIG = "streams.processing.guarantee";
  public static final String COMMIT_INTERVAL_CONFIG = "streams.commit.interval.ms";
  public static final String WARMUP_REQUESTS_CONFIG = "warmup.requests";
  public static final String WARMUP_MAX_MS_CONFIG = "warmup.max.ms";
  public static final String SESSION_TIMEOUT_CONFIG = "streams.session.timeout.ms";
  public static final String PRODUCER_COMPRESSION_CONFIG = "streams.producer.compression.type";
  public static final String HEARTBEAT_INTERVAL_CONFIG = "streams.heartbeat.interval.ms";
  public static final String TRANSACTION_TIMEOUT_CONFIG = "streams.transaction.timeout.ms";
  public static final String WARMUP_REPLICAS_CONFIG = "streams.max.warmup.replicas";
  public static final String PROBING_INTERVAL_CONFIG = "streams.probing.rebalance.interval.ms";

  public static final String TOPIC_REQUESTS_CONFIG = "topic.requests";
  public static final String TOPIC_DECISIONS_CONFIG = "topic.decisions";
  public static final String TOPIC_EVIDENCE_CONFIG = "topic.evidence";
  public static final String TOPIC_DEAD_LETTER_CONFIG = "topic.dead.letter";
  public static final String TOPIC_POLICY_STATE_CONFIG = "topic.policy.state";
  public static final String TOPIC_PARTITIONS_CONFIG = "topics.partitions";
  public static final String TOPIC_REPLICATION_CONFIG = "topics.replication.factor";

  public static final String DEDUP_WINDOW_CONFIG = "decisions.dedup.window.ms";
  public static final String EVIDENCE_LOG_ORIGIN_CONFIG = "evidence.log.origin";
  public static final String EVIDENCE_LOG_PREFIX_CONFIG = "evidence.log.s3.prefix";
  public static final String EVIDENCE_CHECKPOINT_INTERVAL_CONFIG =
      "evidence.checkpoint.interval.ms";

  public static final String TRUSTED_KEYS_CONFIG = "kernel.trusted.keys.file";
  public static final String TRUSTED_JWKS_FILE_CONFIG = "kernel.trusted.jwks.file";
  public static final String TRUSTED_JWKS_URL_CONFIG = "kernel.trusted.jwks.url";
  public static final String EVIDENCE_KEY_CONFIG = "evidence.signing.key.file";
  public static final String RECEIPT_KEYS_CONFIG = "kernel.receipt.keys.file";
  public static final String KERNEL_MAX_BUDGET_CONFIG = "kernel.max.budget";
  public static final String KERNEL_MAX_EPSILON_CONFIG = "kernel.max.dp.epsilon";
  public static final String KERNEL_MAX_DELTA_CONFIG = "kernel.max.dp.delta";
  public static final String KERNEL_MAX_LATENCY_CONFIG = "kernel.max.latency.seconds";
  public static final String KERNEL_TOKEN_CACHE_SIZE_CONFIG = "kernel.token.cache.size";
  public static final String KERNEL_LABEL_CLEARANCES_CONFIG = "kernel.label.clearances";
  public static final String RETRIEVAL_SESSION_IDLE_EXPIRY_CONFIG =
      "retrieval.session.idle.expiry.ms";
  public static final String RETRIEVAL_RECEIPT_KEY_CONFIG = "retrieval.receipt.signing.key.file";
  public static final String RETRIEVAL_MAX_EPSILON_CONFIG = "retrieval.session.max.dp.epsilon";
  public static final String RETRIEVAL_MAX_DELTA_CONFIG = "retrieval.session.max.dp.delta";
  public static final String EGRESS_CERTIFICATE_KEY_CONFIG = "egress.certificate.signing.key.file";
  public static final String EGRESS_POLICIES_CONFIG = "egress.policies.file";

  public static final String STANDBY_REPLICAS_CONFIG = "streams.num.standby.replicas";
  public static final String TOPICS_FILE_CONFIG = "topics.file";
  public static final String HTTP_PORT_CONFIG = "http.port";
  public static final String HTTP_HOST_CONFIG = "http.host";
  public static final String HTTP_TIMEOUT_CONFIG = "http.request.timeout.ms";
  public static final String HTTP_MAX_TIMEOUT_CONFIG = "http.request.max.timeout.ms";
  public static final String HTTP_MAX_BODY_CONFIG = "http.max.body.bytes";
  public static final String LAG_INTERVAL_CONFIG = "metrics.lag.interval.ms";
  public static final String LAG_CLUSTER_NAME_CONFIG = "metrics.lag.cluster.name";
  public static final String METRICS_MAX_AGE_CONFIG = "metrics.exposition.max.age.ms";
  public static final String INSTANCE_ID_CONFIG = "instance.id";
  public static final String OTLP_ENDPOINT_CONFIG = "tracing.otlp.endpoint";
  public static final String AUDIT_EVIDENCE_KEYS_CONFIG = "audit.evidence.keys.file";
  public static final String REDIS_CLUSTER_URIS_CONFIG = "redis.cluster.uris";
  public static final String CACHE_ENABLED_CONFIG = "cache.enabled";
  public static final String CACHE_REDIS_ENABLED_CONFIG = "cache.redis.enabled";
  public static final String CACHE_REDIS_TIMEOUT_CONFIG = "cache.redis.timeout.ms";
  public static final String CACHE_REDIS_BATCH_CONFIG = "cache.redis.batch.max";
  public static final String CACHE_REDIS_QUEUE_CONFIG = "cache.redis.queue.max";
  public static final String CACHE_REDIS_MAC_SECRET_CONFIG = "cache.redis.mac.secret";
  public static final String CACHE_REDIS_CHANNEL_CONFIG = "cache.redis.channel";
  public static final String CACHE_SHADOW_CHECK_CONFIG = "cache.shadow.check";

  /**
   * {@code cache.<name>.ttl.ms} of one of the hot tier's caches ({@link CacheName#configName()}).
   */
  public static String cacheTtlConfig(CacheName cache) {
    return "cache." + cache.configName() + ".ttl.ms";
  }

  /** {@code cache.<name>.near.max.bytes}. */
  public static String cacheNearBytesConfig(CacheName cache) {
    return "cache." + cache.configName() + ".near.max.bytes";
  }

  /** {@code cache.<name>.redis.max.bytes}. */
  public static String cacheRedisBytesConfig(CacheName cache) {
    return "cache." + cache.configName() + ".redis.max.bytes";
  }

  /** {@code cache.<name>.redis.uri}. */
  public static String cacheRedisUriConfig(CacheName cache) {
    return "cache." + cache.configName() + ".redis.uri";
  }

  /** {@code cache.<name>.redis.read.wait.ms}. */
  public static String cacheReadWaitConfig(CacheName cache) {
    return "cache." + cache.configName() + ".redis.read.wait.ms";
  }

  public static final String SERDE_FORMAT_CONFIG = "serde.format";
  public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
  public static final String SINK_GROUP_CONFIG = "sinks.connect.group.id";
  public static final String SINK_TASKS_CONFIG = "sinks.tasks.max";

  /** The two ways to find the four services. */
  public enum Mode {
    EMBEDDED,
    EXTERNAL
  }

  private static final ConfigDef DEF =
      new ConfigDef()
          .define(
              MODE_CONFIG,
              Type.STRING,
              "embedded",
              ValidString.in("embedded", "external"),
              Importance.HIGH,
              MODE_DOC)
          .define(WORK_DIR_CONFIG, Type.STRING, ".fabric", Importance.MEDIUM, WORK_DIR_DOC)
          .define(
              BOOTSTRAP_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "Kafka bootstrap servers (external mode).")
          .define(
              JDBC_URL_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "JDBC URL of the decision-log database (external mode).")
          .define(
              JDBC_USER_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "Decision-log database user (external mode).")
          .define(
              JDBC_PASSWORD_CONFIG,
              Type.PASSWORD,
              "",
              Importance.HIGH,
              "Decision-log database password (external mode).")
          .define(
              REDIS_URI_CONFIG,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "Redis URI of the hot tier (external mode).")
          .define(
              S3_ENDPOINT_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "S3 endpoint URL of the evidence store (external mode).")
          .define(S3_REGION_CONFIG, Type.STRING, "us-east-1", Importance.LOW, "S3 region.")
          .define(
              S3_ACCESS_KEY_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "S3 access key (external mode).")
          .define(
              S3_SECRET_KEY_CONFIG,
              Type.PASSWORD,
              "",
              Importance.HIGH,
              "S3 secret key (external mode).")
          .define(
              S3_BUCKET_CONFIG,
              Type.STRING,
              "fabric-evidence",
              Importance.HIGH,
              "Bucket of the evidence bundles.")
          .define(
              APPLICATION_ID_CONFIG,
              Type.STRING,
              "fabric-runtime",
              Importance.HIGH,
              "Kafka Streams application id: instances with the same id share the work.")
          .define(
              STREAM_THREADS_CONFIG,
              Type.INT,
              1,
              Range.between(1, 64),
              Importance.MEDIUM,
              "Stream threads per instance.")
          .define(
              PROCESSING_GUARANTEE_CONFIG,
              Type.STRING,
              "exactly_once_v2",
              ValidString.in("exactly_once_v2", "at_least_once"),
              Importance.HIGH,
              "Kafka Streams processing guarantee.")
          .define(
              COMMIT_INTERVAL_CONFIG,
              Type.LONG,
              20L,
              Range.atLeast(1),
              Importance.MEDIUM,
              "Kafka Streams commit interval; under exactly-once a decision becomes visible (to the front door, to "
                  + "consumers reading committed records) only when its transaction commits, so this bounds the wait "
                  + "a caller sees. Measured at 1,000/s: 100 ms gave a p99 of 268 ms request to readable decision, 20 ms "
                  + "gave 92 ms for 4 % more CPU, 10 ms gave 74 ms for 11 % more.")
          .define(
              PRODUCER_COMPRESSION_CONFIG,
              Type.STRING,
              "lz4",
              ValidString.in("none", "gzip", "snappy", "lz4", "zstd"),
              Importance.LOW,
              "Compression of what the topology produces (decisions, evidence, changelogs); see docs/BENCHMARKS.md for its cost.")
          .define(
              SESSION_TIMEOUT_CONFIG,
              Type.INT,
              6_000,
              Range.between(6_000, 1_800_000),
              Importance.MEDIUM,
              "Consumer-group session timeout of the stream threads: how long the partitions of an instance that died "
                  + "without leaving the group (SIGKILL, power loss) wait before another instance takes them over. "
                  + "6 s, the broker's floor (group.min.session.timeout.ms), instead of Kafka's 45 s: with "
                  + TRANSACTION_TIMEOUT_CONFIG
                  + " at 6 s a killed instance's partitions stalled 5-8 s (FailoverBenchmark). "
                  + "Raise both where long GC pauses or an overloaded machine make healthy instances miss heartbeats "
                  + "or commits take seconds.")
          .define(
              HEARTBEAT_INTERVAL_CONFIG,
              Type.INT,
              2_000,
              Range.between(100, 600_000),
              Importance.LOW,
              "Heartbeat interval of the stream threads; keep it at most a third of "
                  + SESSION_TIMEOUT_CONFIG
                  + ".")
          .define(
              TRANSACTION_TIMEOUT_CONFIG,
              Type.INT,
              6_000,
              Range.between(1_000, 900_000),
              Importance.LOW,
              "Exactly-once: how long the broker lets a transaction stay open before aborting it. An instance killed "
                  + "mid-transaction holds back every read_committed reader of its partitions (and its successor's "
                  + "offset fetch) until then, so it bounds the failover gap with "
                  + SESSION_TIMEOUT_CONFIG
                  + " (Streams' "
                  + "default is 10 s). A commit (every streams.commit.interval.ms, 20 ms) must finish well inside it: at 5 s "
                  + "an overloaded machine (load 30 on 2 cores) had its transactions aborted by the broker, its producers "
                  + "fenced and its tasks restored over and over; raise it there.")
          .define(
              WARMUP_REPLICAS_CONFIG,
              Type.INT,
              2,
              Range.between(1, 64),
              Importance.LOW,
              "Kafka Streams max.warmup.replicas: state stores copied to an instance that joined, before their active "
                  + "tasks move to it (at most this many at a time, over the group).")
          .define(
              PROBING_INTERVAL_CONFIG,
              Type.LONG,
              60_000L,
              Range.atLeast(60_000L),
              Importance.LOW,
              "Kafka Streams probing.rebalance.interval.ms: how often the group checks whether warm-up replicas have "
                  + "caught up and active tasks can move to a joining instance. 60 s (Kafka's minimum; its default is "
                  + "10 min), so that a joining instance takes its share within about a minute.")
          .define(
              TOPIC_REQUESTS_CONFIG,
              Type.STRING,
              "fabric.requests",
              Importance.HIGH,
              "Topic of incoming requests (key: session id).")
          .define(
              TOPIC_DECISIONS_CONFIG,
              Type.STRING,
              "fabric.decisions",
              Importance.HIGH,
              "Topic of decisions (key: session id).")
          .define(
              TOPIC_EVIDENCE_CONFIG,
              Type.STRING,
              "fabric.evidence",
              Importance.HIGH,
              "Topic of evidence bundles (key: session id).")
          .define(
              TOPIC_DEAD_LETTER_CONFIG,
              Type.STRING,
              "fabric.dead-letter",
              Importance.HIGH,
              "Topic of records that could not be decided.")
          .define(
              TOPIC_POLICY_STATE_CONFIG,
              Type.STRING,
              "fabric.policy-state",
              Importance.HIGH,
              "Compacted topic of capability grants, revocations and the policy version.")
          .define(
              TOPIC_PARTITIONS_CONFIG,
              Type.INT,
              6,
              Range.between(1, 10_000),
              Importance.MEDIUM,
              "Partitions of a declared topic whose declaration ("
                  + TOPICS_FILE_CONFIG
                  + ") does not state them.")
          .define(
              TOPIC_REPLICATION_CONFIG,
              Type.SHORT,
              (short) 1,
              Range.between(1, 16),
              Importance.MEDIUM,
              "Replication factor of Kafka Streams' internal topics, and of a declared topic whose declaration does not state it.")
          .define(
              DEDUP_WINDOW_CONFIG,
              Type.LONG,
              Duration.ofHours(1).toMillis(),
              Range.atLeast(1),
              Importance.MEDIUM,
              "How long a request id is remembered: a repeat within it gets the first decision back and adds no evidence. "
                  + "Cover the callers' retry horizon (the front door's longest deadline is 30 s); every decision of the window "
                  + "is kept, and an instance without local state restores all of them from the changelog before it decides: "
                  + "at 1,000 decisions/s an hour is 3.6 million entries, about 0.95 GB.")
          .define(
              EVIDENCE_LOG_ORIGIN_CONFIG,
              Type.STRING,
              "provability-fabric.local/evidence",
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              "Name of the evidence logs: the log of partition p of the evidence topic has the origin <this>/<p>; it is "
                  + "also the name of the log signing key ("
                  + EVIDENCE_KEY_CONFIG
                  + ") in checkpoints and its verifier key.")
          .define(
              EVIDENCE_LOG_PREFIX_CONFIG,
              Type.STRING,
              "log",
              new ConfigDef.NonEmptyString(),
              Importance.MEDIUM,
              "S3 key prefix of the evidence logs in the evidence bucket: the log of partition p is under <this>/<p>/.")
          .define(
              EVIDENCE_CHECKPOINT_INTERVAL_CONFIG,
              Type.LONG,
              1_000L,
              Range.between(100, 3_600_000),
              Importance.MEDIUM,
              "How often each evidence log's sequencer integrates what it has read and publishes a signed checkpoint "
                  + "(and always when it stops); when the waiting entries complete a tile of 256, up to its end, the "
                  + "newer ones at the next interval. Longer: fewer S3 requests per decision; shorter: less evidence lag.")
          .define(
              TRUSTED_KEYS_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "Key ring file of trusted token issuer keys (key-id=base64 per line). Empty: <work dir>/keys/trusted-issuers.keys.")
          .define(
              TRUSTED_JWKS_FILE_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "JSON Web Key Set file of further trusted token issuer keys: its Ed25519 public keys (kty OKP, crv Ed25519, "
                  + "with kid) are trusted beside the key ring, for JWS and Avro tokens alike; other keys are left out "
                  + "with a warning. When set (or "
                  + TRUSTED_JWKS_URL_CONFIG
                  + "), the key ring file may be absent.")
          .define(
              TRUSTED_JWKS_URL_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "URL of a JSON Web Key Set of further trusted token issuer keys (as "
                  + TRUSTED_JWKS_FILE_CONFIG
                  + "), fetched once at start-up; an instance that cannot fetch it does not start. A key rotated in "
                  + "later is trusted after a restart.")
          .define(
              EVIDENCE_KEY_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "File with the evidence log signing key (key-id=base64 seed; the key id is ignored, checkpoints are signed under the "
                  + "name "
                  + EVIDENCE_LOG_ORIGIN_CONFIG
                  + "). Empty: <work dir>/keys/evidence.key, generated if missing.")
          .define(
              RECEIPT_KEYS_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "Key ring file of trusted access-receipt signer keys (the retrieval gateway's; key-id=base64 per line), kept "
                  + "apart from the token issuers. Empty: <work dir>/keys/trusted-receipt-signers.keys; if that is missing "
                  + "no receipt verifies, so every retrieval step is denied.")
          .define(
              KERNEL_MAX_BUDGET_CONFIG,
              Type.DOUBLE,
              100.0,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Largest constraints.budget a plan may declare; above it the plan is denied with BUDGET_EXCEEDED.")
          .define(
              KERNEL_MAX_EPSILON_CONFIG,
              Type.DOUBLE,
              1.0,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Largest differential-privacy epsilon a plan may declare (EPSILON_EXCEEDED).")
          .define(
              KERNEL_MAX_DELTA_CONFIG,
              Type.DOUBLE,
              1e-5,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Largest differential-privacy delta a plan may declare (EPSILON_EXCEEDED).")
          .define(
              KERNEL_MAX_LATENCY_CONFIG,
              Type.DOUBLE,
              60.0,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Largest constraints.latency_max, in seconds, a plan may declare (LATENCY_EXCEEDED).")
          .define(
              KERNEL_TOKEN_CACHE_SIZE_CONFIG,
              Type.LONG,
              10_000L,
              Range.atLeast(0),
              Importance.LOW,
              "How many verified capability tokens each decider remembers, so a token's signature is verified once; 0 disables.")
          .define(
              KERNEL_LABEL_CLEARANCES_CONFIG,
              Type.STRING,
              "",
              new ConfigDef.Validator() {
                @Override
                public void ensureValid(String name, Object value) {
                  try {
                    LabelClearances.parse((String) value);
                  } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                  }
                }

                @Override
                public String toString() {
                  return "capability:label,label;... (empty: none)";
                }
              },
              Importance.MEDIUM,
              "Which labels may reach a step of each capability, as capability:label,label;capability:label (e.g. "
                  + "send_email:summary). A listed capability clears only its labels and public; data carrying any other "
                  + "label (with everything it was derived from) that reaches a step requiring it is denied with LABEL_FLOW. "
                  + "Capabilities not listed are not restricted; secret is never cleared. Empty: none listed.")
          .define(
              RETRIEVAL_RECEIPT_KEY_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "File with the retrieval gateway's access-receipt signing key (key-id=base64 seed). Empty: "
                  + "<work dir>/keys/retrieval-gateway.key, generated if missing. Its public key must be in "
                  + RECEIPT_KEYS_CONFIG
                  + " for the kernel to accept its receipts.")
          .define(
              RETRIEVAL_MAX_EPSILON_CONFIG,
              Type.DOUBLE,
              1.0,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Total differential-privacy epsilon the retrievals of one session may spend (BUDGET_EXHAUSTED beyond).")
          .define(
              RETRIEVAL_MAX_DELTA_CONFIG,
              Type.DOUBLE,
              1e-5,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Total differential-privacy delta the retrievals of one session may spend (BUDGET_EXHAUSTED beyond).")
          .define(
              RETRIEVAL_SESSION_IDLE_EXPIRY_CONFIG,
              Type.LONG,
              PrivacyBudget.DEFAULT_IDLE_EXPIRY.toMillis(),
              Range.atLeast(60_000L),
              Importance.MEDIUM,
              "How long after its last allowed retrieval a session's privacy spend is kept (default 7 days). A sweep every "
                  + "minute forgets older ones, so the privacy-budgets store stops growing; a session idle longer starts "
                  + "again from zero spend, so set it at least as long as the longest session whose budget must hold.")
          .define(
              EGRESS_CERTIFICATE_KEY_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "File with the egress firewall's certificate signing key (key-id=base64 seed). Empty: "
                  + "<work dir>/keys/egress-certificate.key, generated if missing.")
          .define(
              EGRESS_POLICIES_CONFIG,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "File of egress policies (format: EgressPolicies). Empty: the built-in default and strict templates.")
          .define(
              WARMUP_REQUESTS_CONFIG,
              Type.LONG,
              20_000L,
              Range.atLeast(0),
              Importance.MEDIUM,
              "Synthetic requests decided in-process before the topology starts, so that the JIT has compiled the "
                  + "decision path before real traffic arrives (health reports not ready meanwhile); 0 skips the warm-up.")
          .define(
              WARMUP_MAX_MS_CONFIG,
              Type.LONG,
              10_000L,
              Range.atLeast(0),
              Importance.LOW,
              "The most time the warm-up ("
                  + WARMUP_REQUESTS_CONFIG
                  + ") may take; it stops early when this is spent.")
          .define(
              STANDBY_REPLICAS_CONFIG,
              Type.INT,
              1,
              Range.between(0, 8),
              Importance.MEDIUM,
              "Kafka Streams num.standby.replicas: warm copies of each state store on other instances, so that a "
                  + "failover does not restore from the changelog, and a joining instance gets copies at once and active "
                  + "tasks after the next probing rebalance. 1 fits two or more instances (with one, nothing is kept); "
                  + "each copy costs the store's disk and its changelog's read traffic on the other instance.")
          .define(
              TOPICS_FILE_CONFIG,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "Topic declarations file (format: infra/topics.properties). Empty: the copy of infra/topics.properties "
                  + "bundled in the application jar.")
          .define(
              HTTP_PORT_CONFIG,
              Type.INT,
              8080,
              Range.between(0, 65535),
              Importance.MEDIUM,
              "Port of the HTTP server of 'fabric run' (front door, health, metrics, lag dashboard); 0 picks a free one.")
          .define(
              HTTP_HOST_CONFIG,
              Type.STRING,
              "0.0.0.0",
              Importance.LOW,
              "Address the HTTP server binds to.")
          .define(
              HTTP_TIMEOUT_CONFIG,
              Type.LONG,
              5_000L,
              Range.between(1, 600_000),
              Importance.MEDIUM,
              "How long the front door waits for a decision before answering 504 (the decision still lands).")
          .define(
              HTTP_MAX_TIMEOUT_CONFIG,
              Type.LONG,
              30_000L,
              Range.between(1, 600_000),
              Importance.LOW,
              "Largest deadline a caller may ask for with the X-Fabric-Timeout-Ms header.")
          .define(
              HTTP_MAX_BODY_CONFIG,
              Type.INT,
              960 * 1024,
              Range.between(1024, 64 * 1024 * 1024),
              Importance.MEDIUM,
              "Largest request body the front door reads; a larger one is answered 413. The front door's producer takes "
                  + "records of this size plus 64 KiB (max.request.size), and start-up fails unless the requests topic's "
                  + "max.message.bytes (Kafka's default: 1 MiB + 12 B) is at least as large.")
          .define(
              LAG_INTERVAL_CONFIG,
              Type.LONG,
              5_000L,
              Range.between(100, 3_600_000),
              Importance.LOW,
              "How often consumer lag (offsets and the age of the oldest unconsumed record) is sampled.")
          .define(
              LAG_CLUSTER_NAME_CONFIG,
              Type.STRING,
              "fabric",
              new ConfigDef.NonEmptyString(),
              Importance.LOW,
              "Value of the cluster_name label on the kafka_consumergroup_* and kafka_partition_* lag series (the names "
                  + "and labels Kafka Lag Exporter uses, so its Grafana dashboards read them).")
          .define(
              METRICS_MAX_AGE_CONFIG,
              Type.LONG,
              5_000L,
              Range.between(0, 300_000),
              Importance.LOW,
              "GET /metrics answers with an exposition rendered at most this long ago, rendered on a background thread "
                  + "at most once per interval however many scrapers ask; 0 renders on every scrape.")
          .define(
              INSTANCE_ID_CONFIG,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "Name of this instance, stable across restarts: the Kafka client ids are <streams.application.id>-<instance.id>"
                  + "[-role]. Empty: the host name and a short hash of fabric.work.dir (two instances on one host have "
                  + "different work directories).")
          .define(
              OTLP_ENDPOINT_CONFIG,
              Type.STRING,
              "",
              Importance.LOW,
              "OTLP/HTTP endpoint of an OpenTelemetry collector (e.g. http://collector:4318). Empty (default): no spans "
                  + "are recorded or exported and no exporter thread runs; a W3C traceparent is still carried from the "
                  + "request to the decision record's headers.")
          .define(
              AUDIT_EVIDENCE_KEYS_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "File of trusted evidence log verifier keys (one signed-note vkey <name>+<8 hex>+<base64> per line, # comments) "
                  + "that 'fabric audit' checks checkpoint signatures against. Empty: <work dir>/keys/trusted-evidence-signers.keys.")
          .define(
              SERDE_FORMAT_CONFIG,
              Type.STRING,
              WireFormat.SINGLE_OBJECT.configName(),
              ValidString.in(
                  WireFormat.SINGLE_OBJECT.configName(), WireFormat.REGISTRY.configName()),
              Importance.MEDIUM,
              "How the topology frames what it writes to the decisions and dead-letter topics: single-object "
                  + "(Avro single-object encoding, no registry needed) or registry (the Confluent/Apicurio schema-registry "
                  + "format: magic byte 0, 4-byte schema id; needs "
                  + SCHEMA_REGISTRY_URL_CONFIG
                  + " and the schemas "
                  + "registered by 'fabric schemas register'). Requests are read in either format (docs/schemas.md).")
          .define(
              SCHEMA_REGISTRY_URL_CONFIG,
              Type.STRING,
              "",
              Importance.MEDIUM,
              "Root of a schema registry's Confluent-compatible REST API (Apicurio: http://host:port/apis/ccompat/v7). "
                  + "Required when "
                  + SERDE_FORMAT_CONFIG
                  + "=registry; the schema ids are looked up there once at start-up.")
          .define(
              SINK_GROUP_CONFIG,
              Type.STRING,
              "fabric-sinks",
              Importance.MEDIUM,
              "Group id of the Kafka Connect worker running the sinks.")
          .define(
              SINK_TASKS_CONFIG,
              Type.INT,
              1,
              Range.between(1, 64),
              Importance.MEDIUM,
              "tasks.max of each sink connector.");

  static {
    DEF.define(
            REDIS_CLUSTER_URIS_CONFIG,
            Type.LIST,
            "",
            Importance.MEDIUM,
            "Seed URIs of a Redis Cluster (redis://host:port,...). Non-empty selects cluster mode for the hot tier; "
                + "empty uses the single node "
                + REDIS_URI_CONFIG
                + " (the embedded Redis in embedded mode).")
        .define(
            CACHE_ENABLED_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Hot tier on: decisions, verified tokens, egress scans and retrieval session spends are cached "
                + "(docs/caches.md). Off: every request is evaluated afresh.")
        .define(
            CACHE_REDIS_ENABLED_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Share cache entries between instances through Redis. Off: in-process near caches only.")
        .define(
            CACHE_REDIS_TIMEOUT_CONFIG,
            Type.LONG,
            500L,
            Range.between(1, 60_000),
            Importance.LOW,
            "Redis connect and command timeout; a command not answered in it counts as an error and costs only a hit.")
        .define(
            CACHE_REDIS_BATCH_CONFIG,
            Type.INT,
            512,
            Range.between(1, 100_000),
            Importance.LOW,
            "Most Redis commands sent in one pipelined flush.")
        .define(
            CACHE_REDIS_QUEUE_CONFIG,
            Type.INT,
            20_000,
            Range.between(1, 10_000_000),
            Importance.LOW,
            "Most Redis commands queued (and, separately, in flight); beyond it stores are dropped and counted.")
        .define(
            CACHE_REDIS_MAC_SECRET_CONFIG,
            Type.PASSWORD,
            "",
            Importance.HIGH,
            "Secret of the HMAC on every value the hot tier puts into Redis; instances sharing a Redis must share it, "
                + "and entries that do not verify are dropped. Empty: nothing is shared through Redis (an unauthenticated "
                + "entry could grant: a \"verified\" token, an ALLOW), the caches stay in-process.")
        .define(
            CACHE_REDIS_CHANNEL_CONFIG,
            Type.STRING,
            "fabric.hot-tier",
            Importance.LOW,
            "Redis pub/sub channel on which instances tell each other the entries they stored.")
        .define(
            CACHE_SHADOW_CHECK_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.LOW,
            "Evaluate every cache hit afresh too and count differences (fabric.cache.shadow.mismatches); costs the "
                + "evaluation the cache saves.");
    for (CacheName c : CacheName.values()) {
      DEF.define(
          cacheTtlConfig(c),
          Type.LONG,
          c.defaultTtl().toMillis(),
          Range.atLeast(1),
          Importance.MEDIUM,
          "Longest time an entry of the "
              + c.configName()
              + " cache is kept or served (it is never served past "
              + "the moment its value would change, e.g. a token's expiry).");
      if (!c.sharedThroughRedis()) {
        // retrieval session data: a near cache per stream task over its privacy-budgets store,
        // never in Redis
        DEF.define(
            cacheNearBytesConfig(c),
            Type.LONG,
            c.defaultNearMaxBytes(),
            Range.atLeast(0),
            Importance.LOW,
            "Memory budget of the near cache of "
                + c.configName()
                + " of each stream task (approximate entry sizes; "
                + "0 keeps nothing). Sessions not held are read from the privacy-budgets store.");
        continue;
      }
      DEF.define(
              cacheRedisBytesConfig(c),
              Type.LONG,
              c.defaultRedisMaxBytes(),
              Range.atLeast(0),
              Importance.LOW,
              "Redis memory budget of "
                  + c.configName()
                  + ": the maxmemory to give its Redis instance, or its share of "
                  + "a shared one (docs/caches.md). Redis enforces it; the application does not check the server's setting.")
          .define(
              cacheRedisUriConfig(c),
              Type.STRING,
              "",
              Importance.LOW,
              "A standalone Redis of the "
                  + c.configName()
                  + " cache's own (redis://host:port), so that its maxmemory is "
                  + "its budget alone; empty: the shared one ("
                  + REDIS_URI_CONFIG
                  + " or "
                  + REDIS_CLUSTER_URIS_CONFIG
                  + ").");
      if (c != CacheName.TOKENS) {
        // the verified-token cache is sized in tokens (kernel.token.cache.size), and tokens reach
        // other
        // instances by pub/sub only: the stream thread never reads them from Redis
        DEF.define(
                cacheNearBytesConfig(c),
                Type.LONG,
                c.defaultNearMaxBytes(),
                Range.atLeast(0),
                Importance.LOW,
                "Memory budget of the in-process near cache of "
                    + c.configName()
                    + " (approximate entry sizes).")
            .define(
                cacheReadWaitConfig(c),
                Type.LONG,
                0L,
                Range.between(0, 10_000),
                Importance.LOW,
                "How long a near-cache miss of "
                    + c.configName()
                    + " may wait for Redis on the stream thread; 0: never "
                    + "(a miss is evaluated at once). Worth it only where evaluating costs more than a round trip.");
      }
    }
  }

  private FabricConfig(Map<String, ?> values) {
    super(DEF, values, false);
    if (wireFormat() == WireFormat.REGISTRY && getString(SCHEMA_REGISTRY_URL_CONFIG).isBlank()) {
      throw new ConfigException(
          SCHEMA_REGISTRY_URL_CONFIG, "", "is required when " + SERDE_FORMAT_CONFIG + "=registry");
    }
    if (mode() == Mode.EXTERNAL) {
      for (String key :
          new String[] {
            BOOTSTRAP_CONFIG, JDBC_URL_CONFIG, S3_ENDPOINT_CONFIG, S3_ACCESS_KEY_CONFIG
          }) {
        if (getString(key).isBlank()) {
          throw new ConfigException(key, "", "is required in external mode");
        }
      }
    }
  }

  /** The declared keys, for documentation ({@code fabric config --describe}). */
  public static ConfigDef definition() {
    return DEF;
  }

  /**
   * Loads the configuration.
   *
   * @param file a properties file, or null
   * @param env the environment (usually {@code System.getenv()})
   * @param overrides explicit values that win over everything else
   */
  public static FabricConfig load(
      Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, Object> values = new HashMap<>();
    if (file != null) {
      Properties props = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        props.load(r);
      } catch (NoSuchFileException e) {
        throw new ConfigException("configuration file " + file + " does not exist");
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
      }
      props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k).strip()));
    }
    for (String key : DEF.names()) {
      String v = env.get(envName(key));
      if (v != null) {
        values.put(key, v);
      }
    }
    values.putAll(overrides);
    for (String key : values.keySet()) {
      if (!DEF.names().contains(key)) {
        throw new ConfigException(
            "'"
                + key
                + "' is not a configuration key (every key: docs/configuration.md, "
                + "or 'fabric config docs')");
      }
    }
    return new FabricConfig(values);
  }

  /**
   * The environment variable that sets {@code key}: {@code FABRIC_} + the key in upper case, dots
   * as underscores.
   */
  public static String envName(String key) {
    return "FABRIC_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Defaults only (embedded mode), with explicit overrides. */
  public static FabricConfig defaults(Map<String, String> overrides) {
    return load(null, Map.of(), overrides);
  }

  public Mode mode() {
    return Mode.valueOf(getString(MODE_CONFIG).toUpperCase(Locale.ROOT));
  }

  public Path workDir() {
    return Path.of(getString(WORK_DIR_CONFIG));
  }

  /** How the topology frames the values it writes ({@value #SERDE_FORMAT_CONFIG}). */
  public WireFormat wireFormat() {
    return WireFormat.fromConfigName(getString(SERDE_FORMAT_CONFIG));
  }

  /** The schema registry's API root, or empty when none is configured. */
  public String schemaRegistryUrl() {
    return getString(SCHEMA_REGISTRY_URL_CONFIG);
  }

  /**
   * This instance's name ({@value #INSTANCE_ID_CONFIG}), or when unset the host name and a short
   * hash of the absolute work directory: the same across restarts of one installation, different
   * for two instances on one host.
   */
  public String instanceId() {
    String configured = getString(INSTANCE_ID_CONFIG).strip();
    if (!configured.isEmpty()) {
      return configured;
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    String dir = workDir().toAbsolutePath().normalize().toString();
    return host + "-" + String.format(Locale.ROOT, "%08x", dir.hashCode());
  }

  /** The stem of every Kafka client id of this instance: {@code <application id>-<instance id>}. */
  public String clientIdPrefix() {
    return getString(APPLICATION_ID_CONFIG) + "-" + instanceId();
  }

  public String topicRequests() {
    return getString(TOPIC_REQUESTS_CONFIG);
  }

  public String topicDecisions() {
    return getString(TOPIC_DECISIONS_CONFIG);
  }

  public String topicEvidence() {
    return getString(TOPIC_EVIDENCE_CONFIG);
  }

  public String topicDeadLetter() {
    return getString(TOPIC_DEAD_LETTER_CONFIG);
  }

  public String topicPolicyState() {
    return getString(TOPIC_POLICY_STATE_CONFIG);
  }

  public Duration dedupWindow() {
    return Duration.ofMillis(getLong(DEDUP_WINDOW_CONFIG));
  }

  /** The token issuers the kernel trusts. */
  public Path trustedKeysFile() {
    return keyFile(TRUSTED_KEYS_CONFIG, "trusted-issuers.keys");
  }

  /** The key that signs the evidence logs' checkpoints. */
  public Path evidenceKeyFile() {
    return keyFile(EVIDENCE_KEY_CONFIG, "evidence.key");
  }

  /** The retrieval gateways whose access receipts the kernel trusts. */
  public Path receiptKeysFile() {
    return keyFile(RECEIPT_KEYS_CONFIG, "trusted-receipt-signers.keys");
  }

  /** The key this instance's retrieval gateway signs access receipts with. */
  public Path retrievalReceiptKeyFile() {
    return keyFile(RETRIEVAL_RECEIPT_KEY_CONFIG, "retrieval-gateway.key");
  }

  /** The key that signs egress certificates. */
  public Path egressCertificateKeyFile() {
    return keyFile(EGRESS_CERTIFICATE_KEY_CONFIG, "egress-certificate.key");
  }

  /** The trusted evidence log verifier keys that audits check checkpoint signatures against. */
  public Path auditEvidenceKeysFile() {
    return keyFile(AUDIT_EVIDENCE_KEYS_CONFIG, "trusted-evidence-signers.keys");
  }

  /** The file a key setting names, or {@code <work dir>/keys/<defaultName>} when it is empty. */
  private Path keyFile(String key, String defaultName) {
    String f = getString(key);
    return f.isBlank() ? workDir().resolve("keys").resolve(defaultName) : Path.of(f);
  }

  /** The egress policies file, or null for the built-in ones. */
  public Path egressPoliciesFile() {
    String f = getString(EGRESS_POLICIES_CONFIG);
    return f.isBlank() ? null : Path.of(f);
  }

  /** The topic declarations file, or null for the bundled copy of infra/topics.properties. */
  public Path topicsFile() {
    String f = getString(TOPICS_FILE_CONFIG);
    return f.isBlank() ? null : Path.of(f);
  }

  /** The per-session differential-privacy budget of retrievals. */
  public PrivacyBudget sessionPrivacyBudget() {
    return new PrivacyBudget(
        getDouble(RETRIEVAL_MAX_EPSILON_CONFIG),
        getDouble(RETRIEVAL_MAX_DELTA_CONFIG),
        Duration.ofMillis(getLong(RETRIEVAL_SESSION_IDLE_EXPIRY_CONFIG)));
  }

  /** The kernel's numeric maxima and label clearances. */
  public KernelLimits kernelLimits() {
    return new KernelLimits(
        getDouble(KERNEL_MAX_BUDGET_CONFIG),
        getDouble(KERNEL_MAX_EPSILON_CONFIG),
        getDouble(KERNEL_MAX_DELTA_CONFIG),
        getDouble(KERNEL_MAX_LATENCY_CONFIG),
        LabelClearances.parse(getString(KERNEL_LABEL_CLEARANCES_CONFIG)));
  }

  /** Every key with its value; passwords masked. For start-up logs. */
  public Map<String, String> describe() {
    Map<String, String> out = new TreeMap<>();
    for (String key : DEF.names()) {
      Object v = get(key);
      out.put(key, v instanceof Password ? Password.HIDDEN : String.valueOf(v));
    }
    return out;
  }
}
