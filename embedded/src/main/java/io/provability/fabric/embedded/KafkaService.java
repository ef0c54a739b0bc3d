package io.provability.fabric.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka cluster in this JVM: one {@link KafkaRaftServer} that is broker and
 * controller at once, with a static one-voter quorum, listening on 127.0.0.1 only.
 *
 * <p>Its log directory is formatted afresh on every start (as {@code kafka-storage.sh format}
 * would), so a start never sees the topics of an earlier one. It creates no topic of its own
 * accord: clients create the topics they use.
 *
 * <p>{@link EmbeddedStack} runs one as part of the stack; a test that needs a broker alone starts
 * one with {@link #start(Path, Duration)} and closes it itself. Its start replaces Kafka's JVM-wide
 * exit and halt procedures for good, so that a fatal broker error throws instead of ending the JVM.
 */
public final class KafkaService implements EmbeddedService {

  static final String NAME = "Kafka broker";

  private static final Logger LOG = LoggerFactory.getLogger(KafkaService.class);
  private static final int NODE_ID = 1;
  private static final String CLIENT_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final AtomicBoolean EXIT_PROCEDURES_INSTALLED = new AtomicBoolean();

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private KafkaService(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Formats a log directory under {@code dir}, starts the broker on free ports of 127.0.0.1 and
   * returns once an admin client has described the cluster through the client listener.
   *
   * @param dir an existing directory for the broker's logs, e.g. a test's temporary directory (left
   *     in place by {@link #close()})
   * @param readyTimeout bound on the start
   * @return the running broker, owned by the caller, who must {@link #close()} it
   * @throws IllegalStateException if the broker fails or is not ready within {@code readyTimeout}
   * @throws Exception if the log directory cannot be formatted or the broker does not start
   */
  public static KafkaService start(Path dir, Duration readyTimeout) throws Exception {
    installExitProcedures();
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    for (int attempt = 1; ; attempt++) {
      int clientPort = Loopback.freePort();
      int controllerPort = Loopback.freePort();
      while (controllerPort == clientPort) {
        controllerPort = Loopback.freePort();
      }
      // a fresh directory per attempt: a failed attempt may have left a locked or half-written one
      Path logDir = dir.resolve("data-" + attempt);
      KafkaConfig config = new KafkaConfig(brokerConfig(logDir, clientPort, controllerPort), false);
      format(config, logDir);

      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      String bootstrap = Loopback.HOST + ":" + clientPort;
      try {
        server.startup();
        awaitDescribeCluster(bootstrap, deadline);
        return new KafkaService(server, bootstrap);
      } catch (Exception | Error e) {
        stopAfterFailedStart(server, e);
        if (attempt < Loopback.BIND_ATTEMPTS
            && Loopback.lostPortRace(e, clientPort, controllerPort)) {
          LOG.info("{}: a port picked for it was taken meanwhile; trying fresh ports", NAME);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * @return the {@code bootstrap.servers} of its client listener, e.g. {@code 127.0.0.1:40123}
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Shuts the broker down and returns once it has stopped. */
  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  /**
   * The settings that make a one-node cluster behave on a laptop; everything else is Kafka's
   * default.
   */
  private static Map<String, String> brokerConfig(Path logDir, int clientPort, int controllerPort) {
    String controller = Loopback.HOST + ":" + controllerPort;
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(NODE_ID));
    // static quorum: the voter set is fixed by configuration, so formatting needs no directory id
    props.put("controller.quorum.voters", NODE_ID + "@" + controller);
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put(
        "listeners",
        CLIENT_LISTENER
            + "://"
            + Loopback.HOST
            + ":"
            + clientPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + controller);
    props.put("advertised.listeners", CLIENT_LISTENER + "://" + Loopback.HOST + ":" + clientPort);
    props.put("inter.broker.listener.name", CLIENT_LISTENER);
    props.put(
        "listener.security.protocol.map",
        CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("log.dirs", logDir.toAbsolutePath().toString());

    // one broker: every internal topic must make do with one replica
    props.put("offsets.topic.replication.factor", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    // the defaults (50 partitions each) make the first consumer group and the first transaction
    // slow
    props.put("offsets.topic.num.partitions", "3");
    props.put("transaction.state.log.num.partitions", "3");
    props.put("group.initial.rebalance.delay.ms", "0");
    // the application creates its topics with the partitions and settings it needs
    props.put("auto.create.topics.enable", "false");
    // abort the open transaction of a killed instance soon after its timeout (default: checked
    // every 10 s)
    props.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");

    // sized for a 2-core machine shared with the application: the defaults are 3 network threads,
    // 8 I/O threads and a 128 MiB log-cleaner buffer taken from the heap
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "4");
    props.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
    return props;
  }

  /**
   * What {@code kafka-storage.sh format -t <random id> -c server.properties} does, with a static
   * quorum.
   */
  private static void format(KafkaConfig config, Path logDir) throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(print)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setMetadataLogDirectory(config.metadataLogDir())
          .addDirectory(logDir.toAbsolutePath().toString())
          .setWriteBootstrapSnapshot(true)
          .run();
    }
    LOG.debug("{}: {}", NAME, output.toString(StandardCharsets.UTF_8).strip());
  }

  /**
   * startup() returning is no promise that clients are served; a describeCluster answered through
   * the client listener, which is what a client's first request looks like, is.
   */
  private static void awaitDescribeCluster(String bootstrap, long deadlineNanos)
      throws InterruptedException, ExecutionException {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            AdminClientConfig.CLIENT_ID_CONFIG,
            "embedded-stack-readiness");
    try (Admin admin = Admin.create(config)) {
      while (true) {
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remainingMs <= 0) {
          throw new IllegalStateException(
              NAME + " at " + bootstrap + " gave no cluster description in time");
        }
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, remainingMs);
        try {
          Collection<Node> nodes =
              admin
                  .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
                  .nodes()
                  .get(remainingMs, TimeUnit.MILLISECONDS);
          if (!nodes.isEmpty()) {
            return;
          }
        } catch (TimeoutException e) {
          throw new IllegalStateException(
              NAME + " at " + bootstrap + " gave no cluster description in time", e);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)) {
            throw e;
          }
        }
      }
    }
  }

  private static void stopAfterFailedStart(KafkaRaftServer server, Throwable failure) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Kafka ends the process through {@link Exit} on a fatal error. Here that process is a test JVM
   * or the demo: the error must surface as an exception in the broker's thread instead. JVM-wide
   * and never reset, because a broker may still be running when a stack closes.
   */
  private static void installExitProcedures() {
    if (EXIT_PROCEDURES_INSTALLED.compareAndSet(false, true)) {
      Exit.setExitProcedure(
          (status, message) -> {
            throw new IllegalStateException(
                "embedded Kafka called exit(" + status + "): " + message);
          });
      Exit.setHaltProcedure(
          (status, message) -> {
            throw new IllegalStateException(
                "embedded Kafka called halt(" + status + "): " + message);
          });
    }
  }
}
