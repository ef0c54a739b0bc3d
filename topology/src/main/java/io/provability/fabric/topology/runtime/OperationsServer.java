package io.provability.fabric.topology.runtime;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.http.FabricHttpServer;
import io.provability.fabric.topology.http.FrontDoor;
import io.provability.fabric.topology.metrics.ConsumerLagMonitor;
import io.provability.fabric.topology.ops.TopicDeclarations;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an instance serves besides the topology: the HTTP front door with its reply consumer, the
 * health endpoints, {@code /metrics}, and the consumer-lag monitor and dashboard. Started around a
 * {@link FabricRuntime} that may not be running yet (health then answers not ready).
 */
public final class OperationsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationsServer.class);

  private final FrontDoor frontDoor;
  private final ConsumerLagMonitor lag;
  private final FabricHttpServer http;
  private final ScheduledExecutorService sinkMetricsRefresh;

  private OperationsServer(
      FrontDoor frontDoor,
      ConsumerLagMonitor lag,
      FabricHttpServer http,
      ScheduledExecutorService sinkMetricsRefresh) {
    this.frontDoor = frontDoor;
    this.lag = lag;
    this.http = http;
    this.sinkMetricsRefresh = sinkMetricsRefresh;
  }

  /** Starts the front door, the lag monitor and the HTTP server of {@code runtime}. */
  public static OperationsServer start(FabricRuntime runtime, Clock clock)
      throws InterruptedException {
    FabricConfig cfg = runtime.config();
    String bootstrap = runtime.endpoints().bootstrapServers();
    int maxBody = cfg.getInt(FabricConfig.HTTP_MAX_BODY_CONFIG);
    requireTopicTakesLargestBody(bootstrap, cfg.topicRequests(), maxBody);
    FrontDoor frontDoor =
        new FrontDoor(
            bootstrap,
            cfg.topicRequests(),
            cfg.topicDecisions(),
            runtime.meterRegistry(),
            maxBody,
            runtime.codec(),
            cfg.clientIdPrefix());
    ConsumerLagMonitor lag = null;
    FabricHttpServer http = null;
    ScheduledExecutorService refresh = null;
    try {
      if (!frontDoor.awaitReady(Duration.ofSeconds(60))) {
        throw new IllegalStateException(
            "the front door's reply consumer could not read " + cfg.topicDecisions());
      }
      runtime.health().frontDoor(frontDoor::ready);
      lag =
          new ConsumerLagMonitor(
                  bootstrap,
                  TopicDeclarations.of(cfg).stream().map(TopicDeclarations.Topic::name).toList(),
                  clock,
                  cfg.clientIdPrefix(),
                  cfg.getString(FabricConfig.LAG_CLUSTER_NAME_CONFIG))
              .start(
                  runtime.meterRegistry(),
                  Duration.ofMillis(cfg.getLong(FabricConfig.LAG_INTERVAL_CONFIG)));
      http =
          FabricHttpServer.start(
              new FabricHttpServer.Settings(
                  cfg.getString(FabricConfig.HTTP_HOST_CONFIG),
                  cfg.getInt(FabricConfig.HTTP_PORT_CONFIG),
                  Duration.ofMillis(cfg.getLong(FabricConfig.HTTP_TIMEOUT_CONFIG)),
                  Duration.ofMillis(cfg.getLong(FabricConfig.HTTP_MAX_TIMEOUT_CONFIG)),
                  cfg.getInt(FabricConfig.HTTP_MAX_BODY_CONFIG)),
              runtime.metrics(),
              runtime.health(),
              frontDoor,
              lag,
              clock,
              runtime.tracing());
      refresh =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "fabric-sink-metrics");
                t.setDaemon(true);
                return t;
              });
      // sink tasks (and their JMX beans) appear after the connectors start, and again after a
      // rebalance
      refresh.scheduleWithFixedDelay(
          () -> {
            if (runtime.sinkMetrics() != null) {
              runtime.sinkMetrics().refresh();
            }
          },
          1,
          2,
          TimeUnit.SECONDS);
      LOG.info(
          "HTTP server on port {}: /v1/plans /v1/retrievals /v1/egress /health/live /health/ready /metrics /lag",
          http.port());
      return new OperationsServer(frontDoor, lag, http, refresh);
    } catch (RuntimeException | InterruptedException e) {
      if (refresh != null) {
        refresh.shutdownNow();
      }
      if (http != null) {
        http.close();
      }
      if (lag != null) {
        lag.close();
      }
      frontDoor.close();
      throw e;
    }
  }

  /** The HTTP port. */
  public int port() {
    return http.port();
  }

  public ConsumerLagMonitor lagMonitor() {
    return lag;
  }

  public FrontDoor frontDoor() {
    return frontDoor;
  }

  /** Stops accepting HTTP requests first, then the clients. */
  @Override
  public void close() {
    http.close();
    sinkMetricsRefresh.shutdownNow();
    lag.close();
    frontDoor.close();
  }

  /**
   * The body limit and the requests topic's {@code max.message.bytes} must agree: a body the HTTP
   * server accepts must fit in one record of the topic, or the caller would get a failure instead
   * of a 413.
   */
  static void requireTopicTakesLargestBody(String bootstrap, String topic, int maxBodyBytes)
      throws InterruptedException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    long topicMax;
    try (Admin admin = Admin.create(KafkaClients.forBootstrap(bootstrap).admin())) {
      var entry =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(30, TimeUnit.SECONDS)
              .get(resource)
              .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (entry == null || entry.value() == null) {
        return;
      }
      topicMax = Long.parseLong(entry.value());
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn(
          "could not read max.message.bytes of {} to check {} against it: {}",
          topic,
          FabricConfig.HTTP_MAX_BODY_CONFIG,
          e.getMessage());
      return;
    }
    if ((long) maxBodyBytes + FrontDoor.ENVELOPE_BYTES > topicMax) {
      throw new ConfigException(
          FabricConfig.HTTP_MAX_BODY_CONFIG
              + " is "
              + maxBodyBytes
              + " bytes, but topic "
              + topic
              + " takes records of at most "
              + topicMax
              + " bytes (max.message.bytes), and a "
              + "request needs up to "
              + FrontDoor.ENVELOPE_BYTES
              + " bytes more than its body: set "
              + FabricConfig.HTTP_MAX_BODY_CONFIG
              + " to at most "
              + (topicMax - FrontDoor.ENVELOPE_BYTES)
              + " or raise the topic's max.message.bytes");
    }
  }
}
