package io.provability.fabric.tools.cli;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.metrics.ConsumerLag;
import io.provability.fabric.topology.metrics.ConsumerLagMonitor;
import io.provability.fabric.topology.ops.TopicDeclarations;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric lag}: the consumer lag of every group that reads a product topic, as a table: the
 * same figures as the dashboard page ({@code /lag}) and the {@code kafka_consumergroup_*} meters.
 */
@Command(
    name = "lag",
    mixinStandardHelpOptions = true,
    description =
        "Print the consumer lag of the fabric's consumer groups: per partition, in records and in seconds, "
            + "with consume and produce rates measured over --interval.")
final class LagCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions config;

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--interval",
      defaultValue = "PT2S",
      description =
          "Time between the two samples the rates come from (ISO-8601, default ${DEFAULT-VALUE}).")
  Duration interval;

  @Override
  public Integer call() throws Exception {
    FabricConfig cfg = config.load(Map.of());
    String servers = cluster.reachableServers(cfg);
    ConsumerLag sample;
    try (ConsumerLagMonitor monitor =
        new ConsumerLagMonitor(
            servers,
            TopicDeclarations.of(cfg).stream().map(TopicDeclarations.Topic::name).toList(),
            Clock.systemUTC())) {
      monitor.sample();
      Thread.sleep(
          interval.toMillis()); // the rates are differences between two samples this far apart
      sample = monitor.sample();
    }
    print(spec.commandLine().getOut(), sample);
    return 0;
  }

  static void print(PrintWriter out, ConsumerLag sample) {
    int g =
        Math.max(5, sample.partitions().stream().mapToInt(r -> r.group().length()).max().orElse(0));
    int t =
        Math.max(5, sample.partitions().stream().mapToInt(r -> r.topic().length()).max().orElse(0));
    String header = "%-" + g + "s  %-" + t + "s %5s %12s %12s %10s %10s %12s %12s%n";
    String row = "%-" + g + "s  %-" + t + "s %5d %12d %12d %10d %10s %12s %12s%n";
    out.printf(
        header,
        "GROUP",
        "TOPIC",
        "PART",
        "COMMITTED",
        "END",
        "LAG",
        "LAG_S",
        "CONSUME/S",
        "PRODUCE/S");
    for (ConsumerLag.Row r : sample.partitions()) {
      out.printf(
          row,
          r.group(),
          r.topic(),
          r.partition(),
          r.committed(),
          r.end(),
          r.lag(),
          fmt(r.lagSeconds()),
          fmt(r.consumeRate()),
          fmt(r.produceRate()));
    }
    for (String group : sample.groups()) {
      double oldest =
          sample.partitions().stream()
              .filter(r -> r.group().equals(group))
              .mapToDouble(ConsumerLag.Row::lagSeconds)
              .filter(Double::isFinite)
              .max()
              .orElse(0);
      out.printf("total lag of %s: %d records, %s s%n", group, sample.totalLag(group), fmt(oldest));
    }
    if (sample.partitions().isEmpty()) {
      out.println("(no consumer group has committed offsets on the fabric's topics)");
    }
    out.flush();
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
  }
}
