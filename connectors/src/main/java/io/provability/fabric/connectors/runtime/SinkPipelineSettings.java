package io.provability.fabric.connectors.runtime;

import io.provability.fabric.connectors.runtime.internal.SecretReferences;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the single-machine sink pipeline needs, in groups: the broker and topics to read
 * ({@link Kafka}), the Connect worker ({@link Connect}), the PostgreSQL decision log ({@link
 * Jdbc}), the S3 evidence store ({@link S3}) and the evidence logs ({@link EvidenceLog}). {@link
 * #toString()} masks both secrets.
 *
 * @param kafka the broker and the topics to read
 * @param jdbc the decision log's database
 * @param s3 the evidence store
 * @param connect the Connect group, task count and work directory
 * @param evidenceLog names, signing key and checkpoint interval of the evidence logs
 * @param secretReferences connector key (e.g. {@code jdbc.password}) to the config-provider
 *     reference the Connect config topic holds for it instead of its value, e.g. {@code
 *     ${env:FABRIC_POSTGRES_PASSWORD}} ({@link SecretReferences}); a secret without one is stored
 *     as {@code ${fabric:KEY}}, resolved from the worker's own properties
 */
public record SinkPipelineSettings(
    Kafka kafka,
    Jdbc jdbc,
    S3 s3,
    Connect connect,
    EvidenceLog evidenceLog,
    Map<String, String> secretReferences) {

  /**
   * The broker and the topics the sinks read.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param decisionsTopic topic of Decision events
   * @param evidenceTopic topic of evidence log entries
   */
  public record Kafka(String bootstrapServers, String decisionsTopic, String evidenceTopic) {
    /** Checks that every value is set; messages name the component. */
    public Kafka {
      require(bootstrapServers, "bootstrapServers");
      require(decisionsTopic, "decisionsTopic");
      require(evidenceTopic, "evidenceTopic");
    }
  }

  /**
   * The PostgreSQL database of the decision log and the evidence index. {@link #toString()} masks
   * the password and any password in the URL.
   *
   * @param url PostgreSQL JDBC URL
   * @param user database user
   * @param password database password
   */
  public record Jdbc(String url, String user, String password) {
    /** Checks the URL is set; a missing user or password is empty. */
    public Jdbc {
      require(url, "jdbcUrl");
      user = user == null ? "" : user;
      password = password == null ? "" : password;
    }

    @Override
    public String toString() {
      return "Jdbc[url="
          + DecisionLogConfig.redactUrl(url)
          + ", user="
          + user
          + ", password="
          + mask(password)
          + "]";
    }
  }

  /**
   * The S3 store of the evidence logs. {@link #toString()} masks the secret key.
   *
   * @param endpoint S3 endpoint URL (empty for AWS)
   * @param region S3 signing region
   * @param bucket evidence bucket
   * @param accessKey S3 access key
   * @param secretKey S3 secret key
   */
  public record S3(
      String endpoint, String region, String bucket, String accessKey, String secretKey) {
    /** Checks region and bucket are set; a missing endpoint or key is empty. */
    public S3 {
      require(region, "s3Region");
      require(bucket, "s3Bucket");
      endpoint = endpoint == null ? "" : endpoint;
      accessKey = accessKey == null ? "" : accessKey;
      secretKey = secretKey == null ? "" : secretKey;
    }

    @Override
    public String toString() {
      return String.format(
          "S3[endpoint=%s, region=%s, bucket=%s, accessKey=%s, secretKey=%s]",
          endpoint, region, bucket, accessKey, mask(secretKey));
    }
  }

  /**
   * The embedded Connect worker.
   *
   * @param groupId Connect worker group; also prefixes the worker's internal topics
   * @param tasksMax tasks per connector
   * @param workDir a directory for local state; the distributed-mode worker keeps all its state in
   *     Kafka topics, so it currently writes nothing there
   */
  public record Connect(String groupId, int tasksMax, Path workDir) {
    /** Checks every value; messages name the component. */
    public Connect {
      require(groupId, "connectGroupId");
      if (tasksMax < 1) {
        throw new IllegalArgumentException(
            "SinkPipelineSettings.tasksMax must be at least 1, was " + tasksMax);
      }
      Objects.requireNonNull(workDir, "SinkPipelineSettings.workDir");
    }

    /**
     * @return a copy with another group (a second pipeline on the same broker)
     */
    public Connect withGroupId(String groupId) {
      return new Connect(groupId, tasksMax, workDir);
    }

    /**
     * @return a copy with another task count
     */
    public Connect withTasksMax(int tasks) {
      return new Connect(groupId, tasks, workDir);
    }
  }

  /**
   * The evidence logs' settings.
   *
   * @param origin log name; partition p's log is {@code <origin>/<p>}
   * @param s3Prefix S3 key prefix of the logs
   * @param signingKeyFile the log signing key ({@code key-id=base64 seed}); {@link EmbeddedConnect}
   *     creates it when missing
   * @param checkpointInterval how often each log publishes a checkpoint
   */
  public record EvidenceLog(
      String origin, String s3Prefix, Path signingKeyFile, Duration checkpointInterval) {
    /** Default log name. */
    public static final String DEFAULT_ORIGIN = "provability-fabric.local/evidence";

    /** Defaults, with the key at {@code <workDir>/keys/evidence.key}. */
    public static EvidenceLog defaults(Path workDir) {
      return new EvidenceLog(
          DEFAULT_ORIGIN,
          "log",
          workDir.resolve("keys").resolve("evidence.key"),
          Duration.ofSeconds(1));
    }
  }

  /** Checks the groups are there and every secret reference is one; messages name the component. */
  public SinkPipelineSettings {
    if (kafka == null || jdbc == null || s3 == null || connect == null || evidenceLog == null) {
      throw new NullPointerException("SinkPipelineSettings: every group must be set");
    }
    secretReferences = Map.copyOf(secretReferences == null ? Map.of() : secretReferences);
    secretReferences.forEach(
        (key, ref) -> {
          if (!SecretReferences.isReference(ref)) {
            throw new IllegalArgumentException(
                "SinkPipelineSettings.secretReferences: "
                    + key
                    + " must be a ${env:...}, ${file:...}, ${directory:...} or ${fabric:...} reference");
          }
        });
  }

  /**
   * @return the Connect worker group ({@code connect().groupId()})
   */
  public String connectGroupId() {
    return connect.groupId();
  }

  /**
   * @return a copy with another Connect group (a second pipeline on the same broker)
   */
  public SinkPipelineSettings withConnectGroupId(String groupId) {
    return new SinkPipelineSettings(
        kafka, jdbc, s3, connect.withGroupId(groupId), evidenceLog, secretReferences);
  }

  /**
   * @return a copy with another task count
   */
  public SinkPipelineSettings withTasksMax(int tasks) {
    return new SinkPipelineSettings(
        kafka, jdbc, s3, connect.withTasksMax(tasks), evidenceLog, secretReferences);
  }

  private static String mask(String secret) {
    return secret.isEmpty() ? "" : "********";
  }

  private static void require(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("SinkPipelineSettings." + name + " must be set");
    }
  }
}
