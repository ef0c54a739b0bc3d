package io.provability.fabric.tools.cli;

import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.tools.internal.audit.AuditConnections;
import io.provability.fabric.tools.internal.audit.ReplayRunner;
import io.provability.fabric.tools.internal.replay.PolicySnapshot;
import io.provability.fabric.tools.internal.replay.ReplayReport;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric replay}: re-decides the recorded requests of a time range with their recorded
 * decision times under the current, a past or a hypothetical policy, and reports the differences.
 * Writes only its own JSON-lines file. Exit 0 when every decision was replayed with the same
 * outcome, 1 otherwise, 2 when the replay could not run.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description =
        "Re-decide historic requests with their recorded decision times and report differences from the "
            + "recorded decisions. Reads the requests topic by manual assignment (no consumer group) and the evidence logs; "
            + "writes a JSON-lines file, never a topic or the decision log.")
final class ReplayCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(
      names = "--from",
      required = true,
      description = "Range start on recorded decided_at, ISO-8601 instant (inclusive).")
  Instant from;

  @Option(names = "--to", required = true, description = "Range end, ISO-8601 instant (exclusive).")
  Instant to;

  @Option(
      names = "--policy",
      defaultValue = "current",
      description =
          "current (the policy-state topic now), a policy "
              + "version number (the topic's state while it was in force), or a policy file (JSON, see docs/audit.md). "
              + "Default ${DEFAULT-VALUE}.")
  String policy;

  @Option(
      names = "--policy-base",
      defaultValue = "current",
      description =
          "What a policy file modifies: current or " + "empty (default ${DEFAULT-VALUE}).")
  String policyBase;

  @Option(
      names = "--source",
      defaultValue = "auto",
      description =
          "auto (Kafka while it has the requests, then "
              + "the evidence logs), kafka or log (default ${DEFAULT-VALUE}).")
  String source;

  @Option(
      names = "--lookback",
      defaultValue = "PT1H",
      description =
          "Read the requests topic from this long before " + "--from (default ${DEFAULT-VALUE}).")
  Duration lookback;

  @Option(
      names = "--timeout",
      defaultValue = "PT10M",
      description = "Longest time to read a topic (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--out",
      description = "JSON-lines output (default <work dir>/replay/replay-<from>-<to>.jsonl).")
  Path out;

  @Option(
      names = "--evidence-keys",
      description = "Trusted evidence log verifier keys (default: audit.evidence.keys.file).")
  Path evidenceKeys;

  @Override
  public Integer call() {
    return AuditCommand.exitCode(spec.commandLine(), this::replay);
  }

  private int replay() throws IOException {
    FabricConfig cfg = config.load(Map.of());
    if (!from.isBefore(to)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--from must be before --to");
    }
    ReplayRunner.Source src;
    try {
      src = ReplayRunner.Source.valueOf(source.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--source must be auto, kafka or log");
    }
    StackEndpoints ep = AuditCommand.endpoints(cfg, spec.commandLine());
    var keys = AuditConnections.trustedLogKeys(cfg, evidenceKeys);
    PolicySnapshot snapshot = policy(cfg, ep);
    RequestDecider decider =
        FabricTopology.decider(FabricRuntime.topologySettings(cfg), FabricRuntime.keys(cfg));
    Path output =
        out != null
            ? out
            : cfg.workDir()
                .resolve("replay")
                .resolve(("replay-" + from + "-" + to + ".jsonl").replace(':', '-'));
    try (AuditConnections c = AuditConnections.open(cfg, ep)) {
      ReplayReport report =
          new ReplayRunner(
                  c.auditor(keys, List.of(), m -> {}),
                  decider,
                  ep.bootstrapServers(),
                  cfg.topicRequests())
              .run(new ReplayRunner.Options(from, to, snapshot, src, lookback, output, timeout));
      spec.commandLine().getOut().print(report.render());
      spec.commandLine().getOut().flush();
      return report.different() == 0 && report.unavailable() == 0 ? 0 : 1;
    }
  }

  private PolicySnapshot policy(FabricConfig cfg, StackEndpoints ep) throws IOException {
    if (policy.equals("current")) {
      return PolicySnapshot.fromTopic(ep.bootstrapServers(), cfg.topicPolicyState(), null, timeout);
    }
    if (policy.chars().allMatch(Character::isDigit)) {
      return PolicySnapshot.fromTopic(
          ep.bootstrapServers(), cfg.topicPolicyState(), Long.parseLong(policy), timeout);
    }
    PolicySnapshot base =
        switch (policyBase) {
          case "current" ->
              PolicySnapshot.fromTopic(
                  ep.bootstrapServers(), cfg.topicPolicyState(), null, timeout);
          case "empty" -> PolicySnapshot.empty();
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(), "--policy-base must be current or empty");
        };
    return PolicySnapshot.fromFile(Path.of(policy), base);
  }
}
