package io.provability.fabric.tools.cli;

import io.provability.fabric.events.Decision;
import io.provability.fabric.tools.internal.policytest.KernelCases;
import io.provability.fabric.tools.internal.policytest.OfflineDecider;
import io.provability.fabric.topology.http.DecisionJson;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric kernel eval}: decides one plan (JSON as the front door accepts it) at a given time
 * under a policy state, and prints the decision as the front door answers it. Exit 0 when a
 * decision was made (ALLOW or DENY: the verdict is in the output), 2 when the input could not be
 * read.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Decide one plan offline, with the stream's kernel, and print the decision and its reasons as JSON.")
final class KernelEvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(
      names = "--plan",
      required = true,
      description = "Plan file: JSON as POST /v1/plans accepts it.")
  Path plan;

  @Option(
      names = "--at",
      required = true,
      description = "Evaluation time, ISO-8601 instant (e.g. 2026-11-27T12:00:00Z).")
  Instant at;

  @Option(
      names = "--policy-state",
      description =
          "Policy state: JSON of revocations, grants and policy version "
              + "(the format of docs/audit.md's policy files), applied to the empty state. Default: the empty state.")
  Path policyState;

  @Override
  public Integer call() {
    return AuditCommand.exitCode(spec.commandLine(), this::eval);
  }

  private int eval() throws IOException {
    OfflineDecider decider = OfflineDecider.of(config.load(Map.of()));
    Decision d =
        decider.decide(KernelCases.request("plan", plan, at), KernelCases.policy(policyState), at);
    spec.commandLine().getOut().println(DecisionJson.of(d).toPrettyString());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
