package io.provability.fabric.embedded;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3Proxy in this JVM on 127.0.0.1, path-style, checking AWS V2 and V4 signatures against keys
 * generated per start, storing objects as files under the work directory.
 *
 * <p>Files rather than S3Proxy's in-memory store: evidence bundles would otherwise sit on the heap
 * that the broker and the application share.
 *
 * <p>{@link EmbeddedStack} runs one as part of the stack; a test that needs S3 alone starts one
 * with {@link #start(Path, Duration)} and closes it itself. It holds no bucket at start: clients
 * create the ones they use.
 */
public final class S3Service implements EmbeddedService {

  static final String NAME = "S3 (S3Proxy)";
  private static final Logger LOG = LoggerFactory.getLogger(S3Service.class);

  /** The region clients sign for. */
  public static final String REGION = "us-east-1";

  /**
   * No graceful stop (S3Proxy's default waits up to 30 s). Clients keep idle connections alive
   * after their last request (the JDK's HTTP client for 5 s), and a graceful stop waits for those
   * too, which made each stop take 1–2 s; a request still in flight when the stack stops has lost
   * its purpose anyway.
   */
  private static final Duration STOP_TIMEOUT = Duration.ZERO;

  /** What S3Proxy's own launcher waits for after start(). */
  private static final String STARTED = "STARTED";

  private final BlobStore store;
  private final String accessKey;
  private final String secretKey;
  private final int port;
  private final Duration timeout;

  /** The running proxy, or null while stopped by {@link #stop()}. Guarded by this. */
  private S3Proxy proxy;

  private S3Service(
      S3Proxy proxy, BlobStore store, String accessKey, String secretKey, Duration timeout) {
    this.proxy = proxy;
    this.store = store;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.port = proxy.getPort();
    this.timeout = timeout;
  }

  /**
   * Starts S3Proxy on a free port of 127.0.0.1 over a filesystem store rooted at {@code dir}, with
   * keys generated for this start; returns once it serves requests.
   *
   * @param dir an existing directory for the objects, e.g. a test's temporary directory (left in
   *     place by {@link #close()})
   * @param timeout bound on the start
   * @return the running server, owned by the caller, who must {@link #close()} it
   * @throws Exception if S3Proxy does not start
   */
  public static S3Service start(Path dir, Duration timeout) throws Exception {
    String accessKey = RandomTokens.accessKeyId();
    String secretKey = RandomTokens.alphanumeric(40);
    BlobStore store = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
    try {
      // port 0: Jetty binds a free port itself, which getPort() then reports
      S3Proxy proxy = startProxy(store, 0, accessKey, secretKey, timeout);
      return new S3Service(proxy, store, accessKey, secretKey, timeout);
    } catch (Exception e) {
      store.close();
      throw e;
    }
  }

  private static S3Proxy startProxy(
      BlobStore store, int port, String accessKey, String secretKey, Duration timeout)
      throws Exception {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(store)
            .endpoint(URI.create("http://" + Loopback.HOST + ":" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .stopTimeout(STOP_TIMEOUT.toMillis())
            .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!STARTED.equals(proxy.getState())) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              NAME + " is still " + proxy.getState() + " after " + timeout);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      return proxy;
    } catch (Exception e) {
      try {
        proxy.stop();
      } catch (Exception stopFailure) {
        e.addSuppressed(stopFailure);
      }
      throw e;
    }
  }

  /**
   * @return the endpoint URL, addressed path-style, e.g. {@code http://127.0.0.1:40126}
   */
  public String endpoint() {
    return "http://" + Loopback.HOST + ":" + port;
  }

  /**
   * Stops serving: the port closes and requests fail with connection refused until {@link
   * #restart()}. The stored objects stay on disk. Does nothing if already stopped.
   */
  synchronized void stop() {
    if (proxy == null) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException(NAME + " did not stop", e);
    }
    proxy = null;
    LOG.info("{}: stopped on request (objects kept)", NAME);
  }

  /**
   * Serves the same objects again, on the same port and with the same keys, so that clients
   * reconnect unchanged; returns once it accepts requests. Does nothing if it runs.
   */
  synchronized void restart() {
    if (proxy != null) {
      return;
    }
    try {
      proxy = startProxy(store, port, accessKey, secretKey, timeout);
      LOG.info("{}: started again on port {}", NAME, port);
    } catch (Exception e) {
      throw new IllegalStateException(NAME + " did not start again on port " + port, e);
    }
  }

  /**
   * @return whether it serves requests (not stopped by {@link #stop()})
   */
  synchronized boolean running() {
    return proxy != null;
  }

  /**
   * @return the access key id it accepts, generated at start
   */
  public String accessKey() {
    return accessKey;
  }

  /**
   * @return the secret access key it accepts, generated at start
   */
  public String secretKey() {
    return secretKey;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Stops serving and returns once its port is closed; the stored objects stay on disk. */
  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      store.close();
    }
  }
}
