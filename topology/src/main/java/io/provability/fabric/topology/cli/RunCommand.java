package io.provability.fabric.topology.cli;

import io.provability.fabric.connectors.runtime.ConnectorConflictException;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.embedded.EmbeddedStack;
import io.provability.fabric.topology.embedded.StackEndpoints;
import io.provability.fabric.topology.ops.OperationsServer;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric run}: the production entry point. Runs one instance (topology, sinks, HTTP server)
 * until SIGTERM / Ctrl-C, then stops gracefully: the HTTP server first (no new requests), then Kafka
 * Streams (commits its transaction and leaves the group, so the other instances take over at once),
 * then the sinks.
 */
@Command(name = "run", description = "Run one instance of the fabric (topology, sinks, HTTP front door, health, "
    + "metrics, lag dashboard) until SIGTERM.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  ConfigOptions config;

  @Option(names = "--no-sinks", description = "Run the decision topology only (sinks run elsewhere, e.g. on a Connect cluster).")
  boolean noSinks;

  @Option(names = "--no-http", description = "Do not start the HTTP server (front door, health, metrics, dashboard).")
  boolean noHttp;

  @Override
  public Integer call() throws Exception {
    FabricConfig cfg = config.load(Map.of());
    LOG.info("configuration: {}", cfg.describe());
    EmbeddedStack stack = null;
    StackEndpoints endpoints;
    if (cfg.mode() == FabricConfig.Mode.EMBEDDED) {
      stack = EmbeddedStack.start(cfg.workDir().resolve("stack"));
      endpoints = stack.endpoints();
    } else {
      endpoints = FabricRuntime.externalEndpoints(cfg);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    FabricRuntime runtime = FabricRuntime.create(cfg, endpoints, !noSinks);
    // the HTTP server comes up first: probes see "not ready" while the topology restores and joins
    OperationsServer ops = noHttp ? null : OperationsServer.start(runtime, Clock.systemUTC());
    EmbeddedStack ownedStack = stack;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      if (ops != null) {
        ops.close();
      }
      runtime.close();
      if (ownedStack != null) {
        ownedStack.close();
      }
      LOG.info("stopped");
      stopped.countDown();
    }, "fabric-shutdown"));
    try {
      runtime.startAndAwait(Duration.ofMinutes(10));
    } catch (ConnectorConflictException e) {
      // one line, no stack trace: the operator's settings disagree with the cluster's, nothing is broken
      // the shutdown hook above stops the rest at exit
      LOG.error("refusing to start: {}", e.getMessage());
      return 2;
    }
    LOG.info("running: {}{}", endpoints, ops == null ? "" : "; HTTP on port " + ops.port());
    stopped.await();
    return 0;
  }
}
