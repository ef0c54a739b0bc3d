package io.provability.fabric.sinks.testing;

import java.net.URI;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3Proxy server in-process on 127.0.0.1 and a free port, with an in-memory (transient) blob
 * store and AWS v2/v4 authentication.
 */
public final class S3ProxyFixture implements AutoCloseable {

  /** Access key the proxy accepts. */
  public static final String ACCESS_KEY = "fabric-test-access";

  /** Secret key the proxy accepts. */
  public static final String SECRET_KEY = "fabric-test-secret";

  /** Region the clients sign for. */
  public static final String REGION = "us-east-1";

  private final S3Proxy proxy;
  private final URI endpoint;

  private S3ProxyFixture(S3Proxy proxy) {
    this.proxy = proxy;
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Starts the proxy and returns once it serves requests. */
  public static S3ProxyFixture start() {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new TransientNio2BlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    try {
      proxy.start();
    } catch (Exception e) {
      throw new IllegalStateException("starting S3Proxy failed", e);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState());
      }
      Thread.onSpinWait();
    }
    return new S3ProxyFixture(proxy);
  }

  /**
   * @return the http endpoint
   */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * @return a plain client for the test's own checks (tampering, counting objects)
   */
  public S3Client client() {
    return S3Client.builder()
        .httpClient(Apache5HttpClient.builder().build())
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.of(REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping S3Proxy failed", e);
    }
  }
}
