package io.provability.fabric.connectors.runtime;

import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the single-machine sink pipeline needs: the broker and topics to read, the Connect
 * group, the PostgreSQL decision log and the S3 evidence store. {@link #toString()} masks both
 * secrets.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param decisionsTopic topic of Decision events
 * @param evidenceTopic topic of evidence log entries
 * @param connectGroupId Connect worker group; also prefixes the worker's internal topics
 * @param jdbcUrl PostgreSQL JDBC URL
 * @param jdbcUser database user
 * @param jdbcPassword database password
 * @param s3Endpoint S3 endpoint URL (empty for AWS)
 * @param s3Region S3 signing region
 * @param s3Bucket evidence bucket
 * @param s3AccessKey S3 access key
 * @param s3SecretKey S3 secret key
 * @param tasksMax tasks per connector
 * @param workDir a directory for local state; the distributed-mode worker keeps all its state in
 *     Kafka topics, so it currently writes nothing there
 * @param evidenceLog names, signing key and checkpoint interval of the evidence logs
 * @param secretReferences connector key (e.g. {@code jdbc.password}) to the config-provider
 *     reference the Connect config topic holds for it instead of its value, e.g. {@code
 *     ${env:FABRIC_POSTGRES_PASSWORD}} ({@link SecretReferences}); a secret without one is stored
 *     as {@code ${fabric:KEY}}, resolved from the worker's own properties
 */
public record SinkPipelineSettings(
    String bootstrapServers,
    String decisionsTopic,
    String evidenceTopic,
    String connectGroupId,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String s3Endpoint,
    String s3Region,
    String s3Bucket,
    String s3AccessKey,
    String s3SecretKey,
    int tasksMax,
    Path workDir,
    EvidenceLog evidenceLog,
    Map<String, String> secretReferences) {

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

  /** Default evidence log settings under {@code workDir}. */
  public SinkPipelineSettings(
      String bootstrapServers,
      String decisionsTopic,
      String evidenceTopic,
      String connectGroupId,
      String jdbcUrl,
      String jdbcUser,
      String jdbcPassword,
      String s3Endpoint,
      String s3Region,
      String s3Bucket,
      String s3AccessKey,
      String s3SecretKey,
      int tasksMax,
      Path workDir) {
    this(
        bootstrapServers,
        decisionsTopic,
        evidenceTopic,
        connectGroupId,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        s3Endpoint,
        s3Region,
        s3Bucket,
        s3AccessKey,
        s3SecretKey,
        tasksMax,
        workDir,
        EvidenceLog.defaults(workDir),
        Map.of());
  }

  /** Checks the values every mode needs; messages name the component. */
  public SinkPipelineSettings {
    require(bootstrapServers, "bootstrapServers");
    require(decisionsTopic, "decisionsTopic");
    require(evidenceTopic, "evidenceTopic");
    require(connectGroupId, "connectGroupId");
    require(jdbcUrl, "jdbcUrl");
    require(s3Region, "s3Region");
    require(s3Bucket, "s3Bucket");
    jdbcUser = jdbcUser == null ? "" : jdbcUser;
    jdbcPassword = jdbcPassword == null ? "" : jdbcPassword;
    s3Endpoint = s3Endpoint == null ? "" : s3Endpoint;
    s3AccessKey = s3AccessKey == null ? "" : s3AccessKey;
    s3SecretKey = s3SecretKey == null ? "" : s3SecretKey;
    if (tasksMax < 1) {
      throw new IllegalArgumentException(
          "SinkPipelineSettings.tasksMax must be at least 1, was " + tasksMax);
    }
    Objects.requireNonNull(workDir, "SinkPipelineSettings.workDir");
    Objects.requireNonNull(evidenceLog, "SinkPipelineSettings.evidenceLog");
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

  /** Settings without declared secret references (secrets are stored as {@code ${fabric:KEY}}). */
  public SinkPipelineSettings(
      String bootstrapServers,
      String decisionsTopic,
      String evidenceTopic,
      String connectGroupId,
      String jdbcUrl,
      String jdbcUser,
      String jdbcPassword,
      String s3Endpoint,
      String s3Region,
      String s3Bucket,
      String s3AccessKey,
      String s3SecretKey,
      int tasksMax,
      Path workDir,
      EvidenceLog evidenceLog) {
    this(
        bootstrapServers,
        decisionsTopic,
        evidenceTopic,
        connectGroupId,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        s3Endpoint,
        s3Region,
        s3Bucket,
        s3AccessKey,
        s3SecretKey,
        tasksMax,
        workDir,
        evidenceLog,
        Map.of());
  }

  /**
   * @return a copy with another Connect group (a second pipeline on the same broker)
   */
  public SinkPipelineSettings withConnectGroupId(String groupId) {
    return new SinkPipelineSettings(
        bootstrapServers,
        decisionsTopic,
        evidenceTopic,
        groupId,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        s3Endpoint,
        s3Region,
        s3Bucket,
        s3AccessKey,
        s3SecretKey,
        tasksMax,
        workDir,
        evidenceLog,
        secretReferences);
  }

  /**
   * @return a copy with another task count
   */
  public SinkPipelineSettings withTasksMax(int tasks) {
    return new SinkPipelineSettings(
        bootstrapServers,
        decisionsTopic,
        evidenceTopic,
        connectGroupId,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        s3Endpoint,
        s3Region,
        s3Bucket,
        s3AccessKey,
        s3SecretKey,
        tasks,
        workDir,
        evidenceLog,
        secretReferences);
  }

  @Override
  public String toString() {
    return "SinkPipelineSettings[bootstrapServers="
        + bootstrapServers
        + ", decisionsTopic="
        + decisionsTopic
        + ", evidenceTopic="
        + evidenceTopic
        + ", connectGroupId="
        + connectGroupId
        + ", jdbcUrl="
        + DecisionLogConfig.redactUrl(jdbcUrl)
        + ", jdbcUser="
        + jdbcUser
        + ", jdbcPassword="
        + mask(jdbcPassword)
        + ", s3Endpoint="
        + s3Endpoint
        + ", s3Region="
        + s3Region
        + ", s3Bucket="
        + s3Bucket
        + ", s3AccessKey="
        + s3AccessKey
        + ", s3SecretKey="
        + mask(s3SecretKey)
        + ", tasksMax="
        + tasksMax
        + ", workDir="
        + workDir
        + ", evidenceLog="
        + evidenceLog
        + ", secretReferences="
        + secretReferences
        + "]";
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
