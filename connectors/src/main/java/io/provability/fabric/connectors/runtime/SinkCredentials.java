package io.provability.fabric.connectors.runtime;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Checks an instance's own credentials for PostgreSQL and S3 before its Connect worker joins the
 * group. A worker that joins takes a share of the sink tasks, and a task that runs with credentials
 * the servers reject writes nothing: so an instance whose credentials are rejected keeps its worker
 * out, and the others keep all the tasks. A server that cannot be reached says nothing about the
 * credentials: that is not a reason to stay out (the tasks retry, and their supervisor restarts
 * them).
 */
public final class SinkCredentials {

  /** What a check found. */
  public enum Outcome {
    /** The server accepted the credentials. */
    ACCEPTED,
    /** The server refused them: the worker must not join with them. */
    REJECTED,
    /** The server did not answer: nothing is known about the credentials. */
    UNREACHABLE
  }

  /**
   * The result of checking one dependency.
   *
   * @param dependency {@code postgresql} or {@code s3}
   * @param outcome what was found
   * @param detail the server's or client's reason (never a secret)
   */
  public record Check(String dependency, Outcome outcome, String detail) {
    @Override
    public String toString() {
      return dependency
          + " "
          + outcome.name().toLowerCase(Locale.ROOT)
          + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private SinkCredentials() {}

  /** Logs in to PostgreSQL with the settings' user and password. */
  public static Check postgres(SinkPipelineSettings s) {
    Properties p = new Properties();
    p.setProperty("user", s.jdbc().user());
    p.setProperty("password", s.jdbc().password());
    p.setProperty("connectTimeout", Long.toString(TIMEOUT.toSeconds()));
    p.setProperty("socketTimeout", Long.toString(TIMEOUT.toSeconds()));
    p.setProperty("loginTimeout", Long.toString(TIMEOUT.toSeconds()));
    try (Connection c = DriverManager.getConnection(s.jdbc().url(), p)) {
      return new Check("postgresql", Outcome.ACCEPTED, c.isValid(1) ? "" : "connection not valid");
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      // class 28: invalid authorization specification (28P01 wrong password, 28000 no such role or
      // no pg_hba entry); 3D000: the database does not exist; 42501: no privilege to connect
      boolean rejected = state.startsWith("28") || state.equals("3D000") || state.equals("42501");
      return new Check(
          "postgresql",
          rejected ? Outcome.REJECTED : Outcome.UNREACHABLE,
          firstLine(e.getMessage()));
    }
  }

  /**
   * Asks S3 about the evidence bucket with the settings' keys (HEAD bucket: no object is touched).
   */
  public static Check s3(SinkPipelineSettings s) {
    S3ClientBuilder b =
        S3Client.builder()
            .httpClient(
                Apache5HttpClient.builder()
                    .connectionTimeout(TIMEOUT)
                    .socketTimeout(TIMEOUT)
                    .build())
            .region(Region.of(s.s3().region()))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s.s3().accessKey(), s.s3().secretKey())));
    if (!s.s3().endpoint().isEmpty()) {
      b.endpointOverride(URI.create(s.s3().endpoint()));
    }
    if (s.s3().accessKey().isEmpty()) {
      // the default AWS credential chain (instance profile, ...) is the evidence sink's business
      return new Check("s3", Outcome.ACCEPTED, "no static keys configured");
    }
    try (S3Client s3 = b.build()) {
      s3.headBucket(HeadBucketRequest.builder().bucket(s.s3().bucket()).build());
      return new Check("s3", Outcome.ACCEPTED, "");
    } catch (S3Exception e) {
      int status = e.statusCode();
      // 404: the bucket does not exist yet (the evidence sink creates it): the keys were accepted
      if (status == 404) {
        return new Check(
            "s3", Outcome.ACCEPTED, "bucket " + s.s3().bucket() + " does not exist yet");
      }
      boolean rejected = status == 403 || status == 401 || status == 400;
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      return new Check(
          "s3",
          rejected ? Outcome.REJECTED : Outcome.UNREACHABLE,
          "HTTP " + status + (code == null || code.isEmpty() ? "" : " " + code));
    } catch (SdkClientException e) {
      return new Check("s3", Outcome.UNREACHABLE, firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
