package io.provability.fabric.topology.ops;

import io.provability.fabric.topology.config.KafkaClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The probes of {@link DependencyWatch}: each asks its server the cheapest question that needs a
 * live server (the broker's cluster id, a PostgreSQL login, a HEAD of the evidence bucket, a Redis
 * PING), within {@code timeout}. A server that answers with an error (S3's 403, Redis's NOAUTH) is
 * up: the watch is about reachability; credentials are the sinks' and caches' own checks.
 */
public final class DependencyProbes {
  private DependencyProbes() {}

  /** The broker: its cluster id through an admin client kept for the instance's life. */
  public static DependencyWatch.Probe kafka(Admin admin, Duration timeout) {
    return () ->
        admin
            .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
            .clusterId()
            .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
  }

  /** An admin client for {@link #kafka}. */
  public static Admin admin(String bootstrap, Duration timeout) {
    return Admin.create(
        KafkaClients.forBootstrap(bootstrap).probeAdmin("dependency-watch", timeout));
  }

  /**
   * PostgreSQL: a login and a validity check (a new connection each time: a kept one would hide a
   * restart).
   */
  public static DependencyWatch.Probe postgres(
      String jdbcUrl, String user, String password, Duration timeout) {
    return () -> {
      Properties p = new Properties();
      p.setProperty("user", user);
      p.setProperty("password", password);
      p.setProperty("connectTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
      p.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
      try (Connection c = DriverManager.getConnection(jdbcUrl, p)) {
        if (!c.isValid((int) Math.max(1, timeout.toSeconds()))) {
          throw new SQLException("connection not valid");
        }
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
          return; // it answered: refused credentials are not an outage
        }
        throw e;
      }
    };
  }

  /** S3: HEAD of the evidence bucket; any HTTP answer means the server is up. */
  public static DependencyWatch.Probe s3(S3Client s3, String bucket) {
    return () -> {
      try {
        s3.headBucket(b -> b.bucket(bucket));
      } catch (S3Exception e) {
        // 403, 404: it answered
      }
    };
  }

  /** An S3 client for {@link #s3}. */
  public static S3Client s3Client(
      String endpoint, String region, String accessKey, String secretKey, Duration timeout) {
    S3ClientBuilder b =
        S3Client.builder()
            .httpClient(
                Apache5HttpClient.builder()
                    .connectionTimeout(timeout)
                    .socketTimeout(timeout)
                    .build())
            .region(Region.of(region))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        accessKey.isEmpty() ? "probe" : accessKey,
                        secretKey.isEmpty() ? "probe" : secretKey)));
    if (!endpoint.isEmpty()) {
      b.endpointOverride(URI.create(endpoint));
    }
    return b.build();
  }

  /** Redis: PING on a fresh TCP connection; +PONG or an error reply (NOAUTH) both mean it is up. */
  public static DependencyWatch.Probe redis(String redisUri, Duration timeout) {
    URI uri = URI.create(redisUri);
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    return () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(uri.getHost(), port), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        int first = in.read();
        if (first != '+' && first != '-') {
          throw new IOException("no Redis reply to PING (read " + first + ")");
        }
      }
    };
  }
}
