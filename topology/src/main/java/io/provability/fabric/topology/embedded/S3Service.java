package io.provability.fabric.topology.embedded;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * S3Proxy in this JVM on 127.0.0.1, path-style, checking AWS V2 and V4 signatures against keys
 * generated per start, storing objects as files under the work directory.
 *
 * <p>Files rather than S3Proxy's in-memory store: evidence bundles would otherwise sit on the
 * heap that the broker and the application share.
 */
final class S3Service implements EmbeddedService {

  static final String NAME = "S3 (S3Proxy)";
  static final String REGION = "us-east-1";

  /**
   * No graceful stop (S3Proxy's default waits up to 30 s). Clients keep idle connections alive
   * after their last request (the JDK's HTTP client for 5 s), and a graceful stop waits for those
   * too, which made each stop take 1–2 s; a request still in flight when the stack stops has lost
   * its purpose anyway.
   */
  private static final Duration STOP_TIMEOUT = Duration.ZERO;
  /** What S3Proxy's own launcher waits for after start(). */
  private static final String STARTED = "STARTED";

  private final S3Proxy proxy;
  private final BlobStore store;
  private final String accessKey;
  private final String secretKey;

  private S3Service(S3Proxy proxy, BlobStore store, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.store = store;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts S3Proxy over a filesystem store rooted at {@code dir}; returns once it serves requests. */
  static S3Service start(Path dir, Duration timeout) throws Exception {
    String accessKey = RandomTokens.accessKeyId();
    String secretKey = RandomTokens.alphanumeric(40);
    BlobStore store = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(store)
        // port 0: Jetty binds a free port itself, which getPort() then reports
        .endpoint(URI.create("http://" + Loopback.HOST + ":0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .stopTimeout(STOP_TIMEOUT.toMillis())
        .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!STARTED.equals(proxy.getState())) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(NAME + " is still " + proxy.getState() + " after " + timeout);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      return new S3Service(proxy, store, accessKey, secretKey);
    } catch (Exception e) {
      try {
        proxy.stop();
      } catch (Exception stopFailure) {
        e.addSuppressed(stopFailure);
      }
      store.close();
      throw e;
    }
  }

  String endpoint() {
    return "http://" + Loopback.HOST + ":" + proxy.getPort();
  }

  String accessKey() {
    return accessKey;
  }

  String secretKey() {
    return secretKey;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException(NAME + " did not stop", e);
    } finally {
      store.close();
    }
  }
}
