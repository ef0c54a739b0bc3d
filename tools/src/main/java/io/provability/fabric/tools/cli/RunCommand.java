package io.provability.fabric.tools.cli;

import io.provability.fabric.connectors.runtime.ConnectorConflictException;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.DevelopmentSetup;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.OperationsServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * until SIGTERM / Ctrl-C, then stops gracefully: the HTTP server first (no new requests), then
 * Kafka Streams (commits its transaction and leaves the group, so the other instances take over at
 * once), then the sinks.
 */
@Command(
    name = "run",
    description =
        "Run one instance of the fabric (topology, sinks, HTTP front door, health, "
            + "metrics, lag dashboard) until SIGTERM.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin ConfigOptions config;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--no-sinks",
      description =
          "Run the decision topology only (sinks run elsewhere, e.g. on a Connect cluster).")
  boolean noSinks;

  @Option(
      names = "--no-http",
      description = "Do not start the HTTP server (front door, health, metrics, dashboard).")
  boolean noHttp;

  @Option(
      names = "--endpoints-file",
      description =
          "Write the servers' addresses here as an external-mode properties "
              + "file, for --config of 'fabric audit', 'replay', 'policy' and 'lag' (embedded mode; default "
              + "<work dir>/endpoints.properties).")
  Path endpointsFile;

  @Override
  public Integer call() throws Exception {
    FabricConfig cfg = config.load(Map.of());
    EmbeddedMode.Running stack = null;
    StackEndpoints endpoints;
    DevelopmentSetup.Prepared dev = null;
    if (cfg.mode() == FabricConfig.Mode.EMBEDDED) {
      EmbeddedMode.requireAvailable();
      if (!LogSetup.verbose(spec)) {
        // the embedded servers' start-up warnings (leaders not elected yet, retriable transaction
        // errors) are
        // part of a correct start; the console keeps this application's own lines
        Files.createDirectories(cfg.workDir());
        LogSetup.libraryLogsTo(cfg.workDir().resolve("fabric.log"));
      }
      dev = DevelopmentSetup.prepare(cfg);
      LOG.info("configuration: {}", cfg.describe());
      stack = EmbeddedMode.start(cfg.workDir().resolve("stack"));
      endpoints = stack.endpoints();
    } else {
      LOG.info("configuration: {}", cfg.describe());
      endpoints = FabricRuntime.externalEndpoints(cfg);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    FabricRuntime runtime = FabricRuntime.create(cfg, endpoints, !noSinks);
    // the HTTP server comes up first: probes see "not ready" while the topology restores and joins
    OperationsServer ops = noHttp ? null : OperationsServer.start(runtime, Clock.systemUTC());
    EmbeddedMode.Running ownedStack = stack;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
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
                },
                "fabric-shutdown"));
    try {
      runtime.startAndAwait(Duration.ofMinutes(10));
    } catch (ConnectorConflictException e) {
      // one line, no stack trace: the operator's settings disagree with the cluster's, nothing is
      // broken
      // the shutdown hook above stops the rest at exit
      LOG.error("refusing to start: {}", e.getMessage());
      return 2;
    }
    LOG.info("running: {}{}", endpoints, ops == null ? "" : "; HTTP on port " + ops.port());
    if (dev != null) {
      Path file =
          endpointsFile != null ? endpointsFile : cfg.workDir().resolve("endpoints.properties");
      DevelopmentSetup.writeEndpoints(file, cfg, endpoints);
      printDevelopmentHelp(cfg, dev, file, ops == null ? -1 : ops.port());
    }
    stopped.await();
    return 0;
  }

  /**
   * What a developer needs next: where the keys are, how to mint a token, where the front door
   * listens.
   */
  private void printDevelopmentHelp(
      FabricConfig cfg, DevelopmentSetup.Prepared dev, Path endpoints, int port) {
    PrintStream out = System.out;
    out.println();
    out.println(
        "fabric run: running on the embedded stack (development mode: every start begins with empty servers)");
    if (dev.issuerKey() != null) {
      out.println("  token issuer key (development, trusted by this instance): " + dev.issuerKey());
      out.println(
          "  mint a token:  ./fabric token issue --key "
              + dev.issuerKey()
              + " --tenant acme --subject agent-1 --cap 'read_docs:READ:acme/docs/*' --format avro-base64");
    }
    if (port > 0) {
      out.println(
          "  front door:    curl -s -X POST -H 'Content-Type: application/json' --data @docs/examples/plan.json "
              + "http://127.0.0.1:"
              + port
              + "/v1/plans");
    }
    out.println(
        "  servers:       "
            + endpoints
            + "  (use with --config for 'fabric audit', 'replay', 'policy', 'lag')");
    out.println("  library log:   " + cfg.workDir().resolve("fabric.log"));
    out.println("  stop:          Ctrl-C");
    out.flush();
  }
}
