package io.provability.fabric.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code fabric} command: the entry point of the application jar. Every subcommand inherits
 * {@code --help}/{@code -h}, {@code --version}/{@code -V} and {@code --verbose}; {@code fabric help
 * <command>} prints a command's help. Errors are reported by {@link CliErrors}: one line, exit code
 * 2 for usage errors and 1 for runtime failures.
 */
@Command(
    name = "fabric",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = FabricCli.Version.class,
    description =
        "Provability Fabric streaming runtime: decides agent plans on Kafka Streams and keeps "
            + "tamper-evident evidence.",
    footer = {
      "",
      "Exit codes: 0 success, 1 runtime failure, 2 usage error (bad option, configuration or file); "
          + "'fabric audit' also uses 1 for findings.",
      "Durations: 500ms, 5s, 2m, 1h30m, 1d or ISO-8601 (PT5S). Times: 2026-12-01 or RFC 3339 (2026-12-01T10:00:00Z)."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      RunCommand.class,
      LoadCommand.class,
      TopologyCommand.class,
      TopicsCommand.class,
      LagCommand.class,
      TokenCommand.class,
      TokenCommand.Keys.class,
      PolicyCommand.class,
      AuditCommand.class,
      ReplayCommand.class,
      ConfigCommand.class,
      WitnessCommand.class,
      SchemasCommand.class,
      KernelCommand.class
    })
public final class FabricCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = CliErrors.VERBOSE,
      scope = ScopeType.INHERIT,
      description =
          "Print the stack trace of a failure (and keep library log lines on the console).")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The command line with the shared converters and error handling; tests execute it in-process.
   */
  public static CommandLine commandLine() {
    CliErrors errors = new CliErrors();
    return new CommandLine(new FabricCli())
        .registerConverter(Duration.class, CliConverters::duration)
        .registerConverter(Instant.class, CliConverters::instant)
        .setExecutionExceptionHandler(errors)
        .setParameterExceptionHandler(errors);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The version the build wrote into {@code fabric/version.properties}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      return new String[] {"fabric " + version()};
    }

    static String version() throws IOException {
      Properties p = new Properties();
      try (InputStream in = FabricCli.class.getResourceAsStream("/fabric/version.properties")) {
        if (in == null) {
          return "unknown (no fabric/version.properties on the class path)";
        }
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    }
  }
}
