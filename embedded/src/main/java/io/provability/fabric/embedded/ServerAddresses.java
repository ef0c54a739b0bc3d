package io.provability.fabric.embedded;

import java.util.Objects;

/**
 * Where the four embedded servers listen, with the credentials this start generated. The
 * application's own view of its services is {@code StackEndpoints} (module topology), built from
 * this one by the tools that run on the embedded stack.
 *
 * <p>{@link #toString()} masks {@code jdbcPassword} and {@code s3SecretKey}.
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:40123}
 * @param jdbcUrl JDBC URL of the database, e.g. {@code jdbc:postgresql://127.0.0.1:40124/fabric}
 * @param jdbcUser database user
 * @param jdbcPassword database password
 * @param redisUri Redis URI, e.g. {@code redis://127.0.0.1:40125}
 * @param s3Endpoint S3 endpoint URL, addressed path-style, e.g. {@code http://127.0.0.1:40126}
 * @param s3Region S3 signing region
 * @param s3AccessKey S3 access key id
 * @param s3SecretKey S3 secret access key
 */
public record ServerAddresses(
    String bootstrapServers,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String redisUri,
    String s3Endpoint,
    String s3Region,
    String s3AccessKey,
    String s3SecretKey) {

  /** Rejects a missing value by name. */
  public ServerAddresses {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(jdbcPassword, "jdbcPassword");
    Objects.requireNonNull(s3SecretKey, "s3SecretKey");
  }

  @Override
  public String toString() {
    return String.format(
        "kafka %s, postgres %s (user %s), redis %s, s3 %s (%s, key %s)",
        bootstrapServers, jdbcUrl, jdbcUser, redisUri, s3Endpoint, s3Region, s3AccessKey);
  }
}
