package io.provability.fabric.tools.cli;

import io.provability.fabric.topology.config.ConfigDocs;
import io.provability.fabric.topology.config.FabricConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fabric config}: the configuration keys and the values in effect. */
@Command(
    name = "config",
    description = "Configuration keys (docs/configuration.md) and the values in effect.",
    subcommands = {ConfigCommand.Docs.class, ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code fabric config docs}. */
  @Command(
      name = "docs",
      description =
          "Print every key (type, default, valid values, description) as Markdown: "
              + "the source of docs/configuration.md.")
  static final class Docs implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(ConfigDocs.markdown());
      out.flush();
      return 0;
    }
  }

  /** {@code fabric config show}. */
  @Command(
      name = "show",
      description =
          "Print every key with the value in effect (defaults, --config file, "
              + "FABRIC_<KEY> environment variables, --set); passwords masked.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Override
    public Integer call() {
      FabricConfig cfg = config.load(Map.of());
      PrintWriter out = spec.commandLine().getOut();
      cfg.describe().forEach((k, v) -> out.println(k + "=" + v));
      out.flush();
      return 0;
    }
  }
}
