package io.provability.fabric.tools.cli;

import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.sinks.witness.S3LogStorage;
import io.provability.fabric.sinks.witness.Witness;
import io.provability.fabric.sinks.witness.WitnessConfig;
import io.provability.fabric.sinks.witness.WitnessResult;
import io.provability.fabric.sinks.witness.WitnessState;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric witness}: runs the evidence-log witness (everything but the loop lives in {@code
 * io.provability.fabric.sinks.witness}). Exit codes: 0 all logs fine, 1 a log was refused
 * (rollback, fork, bad checkpoint, unprovable) or unreachable, 2 the witness could not start
 * (config, key, state file).
 */
@Command(
    name = "witness",
    mixinStandardHelpOptions = true,
    description =
        "Witness the evidence logs: check each log's checkpoint is consistent with the last one this "
            + "witness cosigned, refuse rollbacks and forks, publish the checkpoint with this witness's cosignature.")
final class WitnessCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--config",
      required = true,
      description =
          "Witness properties file (witness.logs, witness.log.keys, witness.state.file, s3.*).")
  Path config;

  @Option(
      names = "--key",
      required = true,
      description =
          "The witness's signing key file (fabric keys generate --format note, or PRIVATE+KEY+...).")
  Path key;

  @Option(
      names = "--interval",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "Time between rounds, e.g. 1s, 500ms, PT10S (default ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(
      names = "--once",
      description = "Run one round, print every log's result and exit (1 if any was refused).")
  boolean once;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WitnessConfig cfg;
    NoteSigner signer;
    try {
      cfg = WitnessConfig.load(config);
      signer = WitnessConfig.readKey(key);
    } catch (NoSuchFileException e) {
      err.println("fabric witness: no such file: " + e.getFile());
      return 2;
    } catch (Exception e) {
      err.println("fabric witness: " + e.getMessage());
      return 2;
    }
    try (S3LogStorage storage = new S3LogStorage(cfg.s3())) {
      Witness witness =
          new Witness(
              cfg.logs(),
              cfg.logKeys(),
              signer,
              Clock.systemUTC(),
              storage,
              WitnessState.load(cfg.stateFile()));
      out.println("witness " + signer.name() + " cosignature vkey " + witness.verifier().vkey());
      out.flush();
      while (true) {
        List<WitnessResult> results = witness.checkOnce();
        boolean refused = false;
        for (WitnessResult result : results) {
          refused |= result.isFailure();
          if (once || result.outcome() != WitnessResult.Outcome.UNCHANGED) {
            (result.isFailure() ? err : out).println(result);
          }
        }
        out.flush();
        err.flush();
        if (once) {
          return refused ? 1 : 0;
        }
        Thread.sleep(interval.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (RuntimeException e) {
      err.println("fabric witness: " + e.getMessage());
      return 2;
    }
  }

  /** Accepts {@code 1s}, {@code 500ms}, {@code 2m} as well as ISO-8601 ({@code PT1S}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      Duration d;
      if (v.startsWith("pt")) {
        d = Duration.parse(value.strip());
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      } else {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration like 1s, 500ms or PT1S");
      }
      if (d.isNegative() || d.isZero()) {
        throw new CommandLine.TypeConversionException(
            "the interval must be positive, was " + value);
      }
      return d;
    }
  }
}
