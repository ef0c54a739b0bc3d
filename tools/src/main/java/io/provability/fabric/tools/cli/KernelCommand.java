package io.provability.fabric.tools.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fabric kernel}: policy testing offline, with the stream's own deciders. */
@Command(
    name = "kernel",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate requests offline with the stream's deciders (no broker, no state): 'eval' prints one "
            + "decision, 'test' runs a folder of cases. See docs/kernel.md.",
    subcommands = {KernelEvalCommand.class, KernelTestCommand.class})
final class KernelCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
