package io.provability.fabric.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis 6.2 binary bundled with embedded-redis, as a child process of this JVM, bound to
 * 127.0.0.1, keeping nothing on disk.
 */
final class RedisService implements EmbeddedService {

  static final String NAME = "Redis";

  private static final Logger LOG = LoggerFactory.getLogger(RedisService.class);

  private final RedisServer server;
  private final Path binaryDir;
  private final int port;

  private RedisService(RedisServer server, Path binaryDir, int port) {
    this.server = server;
    this.binaryDir = binaryDir;
    this.port = port;
  }

  /**
   * Writes the Redis binary into {@code dir}. Call it before starting anything else: a process
   * forked while the binary is open for writing inherits that file descriptor, and until the fork
   * has exec'd, starting the binary fails with "Text file busy" (ETXTBSY).
   */
  static Path unpackBinary(Path dir) throws IOException {
    return ExecutableProvider.newJarResourceProvider(dir.toFile()).get().toPath().toAbsolutePath();
  }

  /**
   * Starts the binary from {@link #unpackBinary(Path)}, in its directory; returns once Redis
   * accepts connections.
   */
  static RedisService start(Path binary) throws IOException {
    Path dir = binary.getParent();
    for (int attempt = 1; ; attempt++) {
      int port = Loopback.freePort();
      RedisServer server =
          RedisServer.newRedisServer()
              .executableProvider(binary::toFile)
              .bind(Loopback.HOST)
              .port(port)
              // a cache and a rate limiter: nothing here is worth a snapshot or an append-only file
              .setting("save \"\"")
              .setting("appendonly no")
              .setting("dir \"" + dir + "\"")
              // read both streams for as long as it runs: a full pipe would stall the server
              .soutListener(line -> LOG.debug("redis: {}", line))
              .serrListener(line -> LOG.warn("redis: {}", line))
              .build();
      try {
        // start() returns when the server has logged "Ready to accept connections"
        server.start();
        return new RedisService(server, dir, port);
      } catch (IOException e) {
        if (attempt < Loopback.BIND_ATTEMPTS && Loopback.lostPortRace(e, port)) {
          LOG.info("{}: port {} was taken meanwhile; trying another", NAME, port);
          continue;
        }
        if (attempt < Loopback.BIND_ATTEMPTS && isTextFileBusy(e)) {
          // a process forked elsewhere in this JVM still held the binary open: it lets go on exec
          LOG.info("{}: binary busy (ETXTBSY); trying again", NAME);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50L * attempt));
          continue;
        }
        throw e;
      }
    }
  }

  String uri() {
    return "redis://" + Loopback.HOST + ":" + port;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Stream<ProcessHandle> processes() {
    return ProcessHandle.current()
        .children()
        .filter(
            child ->
                child
                    .info()
                    .command()
                    .map(command -> Path.of(command).startsWith(binaryDir))
                    .orElse(false));
  }

  @Override
  public void close() {
    try {
      // SIGTERM and wait: with nothing to persist Redis exits at once
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(NAME + " did not stop", e);
    }
  }

  private static boolean isTextFileBusy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Text file busy")) {
        return true;
      }
    }
    return false;
  }
}
