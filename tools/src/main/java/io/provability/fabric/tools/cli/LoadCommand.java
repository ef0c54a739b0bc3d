package io.provability.fabric.tools.cli;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric load}: drives the fabric at a constant rate (open loop) and reports latency,
 * correctness, the seed's SLOs and the project's goals, with raw component baselines measured in
 * the same run. Embedded by default (stack and one instance in this JVM, as {@code fabric demo});
 * with {@code --config} it drives an instance that runs elsewhere.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Open-loop load generator: scenarios smoke (60 s at 1,000/s), nightly (10 min at "
          + "1,000/s), stress (30 s at 5,000/s), ceiling (rising rates until p99 >= 100 ms or lag grows) and custom.",
      "Writes <report-dir>/<scenario>-<time>.json and .html; exits 1 if a correctness check or seed SLO is breached "
          + "(2 with --fail-on-goals if only a goal is missed)."
    })
final class LoadCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      defaultValue = "smoke",
      description = "smoke, nightly, stress, ceiling or custom (default ${DEFAULT-VALUE}).")
  String scenarioName;

  @Option(
      names = "--rate",
      description = "Requests per second (ceiling: the first step's). Default: the scenario's.")
  Double rate;

  @Option(
      names = "--duration",
      description = "How long to send, ISO-8601 (ceiling: per step). Default: the scenario's.")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "PT10S",
      description =
          "Unjudged warm-up at the same rate first (default ${DEFAULT-VALUE}; PT0S for none).")
  Duration warmup;

  @Option(
      names = "--sessions",
      defaultValue = "20000",
      description = "Distinct sessions (default ${DEFAULT-VALUE}).")
  int sessions;

  @Option(
      names = "--tenants",
      defaultValue = "8",
      description = "Tenants (default ${DEFAULT-VALUE}).")
  int tenants;

  @Option(
      names = "--subjects",
      defaultValue = "50",
      description = "Agents per tenant, one token each (default ${DEFAULT-VALUE}).")
  int subjects;

  @Option(
      names = "--mix",
      defaultValue = "plan=60,retrieval=25,egress=15",
      description = "Request mix (default ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--allow-ratio",
      defaultValue = "0.7",
      description = "Share of requests built to be allowed (default ${DEFAULT-VALUE}).")
  double allowRatio;

  @Option(
      names = "--zipf",
      defaultValue = "0.8",
      description = "Key skew over sessions, 0 = uniform (default ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--seed",
      defaultValue = "20261201",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--transport",
      defaultValue = "kafka",
      description =
          "kafka (produce requests, read decisions) or http "
              + "(POST to the front door; embedded mode starts it on a free port) (default ${DEFAULT-VALUE}).")
  String transportName;

  @Option(
      names = "--url",
      description =
          "HTTP transport: the front door, e.g. http://127.0.0.1:8080 (default: embedded mode's own; "
              + "external mode: http://127.0.0.1:<http.port>).")
  URI url;

  @Option(
      names = "--http-max-in-flight",
      defaultValue = "1024",
      description =
          "HTTP transport: requests on the wire at once; more "
              + "wait in the generator's queue, inside the measured latency (default ${DEFAULT-VALUE}).")
  int httpMaxInFlight;

  @Option(
      names = "--http-deadline-ms",
      description =
          "HTTP transport: X-Fabric-Timeout-Ms per request (default: the instance's "
              + "http.request.timeout.ms); a request past it is a 504, counted as an error.")
  Long httpDeadlineMs;

  @Option(
      names = "--session-order",
      defaultValue = "zipf",
      description =
          "zipf (draws with --zipf skew) or round-robin "
              + "(every session once before any twice: N requests touch N sessions) (default ${DEFAULT-VALUE}).")
  String sessionOrder;

  @Option(
      names = "--app-process",
      description =
          "Run the application (fabric run) in a JVM of its own, so that its resident "
              + "memory and heap are measured apart from the servers and the generator. Embedded mode: against this JVM's servers. "
              + "With --config: against the file's servers (e.g. infra/up.sh's, each in its own process), so that the broker, the "
              + "application and the generator are three JVMs; --issuer-key is then optional (a key is generated and trusted).")
  boolean appProcess;

  @Option(
      names = "--app-jvm-options",
      defaultValue = "-Xmx1g -XX:+UseParallelGC",
      description =
          "With --app-process: the " + "application JVM's options (default ${DEFAULT-VALUE}).")
  String appJvmOptions;

  @Option(
      names = "--no-state",
      description =
          "Do not measure the application's state (changelogs read to the end) after the runs.")
  boolean noState;

  @Option(
      names = "--linger-ms",
      defaultValue = "2",
      description = "Request producer linger (default ${DEFAULT-VALUE}).")
  int lingerMs;

  @Option(
      names = "--drain-timeout",
      defaultValue = "PT60S",
      description = "Wait this long after the last send for decisions (default ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  @Option(
      names = "--issuer-key",
      description =
          "External mode: the token issuer's signing key file (fabric keys generate); "
              + "its public key must be in the instance's kernel.trusted.keys.file.")
  Path issuerKey;

  @Option(
      names = "--no-sinks",
      description =
          "Embedded mode or --app-process: run the topology without the decision-log and evidence sinks.")
  boolean noSinks;

  @Option(names = "--no-baselines", description = "Skip the raw component baselines.")
  boolean noBaselines;

  @Option(
      names = "--baseline-records",
      defaultValue = "100000",
      description = "Records per baseline figure (default ${DEFAULT-VALUE}).")
  int baselineRecords;

  @Option(
      names = "--report-dir",
      defaultValue = "load-reports",
      description = "Where reports go (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--fail-on-goals", description = "Exit 2 when a goal (not an SLO) is missed.")
  boolean failOnGoals;

  @Option(
      names = "--ceiling-factor",
      defaultValue = "1.5",
      description = "Ceiling: rate multiplier per step (default ${DEFAULT-VALUE}).")
  double ceilingFactor;

  @Option(
      names = "--ceiling-max",
      defaultValue = "200000",
      description = "Ceiling: highest rate tried (default ${DEFAULT-VALUE}).")
  double ceilingMax;

  @Option(
      names = "--ceiling-p99-ms",
      defaultValue = "500",
      description = "Ceiling: p99 bar of a sustained step (default ${DEFAULT-VALUE}).")
  double ceilingP99;

  @Option(
      names = "--process",
      paramLabel = "ROLE=PID",
      description =
          "Also measure this process's CPU (and its live "
              + "descendants') under ROLE, e.g. --process postgresql=1234. Repeatable. The generator, the application it starts and, "
              + "with --config FILE, the servers whose pid files lie beside FILE (infra/up.sh's) are measured anyway.")
  List<String> processes = new ArrayList<>();

  @Option(
      names = "--idle",
      defaultValue = "PT5S",
      description =
          "Measure the box at rest this long before the warm-up: "
              + "the fixed CPU cost with no decisions (default ${DEFAULT-VALUE}; PT0S for none).")
  Duration idle;

  @Option(
      names = "--scrape-every",
      defaultValue = "PT15S",
      description =
          "Scrape the application's /metrics this often "
              + "during the runs, as Prometheus would, so the latency includes the scrapes' cost; the report lists each scrape's "
              + "time and series (default ${DEFAULT-VALUE}; PT0S for none).")
  Duration scrapeEvery;

  @Option(
      names = "--no-broker-writes",
      description =
          "Do not read back what each run wrote to the broker (records, "
              + "transaction markers and bytes per decision, per topic).")
  boolean noBrokerWrites;

  @Mixin ConfigOptions config;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    return new LoadRun(this, out, err).execute();
  }
}
