package io.provability.fabric.tools.cli;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.ops.TopicApply;
import io.provability.fabric.topology.ops.TopicDeclarations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric topics apply}: creates the declared topics that are missing and reports drift. */
@Command(
    name = "topics",
    description = "The fabric's topics (declared in infra/topics.properties).",
    subcommands = TopicsCommand.Apply.class)
final class TopicsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code fabric topics apply}. */
  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description =
          "Create the declared topics that are missing (waiting for their leaders) and report every "
              + "difference between an existing topic and its declaration (partitions, replication factor, declared "
              + "configs). Never deletes, shrinks or reconfigures an existing topic. Exit code 0; 3 with --fail-on-drift "
              + "when drift was found.")
  static final class Apply implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Option(
        names = "--topics",
        description =
            "Topic declarations file (default: topics.file, else the bundled infra/topics.properties).")
    Path topicsFile;

    @Mixin ClusterOptions cluster;

    @Option(
        names = "--fail-on-drift",
        description = "Exit with code 3 when an existing topic differs from its declaration.")
    boolean failOnDrift;

    @Override
    public Integer call() throws Exception {
      FabricConfig cfg = config.load(Map.of());
      String servers = cluster.reachableServers(cfg);
      List<TopicDeclarations.Topic> declared =
          topicsFile == null ? TopicDeclarations.of(cfg) : TopicDeclarations.of(topicsFile, cfg);
      PrintWriter out = spec.commandLine().getOut();
      TopicApply.Report report;
      try (Admin admin = Admin.create(KafkaClients.forBootstrap(servers).admin())) {
        report = TopicApply.apply(admin, declared);
      }
      print(out, declared, report);
      out.flush();
      return failOnDrift && report.hasDrift() ? 3 : 0;
    }

    static void print(
        PrintWriter out, List<TopicDeclarations.Topic> declared, TopicApply.Report report) {
      out.printf("%-40s %-10s %s%n", "TOPIC", "STATUS", "DETAIL");
      for (TopicDeclarations.Topic t : declared) {
        if (report.created().contains(t.name())) {
          out.printf(
              "%-40s %-10s %d partitions, replication %d, %s%n",
              t.name(), "created", t.partitions(), t.replicationFactor(), t.configs());
        } else if (report.unchanged().contains(t.name())) {
          out.printf("%-40s %-10s as declared%n", t.name(), "ok");
        } else {
          for (TopicApply.Drift d : report.drift()) {
            if (d.topic().equals(t.name())) {
              out.printf(
                  "%-40s %-10s %s is %s, declared %s%n",
                  t.name(), "DRIFT", d.what(), d.actual(), d.declared());
            }
          }
        }
      }
      out.printf(
          "%d created, %d as declared, %d drifted (nothing was changed in existing topics)%n",
          report.created().size(),
          report.unchanged().size(),
          report.drift().stream().map(TopicApply.Drift::topic).distinct().count());
    }
  }
}
