package io.provability.fabric.topology.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fabric} command: the entry point of the application jar. */
@Command(name = "fabric", mixinStandardHelpOptions = true, version = "fabric 0.1.0",
    description = "Provability Fabric streaming runtime: decides agent plans on Kafka Streams and keeps "
        + "tamper-evident evidence.",
    subcommands = {DemoCommand.class, RunCommand.class, LoadCommand.class, TopologyCommand.class, TopicsCommand.class,
        LagCommand.class, TokenCommand.class, TokenCommand.Keys.class, AuditCommand.class, ReplayCommand.class,
        WitnessCommand.class})
public final class FabricCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new FabricCli()).execute(args);
    System.exit(code);
  }
}
