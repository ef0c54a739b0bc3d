package io.provability.fabric.connectors.evidence;

import io.provability.fabric.connectors.FabricSinkConfig;
import io.provability.fabric.connectors.JdbcSettings;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link EvidenceSinkConnector}, the evidence logs' sequencer: the logs' names and
 * signing key, where their objects go (S3), where their checkpoints and leaf rows are recorded (the
 * shared JDBC keys of {@link JdbcSettings}) and how often a checkpoint is published.
 */
public final class EvidenceSinkConfig extends FabricSinkConfig {

  /** S3 endpoint. */
  public static final String S3_ENDPOINT_CONFIG = "s3.endpoint";

  private static final String S3_ENDPOINT_DOC =
      "S3 endpoint URL (S3Proxy, MinIO, ...); empty for AWS.";

  /** Region. */
  public static final String S3_REGION_CONFIG = "s3.region";

  private static final String S3_REGION_DOC = "Signing region.";

  /** Bucket. */
  public static final String S3_BUCKET_CONFIG = "s3.bucket";

  private static final String S3_BUCKET_DOC = "Bucket holding the evidence logs.";

  /** Access key. */
  public static final String S3_ACCESS_KEY_CONFIG = "s3.access.key";

  private static final String S3_ACCESS_KEY_DOC =
      "Access key id; empty to use the AWS default credential chain.";

  /** Secret key. */
  public static final String S3_SECRET_KEY_CONFIG = "s3.secret.key";

  private static final String S3_SECRET_KEY_DOC =
      "Secret access key (masked in logs and in the REST API).";

  /** Path style. */
  public static final String S3_PATH_STYLE_CONFIG = "s3.path.style.access";

  private static final String S3_PATH_STYLE_DOC =
      "Address buckets as endpoint/bucket (needed by S3Proxy and MinIO).";

  /** Create bucket. */
  public static final String S3_CREATE_BUCKET_CONFIG = "s3.bucket.create";

  private static final String S3_CREATE_BUCKET_DOC =
      "Create the bucket at start when it does not exist.";

  /** Upload concurrency. */
  public static final String S3_PUT_CONCURRENCY_CONFIG = "s3.put.concurrency";

  private static final String S3_PUT_CONCURRENCY_DOC =
      "Log objects (tiles, bundles, large entries) one task "
          + "writes in parallel for one checkpoint.";

  /** Log name. */
  public static final String LOG_ORIGIN_CONFIG = "log.origin";

  private static final String LOG_ORIGIN_DOC =
      "Name of the evidence logs: partition p's log has origin <this>/<p>. "
          + "Also the signing key's name in checkpoints.";

  /** Key prefix. */
  public static final String LOG_PREFIX_CONFIG = "log.s3.prefix";

  private static final String LOG_PREFIX_DOC =
      "S3 key prefix of the logs: partition p's log is under <this>/<p>/ "
          + "(C2SP tlog-tiles layout). The lifecycle rule applies to this prefix.";

  /** Signing key. */
  public static final String LOG_SIGNING_KEY_FILE_CONFIG = "log.signing.key.file";

  private static final String LOG_SIGNING_KEY_FILE_DOC =
      "File on the worker with the log signing key: one line "
          + "key-id=base64(32-byte Ed25519 seed) (the key id is not used; checkpoints are signed under log.origin).";

  /** Checkpoint interval. */
  public static final String CHECKPOINT_INTERVAL_MS_CONFIG = "checkpoint.interval.ms";

  private static final String CHECKPOINT_INTERVAL_MS_DOC =
      "How often each log integrates what was read and "
          + "publishes a signed checkpoint (also when its partition is closed); when the waiting entries complete "
          + "a tile of 256, up to its end, the newer ones at the next interval. Longer: fewer S3 requests per "
          + "decision; shorter: less evidence lag.";

  /** Lifecycle on/off. */
  public static final String LIFECYCLE_ENABLED_CONFIG = "lifecycle.enabled";

  private static final String LIFECYCLE_ENABLED_DOC =
      "Apply the transition/expiry rule to the bucket at start "
          + "(other rules on the bucket are kept). Endpoints without lifecycle support are detected and reported.";

  /** Transition days. */
  public static final String LIFECYCLE_TRANSITION_DAYS_CONFIG = "lifecycle.transition.days";

  private static final String LIFECYCLE_TRANSITION_DAYS_DOC =
      "Days after which log objects move to " + "lifecycle.transition.storage.class.";

  /** Transition class. */
  public static final String LIFECYCLE_TRANSITION_CLASS_CONFIG =
      "lifecycle.transition.storage.class";

  private static final String LIFECYCLE_TRANSITION_CLASS_DOC =
      "S3 storage class log objects move to.";

  /** Expiration days. */
  public static final String LIFECYCLE_EXPIRATION_DAYS_CONFIG = "lifecycle.expiration.days";

  private static final String LIFECYCLE_EXPIRATION_DAYS_DOC =
      "Days after which log objects are deleted.";

  private static final String RETRY_BACKOFF_MS_DOC =
      "How long to wait before trying again after a write to S3 or "
          + "PostgreSQL failed transiently.";

  /** The definition Connect validates against. */
  public static final ConfigDef CONFIG_DEF =
      JdbcSettings.define(new ConfigDef())
          .define(
              S3_ENDPOINT_CONFIG,
              Type.STRING,
              "",
              EvidenceSinkConfig::validateEndpoint,
              Importance.HIGH,
              S3_ENDPOINT_DOC)
          .define(
              S3_REGION_CONFIG,
              Type.STRING,
              "us-east-1",
              new ConfigDef.NonEmptyString(),
              Importance.MEDIUM,
              S3_REGION_DOC)
          .define(
              S3_BUCKET_CONFIG,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              EvidenceSinkConfig::validateBucket,
              Importance.HIGH,
              S3_BUCKET_DOC)
          .define(S3_ACCESS_KEY_CONFIG, Type.STRING, "", Importance.HIGH, S3_ACCESS_KEY_DOC)
          .define(S3_SECRET_KEY_CONFIG, Type.PASSWORD, "", Importance.HIGH, S3_SECRET_KEY_DOC)
          .define(S3_PATH_STYLE_CONFIG, Type.BOOLEAN, true, Importance.LOW, S3_PATH_STYLE_DOC)
          .define(S3_CREATE_BUCKET_CONFIG, Type.BOOLEAN, true, Importance.LOW, S3_CREATE_BUCKET_DOC)
          .define(
              S3_PUT_CONCURRENCY_CONFIG,
              Type.INT,
              8,
              ConfigDef.Range.between(1, 64),
              Importance.LOW,
              S3_PUT_CONCURRENCY_DOC)
          .define(
              LOG_ORIGIN_CONFIG,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              LOG_ORIGIN_DOC)
          .define(
              LOG_PREFIX_CONFIG,
              Type.STRING,
              EvidenceStoreConfig.DEFAULT_PREFIX,
              new ConfigDef.NonEmptyString(),
              Importance.MEDIUM,
              LOG_PREFIX_DOC)
          .define(
              LOG_SIGNING_KEY_FILE_CONFIG,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              new ConfigDef.NonEmptyString(),
              Importance.HIGH,
              LOG_SIGNING_KEY_FILE_DOC)
          .define(
              CHECKPOINT_INTERVAL_MS_CONFIG,
              Type.LONG,
              1_000L,
              ConfigDef.Range.between(10, 3_600_000),
              Importance.MEDIUM,
              CHECKPOINT_INTERVAL_MS_DOC)
          .define(
              LIFECYCLE_ENABLED_CONFIG,
              Type.BOOLEAN,
              true,
              Importance.MEDIUM,
              LIFECYCLE_ENABLED_DOC)
          .define(
              LIFECYCLE_TRANSITION_DAYS_CONFIG,
              Type.INT,
              EvidenceStoreConfig.DEFAULT_TRANSITION_DAYS,
              ConfigDef.Range.atLeast(1),
              Importance.MEDIUM,
              LIFECYCLE_TRANSITION_DAYS_DOC)
          .define(
              LIFECYCLE_TRANSITION_CLASS_CONFIG,
              Type.STRING,
              EvidenceStoreConfig.DEFAULT_TRANSITION_STORAGE_CLASS,
              ConfigDef.ValidString.in(
                  "STANDARD_IA",
                  "ONEZONE_IA",
                  "INTELLIGENT_TIERING",
                  "GLACIER_IR",
                  "GLACIER",
                  "DEEP_ARCHIVE"),
              Importance.LOW,
              LIFECYCLE_TRANSITION_CLASS_DOC)
          .define(
              LIFECYCLE_EXPIRATION_DAYS_CONFIG,
              Type.INT,
              EvidenceStoreConfig.DEFAULT_EXPIRATION_DAYS,
              ConfigDef.Range.atLeast(2),
              Importance.MEDIUM,
              LIFECYCLE_EXPIRATION_DAYS_DOC)
          .define(retryBackoff(RETRY_BACKOFF_MS_DOC));

  /**
   * @param props connector or task properties
   */
  public EvidenceSinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  /**
   * @return the evidence-store settings
   * @throws ConfigException naming the key when a combination is invalid
   */
  public EvidenceStoreConfig evidenceStore() {
    String access = getString(S3_ACCESS_KEY_CONFIG);
    String secret = getPassword(S3_SECRET_KEY_CONFIG).value();
    if (access.isEmpty() != secret.isEmpty()) {
      throw new ConfigException(
          S3_SECRET_KEY_CONFIG,
          "[hidden]",
          "must be set together with "
              + S3_ACCESS_KEY_CONFIG
              + " (or both left empty for the default credential chain)");
    }
    int transition = getInt(LIFECYCLE_TRANSITION_DAYS_CONFIG);
    int expiration = getInt(LIFECYCLE_EXPIRATION_DAYS_CONFIG);
    if (expiration <= transition) {
      throw new ConfigException(
          LIFECYCLE_EXPIRATION_DAYS_CONFIG,
          expiration,
          "must be greater than " + LIFECYCLE_TRANSITION_DAYS_CONFIG + " (" + transition + ")");
    }
    return EvidenceStoreConfig.builder()
        .endpoint(getString(S3_ENDPOINT_CONFIG))
        .region(getString(S3_REGION_CONFIG))
        .bucket(getString(S3_BUCKET_CONFIG))
        .accessKey(access)
        .secretKey(secret)
        .pathStyle(getBoolean(S3_PATH_STYLE_CONFIG))
        .createBucket(getBoolean(S3_CREATE_BUCKET_CONFIG))
        .prefix(getString(LOG_PREFIX_CONFIG))
        .lifecycleEnabled(getBoolean(LIFECYCLE_ENABLED_CONFIG))
        .transitionDays(transition)
        .transitionStorageClass(getString(LIFECYCLE_TRANSITION_CLASS_CONFIG))
        .expirationDays(expiration)
        .build();
  }

  /**
   * @return the logs' names
   */
  public EvidenceLogs logs() {
    try {
      return new EvidenceLogs(getString(LOG_ORIGIN_CONFIG), getString(LOG_PREFIX_CONFIG));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(LOG_ORIGIN_CONFIG, getString(LOG_ORIGIN_CONFIG), e.getMessage());
    }
  }

  /**
   * @return the signing key file
   */
  public Path signingKeyFile() {
    return Path.of(getString(LOG_SIGNING_KEY_FILE_CONFIG));
  }

  /**
   * @return the checkpoint interval
   */
  public Duration checkpointInterval() {
    return Duration.ofMillis(getLong(CHECKPOINT_INTERVAL_MS_CONFIG));
  }

  /**
   * @return settings of the log's rows in PostgreSQL
   */
  public DecisionLogConfig evidenceIndex() {
    return JdbcSettings.decisionLog(
        this, DecisionLogConfig.DEFAULT_BATCH_SIZE, DecisionLogConfig.WriteMode.MULTI_ROW_INSERT);
  }

  /**
   * @return parallel uploads per task
   */
  public int putConcurrency() {
    return getInt(S3_PUT_CONCURRENCY_CONFIG);
  }

  private static void validateEndpoint(String name, Object value) {
    String text = value == null ? "" : value.toString().trim();
    if (text.isEmpty()) {
      return;
    }
    try {
      URI uri = URI.create(text);
      if (uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new ConfigException(
            name, value, "must be an http(s) URL with a host, e.g. http://127.0.0.1:9000");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, value, "is not a URL: " + e.getMessage());
    }
  }

  private static void validateBucket(String name, Object value) {
    if (!(value instanceof String bucket) || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new ConfigException(
          name, value, "must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')");
    }
  }
}
