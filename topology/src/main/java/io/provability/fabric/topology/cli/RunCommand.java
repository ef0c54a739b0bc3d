package io.provability.fabric.topology.cli;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.embedded.EmbeddedStack;
import io.provability.fabric.topology.embedded.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric run}: runs one instance until SIGTERM / Ctrl-C. */
@Command(name = "run", description = "Run one instance of the fabric (topology and sinks) until stopped.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  ConfigOptions config;

  @Option(names = "--no-sinks", description = "Run the decision topology only (sinks run elsewhere, e.g. on a Connect cluster).")
  boolean noSinks;

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
    FabricRuntime runtime = FabricRuntime.start(cfg, endpoints, !noSinks);
    EmbeddedStack ownedStack = stack;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      runtime.close();
      if (ownedStack != null) {
        ownedStack.close();
      }
      stopped.countDown();
    }, "fabric-shutdown"));
    LOG.info("running: {} ", endpoints);
    stopped.await();
    return 0;
  }
}
