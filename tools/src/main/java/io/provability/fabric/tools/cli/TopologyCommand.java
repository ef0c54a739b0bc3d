package io.provability.fabric.tools.cli;

import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fabric topology describe}: prints the processing topology. */
@Command(
    name = "topology",
    description = "Inspect the processing topology.",
    subcommands = TopologyCommand.Describe.class)
final class TopologyCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(
      name = "describe",
      description = "Print the Kafka Streams topology (sources, processors, stores, sinks).")
  static final class Describe implements Callable<Integer> {
    @Mixin ConfigOptions config;

    @Override
    public Integer call() {
      FabricConfig cfg = config.load(Map.of());
      // keys do not change the shape of the topology; throwaway ones avoid reading secrets here
      FabricTopology.Keys keys = new FabricTopology.Keys(KeyRing.empty());
      System.out.println(
          FabricTopology.build(FabricRuntime.topologySettings(cfg), keys).describe());
      return 0;
    }
  }
}
