package io.provability.fabric.tools.cli;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.tools.internal.audit.AuditConnections;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.tools.internal.demo.SinkAudit;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.DevelopmentSetup;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric demo}: the whole pipeline on the embedded stack, driven by synthetic traffic, with
 * a summary that must add up (requests = decisions = rows = entries of the evidence logs; the whole
 * audit of logs and rows passes).
 */
@Command(
    name = "demo",
    description =
        "Run the whole pipeline on embedded services with synthetic traffic and print a summary.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--requests",
      defaultValue = "10000",
      description = "Plan requests to produce (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--sessions",
      defaultValue = "2000",
      description = "Distinct sessions (default ${DEFAULT-VALUE}).")
  int sessions;

  @Option(
      names = "--tenants",
      defaultValue = "8",
      description = "Distinct tenants (default ${DEFAULT-VALUE}).")
  int tenants;

  @Option(
      names = "--timeout",
      defaultValue = "PT150S",
      description =
          "Give up waiting for the sinks after this (ISO-8601, default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--work-dir",
      description =
          "Keep the demo's work directory here afterwards (keys, the embedded "
              + "services' data, S3 objects included) instead of a temporary directory that is deleted.")
  Path workDir;

  @Option(
      names = "--endpoints-file",
      description =
          "Write the embedded servers' addresses here once they are up: an "
              + "external-mode properties file for --config of other commands, valid while the demo runs.")
  Path endpointsFile;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private final PrintStream out = System.out;
  private volatile FabricRuntime running;
  private static final String LOG_FILE = "demo.log";

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    Path work =
        workDir != null
            ? Files.createDirectories(workDir)
            : Files.createTempDirectory("fabric-demo-");
    Path log = work.resolve(LOG_FILE);
    if (!LogSetup.verbose(spec)) {
      LogSetup.allLogsTo(
          log); // the console shows the progress and the summary; library warnings go to the file
    }
    Ed25519.SigningKey issuer = writeKeys(work);
    FabricConfig cfg = FabricConfig.defaults(Map.of(FabricConfig.WORK_DIR_CONFIG, work.toString()));

    status("starting the embedded stack (Kafka broker, PostgreSQL, Redis, S3) in " + work);
    EmbeddedMode.Running stack = EmbeddedMode.start(work.resolve("stack"));
    try {
      stopOnExit(stack);
      StackEndpoints ep = stack.endpoints();
      status(String.format("stack up in %.1f s; log: %s", seconds(t0), log));
      if (endpointsFile != null) {
        DevelopmentSetup.writeEndpoints(endpointsFile, cfg, ep);
      }
      return new DemoRun(cfg, ep, issuer, t0).execute();
    } finally {
      if (running != null) {
        running.close();
      }
      stack.close();
      if (workDir == null) {
        deleteQuietly(work);
      } else {
        status(
            "kept the work directory "
                + work
                + " (S3 objects under "
                + work.resolve("stack")
                + ")");
      }
    }
  }

  /**
   * Writes the demo's keys under {@code work/keys}: the token issuer's (trusted by the kernel) and
   * the retrieval gateway's (its receipts trusted); returns the issuer's.
   */
  private static Ed25519.SigningKey writeKeys(Path work) throws IOException {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("demo-issuer-1", new SecureRandom());
    Path trusted = work.resolve("keys").resolve("trusted-issuers.keys");
    Files.createDirectories(trusted.getParent());
    KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
    KeyFiles.write(work.resolve("keys").resolve("demo-issuer.key"), issuer);
    // the kernel trusts this instance's retrieval gateway, so its receipts verify in later plans
    Ed25519.SigningKey gateway =
        Ed25519.SigningKey.generate("demo-retrieval-gateway-1", new SecureRandom());
    KeyFiles.write(work.resolve("keys").resolve("retrieval-gateway.key"), gateway);
    KeyRing.empty()
        .with(gateway.keyId(), gateway.publicKey())
        .write(work.resolve("keys").resolve("trusted-receipt-signers.keys"));
    return issuer;
  }

  /**
   * Ctrl-C skips try-with-resources: stop PostgreSQL and the rest from a hook, or they outlive the
   * JVM.
   */
  private void stopOnExit(EmbeddedMode.Running stack) {
    Thread stopOnExit =
        new Thread(
            () -> {
              FabricRuntime r = running;
              if (r != null) {
                r.close();
              }
              stack.close();
            },
            "fabric-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /**
   * The demo on a running stack, as phases: generate the traffic, start the topology and sinks,
   * produce, wait for the decisions, wait for the sinks, summarise. The timings live in fields.
   */
  private final class DemoRun {
    private final FabricConfig cfg;
    private final StackEndpoints ep;
    private final Ed25519.SigningKey issuer;
    private final long t0;
    private SyntheticTraffic traffic;
    private List<SyntheticTraffic.Generated> generated;
    private List<PlanRequest> plans;
    private long tProduce;
    private double produceSeconds;
    private double decideSeconds;
    private double sunkSeconds;
    private long deadline;

    DemoRun(FabricConfig cfg, StackEndpoints ep, Ed25519.SigningKey issuer, long t0) {
      this.cfg = cfg;
      this.ep = ep;
      this.issuer = issuer;
      this.t0 = t0;
    }

    int execute() throws Exception {
      generateTraffic();
      long tStart = System.nanoTime();
      try (FabricRuntime runtime = startRuntime(cfg, ep, traffic);
          SinkAudit audit =
              new SinkAudit(
                  ep, cfg.getString(FabricConfig.S3_BUCKET_CONFIG), AuditConnections.logs(cfg));
          KafkaTraffic.DecisionReader decisions =
              new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions());
          KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
        status(
            String.format(
                "topology and sinks running in %.1f s; producing %,d plan requests over %,d sessions and %d tenants",
                seconds(tStart), requests, sessions, tenants));
        produce(producer);
        awaitDecisions(runtime, decisions, audit);
        awaitSinks(decisions, audit);
        System.err.println();

        return summary(
            generated,
            decisions.decisions(),
            audit,
            AuditConnections.verifierOf(cfg, cfg.evidenceKeyFile()),
            produceSeconds,
            decideSeconds,
            sunkSeconds,
            seconds(t0));
      }
    }

    private void generateTraffic() {
      traffic = new SyntheticTraffic(issuer, tenants, sessions, Instant.now(), 20261127L);
      generated = new ArrayList<>(requests);
      for (int i = 0; i < requests; i++) {
        generated.add(traffic.next());
      }
      plans = generated.stream().map(SyntheticTraffic.Generated::request).toList();
    }

    private void produce(KafkaProducer<byte[], byte[]> producer) throws Exception {
      tProduce = System.nanoTime();
      KafkaTraffic.produce(producer, cfg.topicRequests(), plans, n -> {});
      produceSeconds = seconds(tProduce);
      deadline = System.nanoTime() + timeout.toNanos();
    }

    /** Reads decisions until all arrived, the deadline passed or the topology stopped. */
    private void awaitDecisions(
        FabricRuntime runtime, KafkaTraffic.DecisionReader decisions, SinkAudit audit)
        throws Exception {
      long lastDecisionNanos = tProduce;
      int lastCount = -1;
      while (decisions.decisions().size() < requests
          && System.nanoTime() < deadline
          && runtime.streams().state().isRunningOrRebalancing()) {
        if (decisions.poll(Duration.ofMillis(200)) > 0) {
          lastDecisionNanos = System.nanoTime();
        }
        lastCount =
            progress(
                requests,
                decisions.decisions().size(),
                () -> audit.decisionLog().totalRows(),
                () -> audit.decisionLog().decisionEvidenceCount(),
                lastCount);
      }
      decideSeconds = (lastDecisionNanos - tProduce) / 1e9;
    }

    /** Waits until PostgreSQL holds a row and a checkpoint link per request, or the deadline. */
    private void awaitSinks(KafkaTraffic.DecisionReader decisions, SinkAudit audit)
        throws InterruptedException {
      while ((audit.decisionLog().totalRows() < requests
              || audit.decisionLog().decisionEvidenceCount() < requests)
          && System.nanoTime() < deadline) {
        progress(
            requests,
            decisions.decisions().size(),
            () -> audit.decisionLog().totalRows(),
            () -> audit.decisionLog().decisionEvidenceCount(),
            -2);
        Thread.sleep(250);
      }
      sunkSeconds = seconds(tProduce);
    }
  }

  private FabricRuntime startRuntime(FabricConfig cfg, StackEndpoints ep, SyntheticTraffic traffic)
      throws Exception {
    // revocations go onto the policy topic before the topology starts, so its global store holds
    // them from the start
    try (var admin = Admin.create(KafkaClients.forBootstrap(ep.bootstrapServers()).admin())) {
      TopicSetup.ensure(admin, cfg);
    }
    KafkaTraffic.publishRevocations(
        ep.bootstrapServers(), cfg.topicPolicyState(), traffic.revocations());
    running = FabricRuntime.start(cfg, ep, true);
    return running;
  }

  private int summary(
      List<SyntheticTraffic.Generated> generated,
      Map<String, Decision> decided,
      SinkAudit audit,
      NoteVerifier logKey,
      double produceSeconds,
      double decideSeconds,
      double sunkSeconds,
      double totalSeconds) {
    Summary summary = new Summary(generated, decided, audit, logKey);
    summary.tally();
    summary.readSinks();
    out.println();
    out.println("Provability Fabric demo — summary");
    summary.printDecisions(produceSeconds, decideSeconds);
    summary.printRows();
    summary.printEvidence();
    out.printf(
        "  everything sunk after      %10.1f s;  total run %.1f s%n", sunkSeconds, totalSeconds);

    boolean adds = summary.printResult();
    whatNext();
    return adds ? 0 : 1;
  }

  /**
   * The demo's figures, as steps: tally the decisions against the expected verdicts, read the sinks
   * (rows, checkpoint links, the audit of logs and rows), print each part, and whether it all adds
   * up.
   */
  private final class Summary {
    private final List<SyntheticTraffic.Generated> generated;
    private final Map<String, Decision> decided;
    private final SinkAudit audit;
    private final NoteVerifier logKey;
    private final Map<Verdict, Integer> verdicts = new EnumMap<>(Verdict.class);
    private int mismatches;
    private long rows;
    private long linked;
    private AuditReport audited;
    private List<SinkAudit.LogSummary> logs;
    private long entries;

    Summary(
        List<SyntheticTraffic.Generated> generated,
        Map<String, Decision> decided,
        SinkAudit audit,
        NoteVerifier logKey) {
      this.generated = generated;
      this.decided = decided;
      this.audit = audit;
      this.logKey = logKey;
    }

    /** Verdicts by kind, and the decisions whose verdict or reason code is not the expected one. */
    void tally() {
      for (SyntheticTraffic.Generated g : generated) {
        Decision d = decided.get(g.request().getRequestId());
        if (d == null) {
          continue;
        }
        verdicts.merge(d.getVerdict(), 1, Integer::sum);
        boolean codeOk =
            g.expectedCode() == null
                || d.getReasons().stream()
                    .anyMatch(r -> r.getCode().equals(g.expectedCode().name()));
        if (d.getVerdict() != g.expectedVerdict() || !codeOk) {
          mismatches++;
        }
      }
    }

    void readSinks() {
      rows = audit.decisionLog().totalRows();
      linked = audit.decisionLog().decisionEvidenceCount();
      audited = audit.verifyLogs(logKey, List.of());
      logs = audit.logSummaries();
      entries = logs.stream().mapToLong(SinkAudit.LogSummary::size).sum();
    }

    void printDecisions(double produceSeconds, double decideSeconds) {
      out.printf(
          "  requests produced          %,10d   (%.1f s, %,.0f req/s)%n",
          generated.size(), produceSeconds, generated.size() / Math.max(produceSeconds, 1e-9));
      out.printf(
          "  decisions                  %,10d   allow %,d, deny %,d%n",
          decided.size(),
          verdicts.getOrDefault(Verdict.ALLOW, 0),
          verdicts.getOrDefault(Verdict.DENY, 0));
      out.printf(
          "  decisions/s                %,10.0f   (first produce to last decision: %.1f s)%n",
          decided.size() / Math.max(decideSeconds, 1e-9), decideSeconds);
      out.printf(
          "  verdicts as expected       %,10d   (mismatches: %d)%n",
          decided.size() - mismatches, mismatches);
    }

    /** The decision log's rows, by day partition. */
    void printRows() {
      out.printf("  rows in PostgreSQL         %,10d%n", rows);
      var partitions = audit.decisionLog().rowsPerPartition();
      out.printf(
          "      day partitions: %d (%s … %s), created ahead and kept for the retention%n",
          partitions.size(),
          partitions.isEmpty() ? "-" : partitions.firstKey(),
          partitions.isEmpty() ? "-" : partitions.lastKey());
      partitions.forEach(
          (p, n) -> {
            if (n > 0) {
              out.printf("      %-28s %,8d rows%n", p, n);
            }
          });
    }

    /** The checkpoint links, the evidence logs and the audit's verdict with its first findings. */
    void printEvidence() {
      out.printf("  decisions in a checkpoint  %,10d   (rows in decision_evidence)%n", linked);
      for (SinkAudit.LogSummary l : logs) {
        out.printf(
            "  evidence log: %s size %d vkey %s at %s%n",
            l.origin(), l.size(), logKey.vkey(), l.url());
      }
      out.printf(
          "  audit of logs and rows     %10s   (%,d checkpoints, %,d entries, %,d rows; findings: %d)%n",
          audited.ok() ? "OK" : "FAILED",
          audited.checkpointsVerified(),
          audited.entriesVerified(),
          audited.rowsMatched(),
          audited.mismatches().size());
      audited.mismatches().stream().limit(5).forEach(m -> out.println("      " + m.render()));
    }

    /**
     * Prints whether requests = decisions = rows = log entries and the audit verifies; returns it.
     */
    boolean printResult() {
      boolean adds =
          decided.size() == generated.size()
              && rows == generated.size()
              && linked == generated.size()
              && entries == generated.size()
              && mismatches == 0
              && audited.ok();
      out.println(
          adds
              ? "  RESULT: OK — requests = decisions = rows = log entries, the audit verifies"
              : "  RESULT: FAILED — the figures above do not add up");
      return adds;
    }
  }

  /**
   * The commands that take a newcomer from the demo to an instance of their own (README,
   * "Quickstart").
   */
  private void whatNext() {
    out.println();
    out.println("What next (README.md, Quickstart):");
    out.println(
        "  ./fabric run                   an instance on the embedded stack; prints its token issuer key");
    out.println(
        "  ./fabric token issue --key .fabric/keys/dev-issuer.key --tenant acme --subject agent-1 \\");
    out.println("      --cap 'read_docs:READ:acme/docs/*' --format avro-base64 > token.b64");
    out.println("  sed \"s|TOKEN|$(cat token.b64)|\" docs/examples/plan.json | curl -s -X POST \\");
    out.println(
        "      -H 'Content-Type: application/json' --data @- http://127.0.0.1:8080/v1/plans");
    out.println(
        "  ./fabric audit verify --config .fabric/endpoints.properties --from $(date -u +%F) --to $(date -u -d tomorrow +%F)");
  }

  private static int progress(
      int total, int decided, LongSupplier rows, LongSupplier linked, int last) {
    if (last != -2 && decided == last) {
      return last;
    }
    System.err.printf(
        "\r  decided %,d/%,d   rows %,d   in a checkpoint %,d      ",
        decided, total, rows.getAsLong(), linked.getAsLong());
    return decided;
  }

  private static void status(String message) {
    System.err.println("fabric demo: " + message);
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  /** Deletes the demo's data; the log stays (its path was printed) for a look after a failure. */
  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(dir) && !p.equals(dir.resolve(LOG_FILE)))
          .forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("fabric demo: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
