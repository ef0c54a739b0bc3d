package io.provability.fabric.topology.runtime;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Fails fast, with one line naming {@code kafka.bootstrap.servers}, when no broker answers: a Kafka
 * client would otherwise retry for a minute and log a warning for every attempt. First a plain TCP
 * connection to each bootstrap address (no client, so nothing is logged), then a cluster
 * description with a short timeout.
 */
public final class BrokerCheck {
  /**
   * How long a broker that accepts connections may take to describe its cluster (a cold JVM on a
   * busy machine needs seconds for the client alone); an address where nothing listens fails at
   * once.
   */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private BrokerCheck() {}

  /** Thrown when no broker answers; its message is the one line to show. */
  public static final class Unreachable extends IOException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }

  /** Returns once a broker of {@code bootstrapServers} has described its cluster. */
  public static void requireReachable(String bootstrapServers) throws Unreachable {
    String fix =
        " ("
            + FabricConfig.BOOTSTRAP_CONFIG
            + "): check the address, that the broker runs, and for the "
            + "servers of a running 'fabric run' or 'fabric demo' use the endpoints file it wrote (--config <work dir>/endpoints.properties)";
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new Unreachable("no Kafka bootstrap servers given" + fix);
    }
    if (!anyAcceptsConnections(bootstrapServers)) {
      throw new Unreachable("no Kafka broker accepts connections at " + bootstrapServers + fix);
    }
    try (Admin admin =
        Admin.create(KafkaClients.forBootstrap(bootstrapServers).probeAdmin(TIMEOUT))) {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
          .clusterId()
          .get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new Unreachable(
          "the Kafka broker at "
              + bootstrapServers
              + " did not describe its cluster within "
              + TIMEOUT.toSeconds()
              + " s"
              + fix);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while checking the Kafka broker at " + bootstrapServers);
    }
  }

  private static boolean anyAcceptsConnections(String bootstrapServers) {
    for (String address : bootstrapServers.split(",")) {
      String a = address.strip();
      int colon = a.lastIndexOf(':');
      if (colon <= 0) {
        continue;
      }
      String host = a.substring(0, colon).replace("[", "").replace("]", "");
      int port;
      try {
        port = Integer.parseInt(a.substring(colon + 1));
      } catch (NumberFormatException e) {
        continue;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 3_000);
        return true;
      } catch (IOException | IllegalArgumentException e) {
        // try the next address
      }
    }
    return false;
  }
}
