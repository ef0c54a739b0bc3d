package io.provability.fabric.tests;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import redis.embedded.RedisServer;

/**
 * Redis servers of a test's own, apart from the shared stack's (a test may kill them): the Redis
 * 6.2 binary bundled with embedded-redis, on loopback, keeping nothing on disk. A 3-master cluster
 * is formed by hand with CLUSTER ADDSLOTS and CLUSTER MEET (embedded-redis's own cluster helper
 * binds fixed ports and returns before the cluster is ready).
 */
final class RedisProcesses {
  private static final SecureRandom RANDOM = new SecureRandom();

  private RedisProcesses() {}

  /** A standalone server on {@code port} (0: a free one). */
  static RedisServer standalone(int port) throws IOException {
    Path dir = Files.createTempDirectory("fabric-redis-it-");
    RedisServer server =
        RedisServer.newRedisServer()
            .bind("127.0.0.1")
            .port(port == 0 ? freePort(false) : port)
            .setting("save \"\"")
            .setting("appendonly no")
            .setting("dir \"" + dir + "\"")
            .soutListener(line -> {})
            .serrListener(line -> {})
            .build();
    server.start();
    return server;
  }

  /** The first port a server listens on. */
  static int port(RedisServer server) {
    return server.ports().get(0);
  }

  /**
   * Three masters on loopback covering all 16384 slots; returns once every node reports
   * cluster_state:ok.
   */
  static List<RedisServer> cluster() throws IOException {
    List<RedisServer> nodes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int port = freePort(true);
      Path dir = Files.createTempDirectory("fabric-redis-cluster-it-");
      RedisServer server =
          RedisServer.newRedisServer()
              .bind("127.0.0.1")
              .port(port)
              .setting("save \"\"")
              .setting("appendonly no")
              .setting("dir \"" + dir + "\"")
              .setting("cluster-enabled yes")
              .setting("cluster-config-file nodes-" + port + ".conf")
              .setting("cluster-node-timeout 5000")
              .soutListener(line -> {})
              .serrListener(line -> {})
              .build();
      server.start();
      nodes.add(server);
      ports.add(port);
    }
    int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
    for (int i = 0; i < 3; i++) {
      try (Admin a = new Admin(ports.get(i))) {
        a.cmd.clusterAddSlots(IntStream.rangeClosed(ranges[i][0], ranges[i][1]).toArray());
        if (i > 0) {
          a.cmd.clusterMeet("127.0.0.1", ports.get(0));
        }
      }
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              for (int p : ports) {
                try (Admin a = new Admin(p)) {
                  if (!a.cmd.clusterInfo().contains("cluster_state:ok")) {
                    return false;
                  }
                }
              }
              return true;
            });
    return nodes;
  }

  /** Keys held by the server on {@code port}. */
  static long dbSize(int port) {
    try (Admin a = new Admin(port)) {
      return a.cmd.dbsize();
    }
  }

  /** A short-lived admin connection. */
  private static final class Admin implements AutoCloseable {
    final RedisClient client;
    final StatefulRedisConnection<String, String> conn;
    final RedisCommands<String, String> cmd;

    Admin(int port) {
      client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
      conn = client.connect();
      cmd = conn.sync();
    }

    @Override
    public void close() {
      conn.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
  }

  /** A free port; for a cluster node, also port + 10000 (its cluster bus) must be free. */
  private static int freePort(boolean withBus) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20_000 + RANDOM.nextInt(20_000);
      if (free(port) && (!withBus || free(port + 10_000))) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops a server; a failure to stop one is a test failure. */
  static void stop(RedisServer server) {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
