package io.provability.fabric.topology.config;

import java.util.Objects;
import java.util.Properties;

/**
 * Where the four services listen: a Kafka bootstrap list, a JDBC URL with its credentials, a Redis
 * URI and an S3 endpoint with its region and keys.
 *
 * <p>{@link EmbeddedStack#endpoints()} returns one for the servers it started; external mode reads
 * the same values from configuration, so the rest of the application cannot tell the two apart.
 *
 * <p>{@link #toString()} masks {@code jdbcPassword} and {@code s3SecretKey}, so an instance can be
 * logged as it is.
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:40123}
 * @param jdbcUrl JDBC URL of the application's database, e.g. {@code
 *     jdbc:postgresql://127.0.0.1:40124/fabric}
 * @param jdbcUser database user
 * @param jdbcPassword database password (masked by {@code toString})
 * @param redisUri Redis URI, e.g. {@code redis://127.0.0.1:40125}
 * @param s3Endpoint S3 endpoint URL, addressed path-style, e.g. {@code http://127.0.0.1:40126}
 * @param s3Region S3 signing region, e.g. {@code us-east-1}
 * @param s3AccessKey S3 access key id
 * @param s3SecretKey S3 secret access key (masked by {@code toString})
 */
public record StackEndpoints(
    String bootstrapServers,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String redisUri,
    String s3Endpoint,
    String s3Region,
    String s3AccessKey,
    String s3SecretKey) {

  private static final String MASK = "******";

  /** Rejects a missing value by name; an empty password or key is allowed, a null one is not. */
  public StackEndpoints {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(jdbcUser, "jdbcUser");
    Objects.requireNonNull(jdbcPassword, "jdbcPassword");
    Objects.requireNonNull(redisUri, "redisUri");
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(s3Region, "s3Region");
    Objects.requireNonNull(s3AccessKey, "s3AccessKey");
    Objects.requireNonNull(s3SecretKey, "s3SecretKey");
  }

  /**
   * The configuration that points a {@code fabric run} (mode {@code external}) at these services,
   * e.g. for an instance started in a JVM of its own against an embedded stack; callers add the
   * rest.
   */
  public Properties externalModeProperties() {
    Properties p = new Properties();
    p.put(FabricConfig.MODE_CONFIG, "external");
    p.put(FabricConfig.BOOTSTRAP_CONFIG, bootstrapServers);
    p.put(FabricConfig.JDBC_URL_CONFIG, jdbcUrl);
    p.put(FabricConfig.JDBC_USER_CONFIG, jdbcUser);
    p.put(FabricConfig.JDBC_PASSWORD_CONFIG, jdbcPassword);
    p.put(FabricConfig.REDIS_URI_CONFIG, redisUri);
    p.put(FabricConfig.S3_ENDPOINT_CONFIG, s3Endpoint);
    p.put(FabricConfig.S3_REGION_CONFIG, s3Region);
    p.put(FabricConfig.S3_ACCESS_KEY_CONFIG, s3AccessKey);
    p.put(FabricConfig.S3_SECRET_KEY_CONFIG, s3SecretKey);
    return p;
  }

  @Override
  public String toString() {
    return "StackEndpoints[bootstrapServers="
        + bootstrapServers
        + ", jdbcUrl="
        + jdbcUrl
        + ", jdbcUser="
        + jdbcUser
        + ", jdbcPassword="
        + MASK
        + ", redisUri="
        + redisUri
        + ", s3Endpoint="
        + s3Endpoint
        + ", s3Region="
        + s3Region
        + ", s3AccessKey="
        + s3AccessKey
        + ", s3SecretKey="
        + MASK
        + "]";
  }
}
