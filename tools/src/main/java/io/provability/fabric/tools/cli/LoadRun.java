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

/**
 * One invocation of {@code fabric load}, as named phases: resolve the scenario, the profile and the
 * transport; start the embedded stack or connect to an external one, with the application in this
 * JVM or in a process of its own; describe the environment; measure the baselines and the box at
 * rest; warm up and run (each run drains its decisions); measure memory and state; write the report
 * and print its summary; stop what was started. The phases share their state through this object's
 * fields.
 */
final class LoadRun {
  private final LoadCommand cmd;
  private final PrintStream out;
  private final PrintStream err;

  // resolved from the options
  private Scenario scenario;
  private LoadProfile profile;
  private boolean http;
  private URI url;

  // the run's identity and scratch space
  private Instant started;
  private String runId;
  private Map<String, String> env;
  private Path work;

  // what this run started or connected to
  private EmbeddedMode.Running stack;
  private FabricRuntime runtime;
  private OperationsServer ops;
  private ApplicationProcess app;
  private FabricConfig cfg;
  private StackEndpoints ep;
  private Ed25519.SigningKey issuer;

  // measurements
  private BoxProcesses box;
  private List<Baselines.Figure> baselines = List.of();
  private BoxMeter meter;
  private BoxCost idleCost;
  private MetricsScraper scraper;
  private final List<LoadResult> runs = new ArrayList<>();
  private List<LoadReport.CeilingStep> steps = List.of();
  private LoadReport.Memory memory;
  private StateSize state;

  LoadRun(LoadCommand cmd, PrintStream out, PrintStream err) {
    this.cmd = cmd;
    this.out = out;
    this.err = err;
    this.url = cmd.url;
  }

  /** Runs every phase; returns the command's exit code (0, 1 or 2). */
  int execute() throws Exception {
    resolveScenario();
    resolveProfile();
    begin();
    resolveTransport();
    try {
      if (cmd.config.file != null) {
        connectExternal();
      } else {
        startEmbedded();
      }
      describeTransportAndConfig();
      listBoxProcesses();
      measureBaselines();
      startMeter();
      measureIdle();
      startScraper();
      runLoad();
      measureMemory();
      measureState();
      stopMeasuring();
      LoadReport report = report();
      Path html = report.write(cmd.reportDir, reportName());
      summary(report, html);
      return exitCode(report);
    } finally {
      stop();
    }
  }

  private void resolveScenario() {
    try {
      scenario = Scenario.valueOf(cmd.scenarioName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageError(
          "unknown scenario '"
              + cmd.scenarioName
              + "': give smoke, nightly, stress, ceiling or custom");
    }
  }

  private void resolveProfile() {
    profile =
        new LoadProfile(
            cmd.rate != null ? cmd.rate : scenario.defaultRate(),
            cmd.duration != null ? cmd.duration : scenario.defaultDuration(),
            cmd.sessions,
            cmd.tenants,
            cmd.subjects,
            LoadProfile.Mix.parse(cmd.mix),
            cmd.allowRatio,
            cmd.zipf,
            cmd.seed,
            switch (cmd.sessionOrder) {
              case "zipf" -> LoadProfile.SessionOrder.ZIPF;
              case "round-robin" -> LoadProfile.SessionOrder.ROUND_ROBIN;
              default ->
                  throw new IllegalArgumentException(
                      "--session-order: zipf or round-robin, got '" + cmd.sessionOrder + "'");
            });
  }

  /** The run's start time, id, environment and work directory. */
  private void begin() throws IOException {
    started = Instant.now();
    runId = "ld" + Long.toHexString(new SecureRandom().nextInt() & 0xffffffL);
    env = environment(scenario, profile, runId);
    work = Files.createTempDirectory("fabric-load-");
  }

  private void resolveTransport() {
    http =
        switch (cmd.transportName) {
          case "kafka" -> false;
          case "http" -> true;
          default ->
              throw new IllegalArgumentException(
                  "--transport: kafka or http, got '" + cmd.transportName + "'");
        };
  }

  /** With {@code --config}: the servers run elsewhere; the application too, or in a process. */
  private void connectExternal() throws Exception {
    cfg = cmd.config.load(Map.of());
    if (cfg.mode() != FabricConfig.Mode.EXTERNAL) {
      throw new IllegalArgumentException(
          "--config must describe an external-mode instance (fabric.mode=external)");
    }
    ep = FabricRuntime.externalEndpoints(cfg);
    if (cmd.appProcess) {
      startExternalApplicationProcess();
    } else {
      useExternalApplication();
    }
  }

  private void startExternalApplicationProcess() throws Exception {
    Path trusted;
    if (cmd.issuerKey == null) {
      issuer = Ed25519.SigningKey.generate("load-issuer-1", new SecureRandom());
      trusted = trustIssuer(issuer, work);
    } else {
      issuer = KeyFiles.read(cmd.issuerKey);
      trusted = cfg.trustedKeysFile().toAbsolutePath();
    }
    Properties base = new Properties();
    try (var r = Files.newBufferedReader(cmd.config.file, StandardCharsets.UTF_8)) {
      base.load(r);
    }
    status(
        "starting the application in its own JVM ("
            + cmd.appJvmOptions
            + ") against "
            + cmd.config.file);
    app = startApplication(base, trusted, work);
    ApplicationProcess ownedApp = app;
    Runtime.getRuntime().addShutdownHook(new Thread(ownedApp::close, "fabric-load-shutdown"));
    env.put(
        "mode",
        "external, three processes: the servers of "
            + cmd.config.file
            + " (each in its own process), the "
            + "application (topology"
            + (cmd.noSinks ? "" : ", Connect sinks")
            + ", front door) in its own JVM, pid "
            + app.pid()
            + " ("
            + cmd.appJvmOptions
            + "), and this generator's JVM");
    applicationRunning();
  }

  private void useExternalApplication() throws IOException {
    if (cmd.issuerKey == null) {
      throw new IllegalArgumentException(
          "external mode needs --issuer-key (or --app-process): tokens must be signed "
              + "by a key the running instance trusts ("
              + FabricConfig.TRUSTED_KEYS_CONFIG
              + ")");
    }
    issuer = KeyFiles.read(cmd.issuerKey);
    env.put(
        "mode",
        "external: the instance runs elsewhere; memory figures are this generator's JVM only");
  }

  /** Without {@code --config}: the embedded stack, the application in this JVM or a process. */
  private void startEmbedded() throws Exception {
    issuer = Ed25519.SigningKey.generate("load-issuer-1", new SecureRandom());
    trustIssuer(issuer, work);
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put(FabricConfig.WORK_DIR_CONFIG, work.toString());
    if (http) {
      defaults.put(FabricConfig.HTTP_HOST_CONFIG, "127.0.0.1");
      defaults.put(FabricConfig.HTTP_PORT_CONFIG, "0");
    }
    cfg = cmd.config.load(defaults);
    status("starting the embedded stack (Kafka broker, PostgreSQL, Redis, S3) in " + work);
    stack = EmbeddedMode.start(work.resolve("stack"));
    ep = stack.endpoints();
    if (cmd.appProcess) {
      startEmbeddedApplicationProcess();
    } else {
      startEmbeddedRuntime();
    }
    if (http && runtime != null) {
      startFrontDoor();
    }
  }

  private void startEmbeddedApplicationProcess() throws Exception {
    EmbeddedMode.Running ownedStack = stack;
    status("starting the application in its own JVM (" + cmd.appJvmOptions + ")");
    app =
        startApplication(ep.externalModeProperties(), cfg.trustedKeysFile().toAbsolutePath(), work);
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
            + (cmd.noSinks ? "" : ", Connect sinks")
            + ", front door) in its own JVM, pid "
            + app.pid()
            + " ("
            + cmd.appJvmOptions
            + "); PostgreSQL and Redis as child processes");
    applicationRunning();
  }

  /** Reports the application process's pid and port; HTTP load goes to its front door. */
  private void applicationRunning() {
    status("application running, pid " + app.pid() + ", HTTP on port " + app.httpPort());
    if (http && url == null) {
      url = URI.create("http://127.0.0.1:" + app.httpPort());
    }
  }

  private void startEmbeddedRuntime() throws Exception {
    EmbeddedMode.Running ownedStack = stack;
    runtime = FabricRuntime.start(cfg, ep, !cmd.noSinks);
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
            + (cmd.noSinks ? " (off)" : "")
            + ", topology"
            + (http ? ", front door" : "")
            + " and generator in this JVM; PostgreSQL and Redis as child processes");
    status("topology " + (cmd.noSinks ? "" : "and sinks ") + "running");
  }

  private void startFrontDoor() throws Exception {
    ops = OperationsServer.start(runtime, Clock.systemUTC());
    if (url == null) {
      url = URI.create("http://127.0.0.1:" + ops.port());
    }
    status("front door on " + url);
  }

  /** The transport and the instance's settings that shape the figures, into the environment. */
  private void describeTransportAndConfig() {
    if (http && url == null) {
      url = URI.create("http://127.0.0.1:" + cfg.getInt(FabricConfig.HTTP_PORT_CONFIG));
    }
    env.put(
        "transport",
        http
            ? "http (POST to the front door "
                + url
                + ", at most "
                + cmd.httpMaxInFlight
                + " on the wire"
                + (cmd.httpDeadlineMs == null ? "" : ", X-Fabric-Timeout-Ms " + cmd.httpDeadlineMs)
                + ")"
            : "kafka (produce requests, read decisions read_committed)");
    env.put("runtime overrides", cmd.config.overrides.toString());
    env.put(
        "streams.commit.interval.ms",
        Long.toString(cfg.getLong(FabricConfig.COMMIT_INTERVAL_CONFIG)));
    env.put("streams.threads", Integer.toString(cfg.getInt(FabricConfig.STREAM_THREADS_CONFIG)));
    env.put(
        "evidence.checkpoint.interval.ms",
        Long.toString(cfg.getLong(FabricConfig.EVIDENCE_CHECKPOINT_INTERVAL_CONFIG)));
    env.put(
        "topics.partitions", Integer.toString(cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG)));
  }

  /** The processes whose CPU the box report measures. */
  private void listBoxProcesses() {
    box =
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
    if (cmd.config.file != null && cmd.config.file.toAbsolutePath().getParent() != null) {
      box.addInfra(cmd.config.file.toAbsolutePath().getParent());
    }
    cmd.processes.forEach(box::addOption);
  }

  private void measureBaselines() throws Exception {
    if (cmd.noBaselines) {
      return;
    }
    status("measuring baselines (" + cmd.baselineRecords + " records each)");
    baselines =
        new Baselines(
                ep,
                cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG),
                cmd.baselineRecords,
                meanRequestBytes(profile, issuer),
                cfg.getString(FabricConfig.PROCESSING_GUARANTEE_CONFIG),
                cfg.getLong(FabricConfig.COMMIT_INTERVAL_CONFIG),
                work)
            .measureAll(err);
  }

  private void startMeter() {
    meter =
        new BoxMeter(
            new BoxMonitor(box, Clock.systemUTC(), Duration.ofSeconds(1)),
            cmd.noBrokerWrites ? null : new BrokerWrites(ep.bootstrapServers()),
            s3Requests(app, runtime));
  }

  private void measureIdle() throws Exception {
    if (!cmd.idle.isZero()) {
      status("measuring the box at rest for " + cmd.idle);
      idleCost = meter.idle(cmd.idle);
    }
  }

  private void startScraper() {
    scraper = cmd.scrapeEvery.isZero() ? null : scraper(app, runtime, cmd.scrapeEvery);
  }

  /** Warms up, then runs the scenario (or the ceiling's steps) over one transport. */
  private void runLoad() throws Exception {
    try (Transport transport = openTransport()) {
      LoadSession session =
          new LoadSession(
                  transport,
                  issuer,
                  Clock.systemUTC(),
                  new LoadGenerator(Clock.systemUTC(), cmd.drainTimeout, Duration.ofSeconds(1)),
                  runId,
                  err)
              .observe(meter);
      warmUp(session);
      runScenario(session);
      checkTransport(transport);
    }
  }

  private Transport openTransport() {
    return http
        ? new HttpTransport(
            url,
            cmd.httpMaxInFlight,
            cmd.httpDeadlineMs == null ? null : Duration.ofMillis(cmd.httpDeadlineMs),
            cmd.drainTimeout)
        : new KafkaTransport(
            ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), cmd.lingerMs);
  }

  private void warmUp(LoadSession session) throws Exception {
    if (!cmd.warmup.isZero()) {
      runs.add(session.run("warm-up", profile.withRate(profile.rate(), cmd.warmup)));
    }
  }

  private void runScenario(LoadSession session) throws Exception {
    if (scenario == Scenario.CEILING) {
      steps =
          session.ceiling(
              profile,
              new LoadSession.CeilingSettings(
                  profile.rate(),
                  cmd.ceilingFactor,
                  profile.duration(),
                  cmd.ceilingMax,
                  cmd.ceilingP99));
      steps.forEach(s -> runs.add(s.result()));
    } else {
      runs.add(session.run(scenario.name().toLowerCase(Locale.ROOT), profile));
    }
  }

  /** Fails on a broken decision reader; records the HTTP transport's failures and queueing. */
  private void checkTransport(Transport transport) {
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

  private void measureMemory() throws Exception {
    memory =
        app != null
            ? applicationMemory(app)
            : LoadReport.Memory.sample(
                cmd.config.file == null
                    ? "this JVM: broker, S3Proxy, Connect, topology, generator"
                    : "the generator's JVM only");
  }

  /** Reads the application's changelogs to the end, unless {@code --no-state}. */
  private void measureState() throws Exception {
    if (cmd.noState) {
      return;
    }
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

  private void stopMeasuring() {
    env.put("load average at the end", loadAverage());
    meter.close();
    if (scraper != null) {
      scraper.close();
      env.put("prometheus scrapes", scraper.summary(cmd.scrapeEvery));
    }
  }

  private LoadReport report() {
    BoxReport boxReport = new BoxReport(box.members(), idleCost, meter.windows(), meter.timeline());
    return new LoadReport(
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
  }

  private String reportName() {
    return scenario.name().toLowerCase(Locale.ROOT)
        + "-"
        + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
  }

  private int exitCode(LoadReport report) {
    if (!report.passed(false)) {
      return 1;
    }
    return cmd.failOnGoals && !report.passed(true) ? 2 : 0;
  }

  /** Stops what this run started, the last started first, and deletes its work directory. */
  private void stop() {
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
    if (cmd.noSinks) {
      args.add("--no-sinks");
    }
    cmd.config.overrides.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    return ApplicationProcess.start(
        List.of(cmd.appJvmOptions.strip().split("\\s+")),
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
    env.put("warm-up", cmd.warmup.toString());
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
