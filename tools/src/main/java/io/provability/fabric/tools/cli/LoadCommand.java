package io.provability.fabric.tools.cli;

import io.provability.fabric.load.ApplicationProcess;
import io.provability.fabric.load.Baselines;
import io.provability.fabric.load.BoxCost;
import io.provability.fabric.load.BoxMeter;
import io.provability.fabric.load.BoxMonitor;
import io.provability.fabric.load.BoxProcesses;
import io.provability.fabric.load.BoxReport;
import io.provability.fabric.load.BrokerWrites;
import io.provability.fabric.load.HttpTransport;
import io.provability.fabric.load.KafkaTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadReport;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.load.LoadSession;
import io.provability.fabric.load.MetricsScraper;
import io.provability.fabric.load.Scenario;
import io.provability.fabric.load.StateSize;
import io.provability.fabric.load.Transport;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import io.provability.fabric.topology.runtime.OperationsServer;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
    Scenario scenario;
    try {
      scenario = Scenario.valueOf(scenarioName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageError(
          "unknown scenario '"
              + scenarioName
              + "': give smoke, nightly, stress, ceiling or custom");
    }
    LoadProfile profile =
        new LoadProfile(
            rate != null ? rate : scenario.defaultRate(),
            duration != null ? duration : scenario.defaultDuration(),
            sessions,
            tenants,
            subjects,
            LoadProfile.Mix.parse(mix),
            allowRatio,
            zipf,
            seed,
            switch (sessionOrder) {
              case "zipf" -> LoadProfile.SessionOrder.ZIPF;
              case "round-robin" -> LoadProfile.SessionOrder.ROUND_ROBIN;
              default ->
                  throw new IllegalArgumentException(
                      "--session-order: zipf or round-robin, got '" + sessionOrder + "'");
            });
    Instant started = Instant.now();
    String runId = "ld" + Long.toHexString(new SecureRandom().nextInt() & 0xffffffL);
    Map<String, String> env = environment(scenario, profile, runId);
    Path work = Files.createTempDirectory("fabric-load-");
    EmbeddedMode.Running stack = null;
    FabricRuntime runtime = null;
    OperationsServer ops = null;
    ApplicationProcess app = null;
    boolean http =
        switch (transportName) {
          case "kafka" -> false;
          case "http" -> true;
          default ->
              throw new IllegalArgumentException(
                  "--transport: kafka or http, got '" + transportName + "'");
        };
    try {
      FabricConfig cfg;
      StackEndpoints ep;
      Ed25519.SigningKey issuer;
      if (config.file != null) {
        cfg = config.load(Map.of());
        if (cfg.mode() != FabricConfig.Mode.EXTERNAL) {
          throw new IllegalArgumentException(
              "--config must describe an external-mode instance (fabric.mode=external)");
        }
        ep = FabricRuntime.externalEndpoints(cfg);
        if (appProcess) {
          Path trusted;
          if (issuerKey == null) {
            issuer = Ed25519.SigningKey.generate("load-issuer-1", new SecureRandom());
            trusted = trustIssuer(issuer, work);
          } else {
            issuer = KeyFiles.read(issuerKey);
            trusted = cfg.trustedKeysFile().toAbsolutePath();
          }
          Properties base = new Properties();
          try (var r = Files.newBufferedReader(config.file, StandardCharsets.UTF_8)) {
            base.load(r);
          }
          status(
              "starting the application in its own JVM ("
                  + appJvmOptions
                  + ") against "
                  + config.file);
          app = startApplication(base, trusted, work);
          ApplicationProcess ownedApp = app;
          Runtime.getRuntime().addShutdownHook(new Thread(ownedApp::close, "fabric-load-shutdown"));
          env.put(
              "mode",
              "external, three processes: the servers of "
                  + config.file
                  + " (each in its own process), the "
                  + "application (topology"
                  + (noSinks ? "" : ", Connect sinks")
                  + ", front door) in its own JVM, pid "
                  + app.pid()
                  + " ("
                  + appJvmOptions
                  + "), and this generator's JVM");
          status("application running, pid " + app.pid() + ", HTTP on port " + app.httpPort());
          if (http && url == null) {
            url = URI.create("http://127.0.0.1:" + app.httpPort());
          }
        } else {
          if (issuerKey == null) {
            throw new IllegalArgumentException(
                "external mode needs --issuer-key (or --app-process): tokens must be signed "
                    + "by a key the running instance trusts ("
                    + FabricConfig.TRUSTED_KEYS_CONFIG
                    + ")");
          }
          issuer = KeyFiles.read(issuerKey);
          env.put(
              "mode",
              "external: the instance runs elsewhere; memory figures are this generator's JVM only");
        }
      } else {
        issuer = Ed25519.SigningKey.generate("load-issuer-1", new SecureRandom());
        trustIssuer(issuer, work);
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(FabricConfig.WORK_DIR_CONFIG, work.toString());
        if (http) {
          defaults.put(FabricConfig.HTTP_HOST_CONFIG, "127.0.0.1");
          defaults.put(FabricConfig.HTTP_PORT_CONFIG, "0");
        }
        cfg = config.load(defaults);
        status("starting the embedded stack (Kafka broker, PostgreSQL, Redis, S3) in " + work);
        stack = EmbeddedMode.start(work.resolve("stack"));
        EmbeddedMode.Running ownedStack = stack;
        ep = stack.endpoints();
        if (appProcess) {
          status("starting the application in its own JVM (" + appJvmOptions + ")");
          app =
              startApplication(
                  ep.externalModeProperties(), cfg.trustedKeysFile().toAbsolutePath(), work);
          ApplicationProcess ownedApp = app;
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        ownedApp.close();
                        ownedStack.close();
                      },
                      "fabric-load-shutdown"));
          env.put(
              "mode",
              "embedded: broker, S3Proxy and generator in this JVM; the application (topology"
                  + (noSinks ? "" : ", Connect sinks")
                  + ", front door) in its own JVM, pid "
                  + app.pid()
                  + " ("
                  + appJvmOptions
                  + "); PostgreSQL and Redis as child processes");
          status("application running, pid " + app.pid() + ", HTTP on port " + app.httpPort());
          if (http && url == null) {
            url = URI.create("http://127.0.0.1:" + app.httpPort());
          }
        } else {
          runtime = FabricRuntime.start(cfg, ep, !noSinks);
          FabricRuntime ownedRuntime = runtime;
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        ownedRuntime.close();
                        ownedStack.close();
                      },
                      "fabric-load-shutdown"));
          env.put(
              "mode",
              "embedded: broker, S3Proxy, Connect sinks"
                  + (noSinks ? " (off)" : "")
                  + ", topology"
                  + (http ? ", front door" : "")
                  + " and generator in this JVM; PostgreSQL and Redis as child processes");
          status("topology " + (noSinks ? "" : "and sinks ") + "running");
        }
        if (http && runtime != null) {
          ops = OperationsServer.start(runtime, Clock.systemUTC());
          if (url == null) {
            url = URI.create("http://127.0.0.1:" + ops.port());
          }
          status("front door on " + url);
        }
      }
      if (http && url == null) {
        url = URI.create("http://127.0.0.1:" + cfg.getInt(FabricConfig.HTTP_PORT_CONFIG));
      }
      env.put(
          "transport",
          http
              ? "http (POST to the front door "
                  + url
                  + ", at most "
                  + httpMaxInFlight
                  + " on the wire"
                  + (httpDeadlineMs == null ? "" : ", X-Fabric-Timeout-Ms " + httpDeadlineMs)
                  + ")"
              : "kafka (produce requests, read decisions read_committed)");
      env.put("runtime overrides", config.overrides.toString());
      env.put(
          "streams.commit.interval.ms",
          Long.toString(cfg.getLong(FabricConfig.COMMIT_INTERVAL_CONFIG)));
      env.put("streams.threads", Integer.toString(cfg.getInt(FabricConfig.STREAM_THREADS_CONFIG)));
      env.put(
          "evidence.checkpoint.interval.ms",
          Long.toString(cfg.getLong(FabricConfig.EVIDENCE_CHECKPOINT_INTERVAL_CONFIG)));
      env.put(
          "topics.partitions", Integer.toString(cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG)));

      BoxProcesses box =
          new BoxProcesses()
              .add(
                  BoxProcesses.GENERATOR,
                  ProcessHandle.current().pid(),
                  "this JVM (the generator"
                      + (stack != null ? ", the embedded broker and S3 server" : "")
                      + (runtime != null ? ", the application" : "")
                      + ")");
      if (app != null) {
        box.add("application", app.pid(), "the fabric run process this command started");
      }
      if (stack != null) {
        box.add(
            BoxProcesses.CHILDREN,
            ProcessHandle.current().pid(),
            "embedded PostgreSQL and Redis: live child processes "
                + "of this JVM other than the application");
      }
      if (config.file != null && config.file.toAbsolutePath().getParent() != null) {
        box.addInfra(config.file.toAbsolutePath().getParent());
      }
      processes.forEach(box::addOption);
      List<Baselines.Figure> baselines = List.of();
      if (!noBaselines) {
        status("measuring baselines (" + baselineRecords + " records each)");
        baselines =
            new Baselines(
                    ep,
                    cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG),
                    baselineRecords,
                    meanRequestBytes(profile, issuer),
                    cfg.getString(FabricConfig.PROCESSING_GUARANTEE_CONFIG),
                    cfg.getLong(FabricConfig.COMMIT_INTERVAL_CONFIG),
                    work)
                .measureAll(err);
      }

      List<LoadResult> runs = new ArrayList<>();
      List<LoadReport.CeilingStep> steps = List.of();
      BoxMeter meter =
          new BoxMeter(
              new BoxMonitor(box, Clock.systemUTC(), Duration.ofSeconds(1)),
              noBrokerWrites ? null : new BrokerWrites(ep.bootstrapServers()),
              s3Requests(app, runtime));
      BoxCost idleCost = null;
      if (!idle.isZero()) {
        status("measuring the box at rest for " + idle);
        idleCost = meter.idle(idle);
      }
      MetricsScraper scraper = scrapeEvery.isZero() ? null : scraper(app, runtime, scrapeEvery);
      try (Transport transport =
          http
              ? new HttpTransport(
                  url,
                  httpMaxInFlight,
                  httpDeadlineMs == null ? null : Duration.ofMillis(httpDeadlineMs),
                  drainTimeout)
              : new KafkaTransport(
                  ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), lingerMs)) {
        LoadSession session =
            new LoadSession(
                    transport,
                    issuer,
                    Clock.systemUTC(),
                    new LoadGenerator(Clock.systemUTC(), drainTimeout, Duration.ofSeconds(1)),
                    runId,
                    err)
                .observe(meter);
        if (!warmup.isZero()) {
          runs.add(session.run("warm-up", profile.withRate(profile.rate(), warmup)));
        }
        if (scenario == Scenario.CEILING) {
          steps =
              session.ceiling(
                  profile,
                  new LoadSession.CeilingSettings(
                      profile.rate(), ceilingFactor, profile.duration(), ceilingMax, ceilingP99));
          steps.forEach(s -> runs.add(s.result()));
        } else {
          runs.add(session.run(scenario.name().toLowerCase(Locale.ROOT), profile));
        }
        if (transport instanceof KafkaTransport k && k.readerFailure() != null) {
          throw new IllegalStateException("the decision reader failed", k.readerFailure());
        }
        if (transport instanceof HttpTransport h) {
          env.put(
              "http failures by kind",
              h.failuresByKind().isEmpty() ? "none" : h.failuresByKind().toString());
          env.put(
              "http requests queued for a free slot",
              String.format(Locale.ROOT, "%,d (queue at most %,d)", h.queued(), h.maxQueueDepth()));
        }
      }
      LoadReport.Memory memory =
          app != null
              ? applicationMemory(app)
              : LoadReport.Memory.sample(
                  config.file == null
                      ? "this JVM: broker, S3Proxy, Connect, topology, generator"
                      : "the generator's JVM only");
      StateSize state = null;
      if (!noState) {
        long active = runs.stream().mapToLong(LoadResult::sessionsTouched).max().orElse(0);
        status("measuring the application's state: reading its changelogs to the end");
        state =
            StateSize.scan(
                ep.bootstrapServers(),
                cfg.getString(FabricConfig.APPLICATION_ID_CONFIG),
                active,
                Duration.ofMinutes(5));
        if (app != null) {
          state = state.withPhysical(app.metrics(ROCKSDB_PROMETHEUS));
        } else if (runtime != null) {
          state = state.withPhysical(rocksDb(runtime));
        }
        env.put(
            "active sessions (state divisor)",
            String.format(
                Locale.ROOT,
                "%,d: the most distinct sessions one run "
                    + "touched (a lower bound of the invocation's, so the per-session figure errs high)",
                active));
      }
      env.put("load average at the end", loadAverage());
      meter.close();
      if (scraper != null) {
        scraper.close();
        env.put("prometheus scrapes", scraper.summary(scrapeEvery));
      }
      BoxReport boxReport =
          new BoxReport(box.members(), idleCost, meter.windows(), meter.timeline());
      LoadReport report =
          new LoadReport(
              scenario.name().toLowerCase(Locale.ROOT),
              commandLine(),
              started,
              env,
              runs,
              steps,
              baselines,
              memory,
              state,
              boxReport,
              scenario.seedScenario());
      String name =
          scenario.name().toLowerCase(Locale.ROOT)
              + "-"
              + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                  .withZone(ZoneOffset.UTC)
                  .format(started);
      Path html = report.write(reportDir, name);
      summary(report, html);
      if (!report.passed(false)) {
        return 1;
      }
      return failOnGoals && !report.passed(true) ? 2 : 0;
    } finally {
      if (app != null) {
        app.close();
      }
      if (ops != null) {
        ops.close();
      }
      if (runtime != null) {
        runtime.close();
      }
      if (stack != null) {
        stack.close();
      }
      deleteQuietly(work);
    }
  }

  /**
   * Reads the application's count of S3 requests ({@value BoxMeter#S3_REQUESTS_METRIC}, by
   * operation), from its own /metrics or its in-process registry; null when it publishes none.
   */
  private static BoxMeter.S3Counter s3Requests(ApplicationProcess app, FabricRuntime runtime) {
    if (app != null) {
      return () -> app.metricsByLabel(BoxMeter.S3_REQUESTS_METRIC, "operation");
    }
    if (runtime != null) {
      return () ->
          BoxMeter.fromRegistry(runtime.meterRegistry(), BoxMeter.S3_REQUESTS_METRIC, "operation");
    }
    return null;
  }

  /**
   * Scrapes the application's exposition: its /metrics over HTTP, or its in-process registry; null
   * if neither.
   */
  private static MetricsScraper scraper(
      ApplicationProcess app, FabricRuntime runtime, Duration every) {
    if (app != null) {
      return new MetricsScraper(app::exposition, every);
    }
    if (runtime != null) {
      return new MetricsScraper(() -> runtime.metrics().scrape(), every);
    }
    return null;
  }

  /** Prometheus names of the RocksDB stores' figures, as the instance's /metrics exposes them. */
  private static final List<String> ROCKSDB_PROMETHEUS =
      List.of(
          "kafka_stream_state_size_all_mem_tables",
          "kafka_stream_state_total_sst_files_size",
          "kafka_stream_state_live_sst_files_size",
          "kafka_stream_state_estimate_num_keys",
          "kafka_stream_state_block_cache_usage",
          "kafka_stream_state_estimate_table_readers_mem");

  /** The same figures read from an in-process topology's metrics, under the same names. */
  private static Map<String, Double> rocksDb(FabricRuntime runtime) {
    Map<String, Double> out = new TreeMap<>();
    runtime
        .streams()
        .metrics()
        .forEach(
            (name, metric) -> {
              String prom = "kafka_stream_state_" + name.name().replace('-', '_');
              if ("stream-state-metrics".equals(name.group())
                  && ROCKSDB_PROMETHEUS.contains(prom)
                  && metric.metricValue() instanceof Number n
                  && Double.isFinite(n.doubleValue())) {
                out.merge(prom, n.doubleValue(), Double::sum);
              }
            });
    return out;
  }

  /**
   * Writes a key ring trusting {@code issuer} where embedded mode's instance looks for it; returns
   * its path.
   */
  private static Path trustIssuer(Ed25519.SigningKey issuer, Path work) throws IOException {
    Path trusted = work.resolve("keys").resolve("trusted-issuers.keys").toAbsolutePath();
    Files.createDirectories(trusted.getParent());
    KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
    return trusted;
  }

  /**
   * Starts {@code fabric run} in a JVM of its own on an external-mode configuration: {@code base}
   * (the servers) with a fresh work directory, the issuer's key ring and an HTTP port of its own.
   */
  private ApplicationProcess startApplication(Properties base, Path trustedKeys, Path work)
      throws Exception {
    Properties p = new Properties();
    p.putAll(base);
    p.put(FabricConfig.WORK_DIR_CONFIG, work.resolve("app").toString());
    p.put(FabricConfig.TRUSTED_KEYS_CONFIG, trustedKeys.toString());
    p.put(FabricConfig.HTTP_HOST_CONFIG, "127.0.0.1");
    p.put(FabricConfig.HTTP_PORT_CONFIG, "0");
    Path file = work.resolve("app.properties");
    try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "fabric load --app-process: the application against this JVM's servers");
    }
    List<String> args = new ArrayList<>(List.of("--config", file.toString()));
    if (noSinks) {
      args.add("--no-sinks");
    }
    config.overrides.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    return ApplicationProcess.start(
        List.of(appJvmOptions.strip().split("\\s+")),
        args,
        work.resolve("app.log"),
        Duration.ofMinutes(3));
  }

  private static LoadReport.Memory applicationMemory(ApplicationProcess app) throws Exception {
    Map<String, Double> heap =
        app.metrics(
            List.of(
                "jvm_memory_used_bytes{area=\"heap\"", "jvm_memory_committed_bytes{area=\"heap\""));
    long rss = app.rssBytes().orElse(-1);
    long peak = app.peakRssBytes().orElse(-1);
    return new LoadReport.Memory(
        peak,
        heap.getOrDefault("jvm_memory_used_bytes{area=\"heap\"", -1.0).longValue(),
        heap.getOrDefault("jvm_memory_committed_bytes{area=\"heap\"", -1.0).longValue(),
        String.format(
            Locale.ROOT,
            "the application's own JVM, pid %d: peak resident (VmHWM) %,.0f MiB, resident at the end %,.0f MiB; heap from its "
                + "/metrics",
            app.pid(),
            peak / 1048576.0,
            rss / 1048576.0));
  }

  private void summary(LoadReport report, Path html) {
    out.println();
    out.println("fabric load — " + report.toMap().get("scenario"));
    for (LoadReport.Check c : report.checks()) {
      out.printf(
          "  %-11s %-46s %-24s %-44s %s%n",
          c.kind().name().toLowerCase(Locale.ROOT).replace('_', ' '),
          c.name(),
          c.bar(),
          c.observed(),
          c.verdict());
    }
    out.println(
        "  (judged on run '" + report.judgedRun().name() + "'; the warm-up counts in no check)");
    if (report.ceilingRate() > 0) {
      out.printf("  ceiling: %,.0f decisions/s sustained%n", report.ceilingRate());
    }
    out.println("  report: " + html.toAbsolutePath() + " (and .json)");
    out.println(
        report.passed(false) ? "  RESULT: PASSED (correctness and seed SLOs)" : "  RESULT: FAILED");
  }

  private int meanRequestBytes(LoadProfile profile, Ed25519.SigningKey issuer) {
    LoadTraffic sample = new LoadTraffic("sample-", "sample-", profile, issuer, Clock.systemUTC());
    long bytes = 0;
    for (int i = 0; i < 1_000; i++) {
      bytes += sample.next().bytes().length;
    }
    return (int) (bytes / 1_000);
  }

  private Map<String, String> environment(Scenario scenario, LoadProfile profile, String runId) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("run id", runId);
    env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    env.put("max heap", Runtime.getRuntime().maxMemory() / 1048576 + " MiB");
    env.put("load average at the start", loadAverage());
    env.put("scenario", scenario.name().toLowerCase(Locale.ROOT));
    env.put("warm-up", warmup.toString());
    return env;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String commandLine() {
    return "fabric load "
        + String.join(
            " ",
            ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()).stream()
                .dropWhile(a -> !a.equals("load"))
                .skip(1)
                .toList());
  }

  private static void status(String message) {
    System.err.println("fabric load: " + message);
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("fabric load: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
