package io.provability.fabric.connectors.bench;

import com.sun.management.OperatingSystemMXBean;
import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.connectors.runtime.SinkPipelineSettings;
import io.provability.fabric.embedded.KafkaService;
import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.DecisionLogWriter;
import io.provability.fabric.sinks.decisionlog.RawCopy;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end throughput of the sink connectors on one machine, as a program (not a test): the
 * development kit's KRaft broker, PostgreSQL and S3Proxy, the connectors in an {@link
 * EmbeddedConnect} worker.
 *
 * <ol>
 *   <li>Decision log: per round, N fresh decisions are put on a topic; then the same N rows are
 *       written into {@code decision_log} twice, once by raw {@code COPY} (the baseline: no
 *       conflict check, the ceiling) and once through the decision-log connector. The side that
 *       goes first alternates from round to round, and before each side the table is emptied
 *       ({@code TRUNCATE}) and checkpointed, so both write the same rows into the same, empty
 *       table. The connector is timed from the first record its task reads until Connect has seen
 *       {@code put()} return for the last one (the task's JMX metrics, polled in this JVM); the
 *       time from the task's start to its first record (consumer group join, first fetch) is
 *       printed apart. Each side also prints the CPU seconds this JVM and the PostgreSQL server
 *       spent meanwhile. Printed as rows/s and as the ratio connector / COPY.
 *   <li>Evidence: D log entries/s are produced for S seconds to P evidence partitions; the
 *       sequencer's drain time is printed, and the S3 PUTs its checkpoints cost (tiles, bundles and
 *       the checkpoint object, replayed from the recorded checkpoint sizes) per 1,000 decisions.
 * </ol>
 *
 * <p>Arguments: {@code [decisions per round=200000] [rounds=3] [evidence seconds=60 (0: skip)]
 * [decisions/s for evidence=5000] [evidence partitions=1] [key=value ...]}; the {@code key=value}
 * pairs override the decision-log connector's embedded configuration ({@code write.mode=COPY},
 * {@code batch.size=500}; {@code tasks.max=2} sets the task count).
 */
public final class SinkConnectorBenchmark {

  private static final EventCodec CODEC = EventCodec.standard();

  private SinkConnectorBenchmark() {}

  /**
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    int n = arg(args, 0, 200_000);
    int rounds = arg(args, 1, 3);
    int evidenceSeconds = arg(args, 2, 60);
    int decisionsPerSecond = arg(args, 3, 5_000);
    int evidencePartitions = arg(args, 4, 1);
    Path work = Files.createTempDirectory("sink-bench-");
    try (KafkaService broker =
            KafkaService.start(
                Files.createDirectories(work.resolve("kafka")), Duration.ofMinutes(2));
        PostgresFixture postgres =
            PostgresFixture.start(Files.createDirectories(work.resolve("postgres")));
        S3Service s3 =
            S3Service.start(Files.createDirectories(work.resolve("s3")), Duration.ofMinutes(1))) {
      String jdbcUrl = postgres.newDatabase();
      try (DecisionLog log =
          DecisionLog.open(
              DecisionLogConfig.builder()
                  .jdbcUrl(jdbcUrl)
                  .user(postgres.user())
                  .password(postgres.password())
                  .poolMaxSize(1)
                  .maintenanceInterval(Duration.ZERO)
                  .build(),
              Clock.systemUTC())) {
        // opening migrates the schema and creates today's partitions, which raw COPY needs
        System.out.printf("decision log ready (%s)%n", log);
      }
      Map<String, String> overrides = overrides(args);
      int tasks = Integer.parseInt(overrides.getOrDefault("tasks.max", "1"));
      System.out.printf(
          "decision-log connector overrides %s (empty = the embedded defaults)%n", overrides);
      PostgresCpu pgCpu = PostgresCpu.of(jdbcUrl, postgres);
      List<Double> ratios = new ArrayList<>();
      // all topics up front: producing into a topic created a moment ago met NotLeaderOrFollower
      // and
      // then OutOfOrderSequence errors on this loaded box, which the idempotent producer retried
      // forever
      Map<String, Integer> topics = new HashMap<>();
      for (int round = 1; round <= rounds; round++) {
        topics.put("bench-decisions-" + round, 3);
        topics.put("bench-evidence-" + round, 3);
      }
      if (!topics.isEmpty()) {
        createTopics(broker, topics);
        awaitLeaders(broker, topics.keySet());
      }
      for (int round = 1; round <= rounds; round++) {
        // the same rows for both sides: on the topic for the connector, in memory for COPY
        List<DecisionLogWriter.EncodedDecision> rows = decisions("r" + round + "-", n);
        String topic = "bench-decisions-" + round;
        produce(broker.bootstrapServers(), topic, rows);
        SinkPipelineSettings settings =
            new SinkPipelineSettings(
                new SinkPipelineSettings.Kafka(
                    broker.bootstrapServers(), topic, "bench-evidence-" + round),
                new SinkPipelineSettings.Jdbc(jdbcUrl, postgres.user(), postgres.password()),
                new SinkPipelineSettings.S3(
                    s3.endpoint(),
                    S3Service.REGION,
                    "bench-" + round,
                    s3.accessKey(),
                    s3.secretKey()),
                new SinkPipelineSettings.Connect("bench-round-" + round, tasks, work),
                SinkPipelineSettings.EvidenceLog.defaults(work),
                Map.of());
        // alternate which side goes first, and give each side an empty table (same indexes, no
        // bloat from the other side) and a fresh checkpoint, so neither inherits the other's work
        boolean copyFirst = round % 2 == 1;
        Side copy = null;
        Side connector = null;
        for (int turn = 0; turn < 2; turn++) {
          emptyDecisionLog(jdbcUrl, postgres);
          if ((turn == 0) == copyFirst) {
            copy = rawCopy(jdbcUrl, postgres, rows, pgCpu);
          } else {
            connector = connector(settings, overrides, n, pgCpu);
          }
          long stored = count(jdbcUrl, postgres, "decision_log", "decision_id", "r" + round + "-%");
          if (stored != n) {
            throw new IllegalStateException(
                "round " + round + ": " + stored + " rows, expected " + n);
          }
        }
        ratios.add(connector.rate() / copy.rate());
        System.out.printf(
            "round %d (%s first): %d rows; raw COPY %.0f rows/s (%.2f s, CPU JVM %.2f s, "
                + "PostgreSQL %.2f s); connector %.0f rows/s (%.2f s from the first record read, "
                + "+%.2f s task start to first record; CPU JVM %.2f s, PostgreSQL %.2f s); ratio "
                + "%.2f%n",
            round,
            copyFirst ? "COPY" : "connector",
            n,
            copy.rate(),
            copy.seconds(),
            copy.jvmCpu(),
            copy.pgCpu(),
            connector.rate(),
            connector.seconds(),
            connector.startSeconds(),
            connector.jvmCpu(),
            connector.pgCpu(),
            ratios.get(ratios.size() - 1));
        rows = null;
      }
      if (!ratios.isEmpty()) {
        System.out.printf(
            "decision log: ratio connector / raw COPY per round %s%n",
            ratios.stream().map(r -> String.format("%.2f", r)).toList());
      }
      if (evidenceSeconds > 0) {
        evidence(
            broker,
            postgres,
            s3,
            jdbcUrl,
            work,
            evidenceSeconds,
            decisionsPerSecond,
            evidencePartitions);
      }
    }
    // the broker's and Connect's non-daemon threads would keep the JVM alive
    System.exit(0);
  }

  private static void evidence(
      KafkaService broker,
      PostgresFixture postgres,
      S3Service s3,
      String jdbcUrl,
      Path work,
      int seconds,
      int decisionsPerSecond,
      int partitions)
      throws Exception {
    String topic = "bench-evidence";
    createTopics(broker, Map.of(topic, partitions, "bench-evidence-decisions", 1));
    SinkPipelineSettings settings =
        new SinkPipelineSettings(
            new SinkPipelineSettings.Kafka(
                broker.bootstrapServers(), "bench-evidence-decisions", topic),
            new SinkPipelineSettings.Jdbc(jdbcUrl, postgres.user(), postgres.password()),
            new SinkPipelineSettings.S3(
                s3.endpoint(), S3Service.REGION, "bench-evidence", s3.accessKey(), s3.secretKey()),
            new SinkPipelineSettings.Connect("bench-evidence", 1, work),
            SinkPipelineSettings.EvidenceLog.defaults(work),
            Map.of());
    System.out.printf(
        "evidence: %d decisions/s over %d evidence partition(s) for %d s%n",
        decisionsPerSecond, partitions, seconds);
    long produced = 0;
    try (EmbeddedConnect connect = EmbeddedConnect.start(settings);
        KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
      System.out.printf("evidence: worker up at %s%n", connect.restUrl());
      long start = System.nanoTime();
      long tickNanos = TimeUnit.SECONDS.toNanos(1) / decisionsPerSecond;
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long next = start;
      Instant now = Instant.now();
      while (System.nanoTime() < end) {
        long delay = next - System.nanoTime();
        if (delay > 0) {
          LockSupport.parkNanos(delay);
        }
        next += tickNanos;
        Decision d =
            TestEvents.decision(
                "tenant-bench", "bench-s" + (produced % 20_000), (int) produced, now);
        producer.send(
            new ProducerRecord<>(
                topic, d.getSessionId().getBytes(StandardCharsets.UTF_8), TestEvents.entry(d)));
        produced++;
      }
      producer.flush();
      long drainStart = System.nanoTime();
      while (count(jdbcUrl, postgres, "decision_evidence", "decision_id", "dec-%") < produced) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      System.out.printf(
          "evidence: %d entries produced at %.0f/s; all in a checkpoint %.1f s after the last one%n",
          produced, produced / ((drainStart - start) / 1e9), seconds(drainStart));
    }
    // S3 PUTs follow from the checkpoint sizes alone: replay the appender over them
    List<Long> sizes = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT origin, size FROM log_checkpoint ORDER BY origin, size")) {
      String origin = null;
      while (rs.next()) {
        if (!rs.getString(1).equals(origin)) {
          origin = rs.getString(1);
          sizes.add(-1L);
        }
        sizes.add(rs.getLong(2));
      }
    }
    long puts = 0;
    long checkpoints = 0;
    TileLogAppender appender = null;
    byte[] entry = new byte[300];
    for (long size : sizes) {
      if (size < 0) {
        appender = new TileLogAppender();
        continue;
      }
      List<byte[]> batch = new ArrayList<>();
      for (long k = appender.size(); k < size; k++) {
        batch.add(entry);
      }
      puts += appender.append(batch).writes().size() + 1; // tiles and bundles, then the checkpoint
      checkpoints++;
    }
    System.out.printf(
        "evidence: %d checkpoints, %d S3 PUTs: %.1f per 1,000 decisions%n",
        checkpoints, puts, puts * 1000.0 / Math.max(1, produced));
  }

  /** One side of a round: wall time, rows/s, and the CPU the JVM and PostgreSQL spent meanwhile. */
  private record Side(int rows, double seconds, double startSeconds, double jvmCpu, double pgCpu) {
    double rate() {
      return rows / seconds;
    }
  }

  private static Side rawCopy(
      String jdbcUrl,
      PostgresFixture postgres,
      List<DecisionLogWriter.EncodedDecision> rows,
      PostgresCpu pgCpu)
      throws SQLException, IOException {
    double jvm0 = jvmCpuSeconds();
    double pg0 = pgCpu.seconds();
    long t0 = System.nanoTime();
    try (Connection c =
        DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password())) {
      RawCopy.copy(c, rows, 10_000);
    }
    double seconds = seconds(t0);
    return new Side(rows.size(), seconds, 0, jvmCpuSeconds() - jvm0, pgCpu.seconds() - pg0);
  }

  /**
   * Runs the decision-log connector over the topic and times it from the first record its task
   * reads until Connect has seen {@code put()} return for the last one ({@code
   * sink-record-send-total} is counted after {@code put()} returns, and {@code put()} returns after
   * the commit). A thread started before the worker polls the task's JMX metrics every 2 ms (the
   * task starts reading before {@link EmbeddedConnect#start} returns); unlike counting rows in
   * PostgreSQL, this costs the database nothing while it is being measured.
   */
  private static Side connector(
      SinkPipelineSettings settings, Map<String, String> overrides, int n, PostgresCpu pgCpu)
      throws Exception {
    MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    ObjectName tasks =
        new ObjectName(
            "kafka.connect:type=sink-task-metrics,connector="
                + settings.connectGroupId()
                + "-decision-log-sink,task=*");
    Map<String, String> config = new HashMap<>(overrides);
    config.remove("tasks.max");
    CompletableFuture<Side> result = new CompletableFuture<>();
    Thread monitor =
        new Thread(
            () -> {
              try {
                long started = System.nanoTime();
                long deadline = started + TimeUnit.MINUTES.toNanos(3);
                long taskUp = 0;
                long firstRead = 0;
                double jvm0 = 0;
                double pg0 = 0;
                while (!result.isDone()) {
                  if (taskUp == 0 && !mbeans.queryNames(tasks, null).isEmpty()) {
                    taskUp = System.nanoTime();
                  }
                  if (firstRead == 0 && sum(mbeans, tasks, "sink-record-read-total") > 0) {
                    firstRead = System.nanoTime();
                    jvm0 = jvmCpuSeconds();
                    pg0 = pgCpu.seconds();
                  }
                  if (firstRead != 0 && sum(mbeans, tasks, "sink-record-send-total") >= n) {
                    long done = System.nanoTime();
                    result.complete(
                        new Side(
                            n,
                            (done - firstRead) / 1e9,
                            (firstRead - taskUp) / 1e9,
                            jvmCpuSeconds() - jvm0,
                            pgCpu.seconds() - pg0));
                  } else if (System.nanoTime() > deadline) {
                    result.completeExceptionally(
                        new IllegalStateException("connector did not finish in time"));
                  }
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                }
              } catch (Exception e) {
                result.completeExceptionally(e);
              }
            },
            "bench-monitor");
    monitor.setDaemon(true);
    monitor.start();
    try (EmbeddedConnect connect =
        EmbeddedConnect.start(settings, EmbeddedConnect.DEFAULT_START_TIMEOUT, config)) {
      try {
        return result.get(4, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "decision-log connector: " + connect.status(connect.decisionLogConnector()),
            e.getCause());
      }
    } finally {
      result.cancel(false);
      monitor.join();
    }
  }

  private static double sum(MBeanServer mbeans, ObjectName pattern, String attribute)
      throws Exception {
    double total = 0;
    for (ObjectName task : mbeans.queryNames(pattern, null)) {
      try {
        if (mbeans.getAttribute(task, attribute) instanceof Number v) {
          total += v.doubleValue();
        }
      } catch (InstanceNotFoundException | AttributeNotFoundException e) {
        // the task is being replaced, or its sensors are not registered yet: the next poll sees
        // them
      }
    }
    return total;
  }

  private static void emptyDecisionLog(String url, PostgresFixture postgres) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE decision_log");
      s.execute("CHECKPOINT");
    }
  }

  private static double jvmCpuSeconds() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  /**
   * Connector overrides from {@code key=value} arguments after the fifth, e.g. {@code
   * batch.size=500}.
   */
  private static Map<String, String> overrides(String[] args) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 5; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got " + args[i]);
      }
      out.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    return out;
  }

  /**
   * CPU seconds of the PostgreSQL server: the postmaster, its live children, and (through the
   * postmaster's cumulative child times) the backends that have exited. Linux {@code /proc} only.
   */
  private record PostgresCpu(long postmaster, double ticksPerSecond) {

    static PostgresCpu of(String url, PostgresFixture postgres) throws Exception {
      String dataDir;
      try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SHOW data_directory")) {
        rs.next();
        dataDir = rs.getString(1);
      }
      long pid =
          Long.parseLong(Files.readAllLines(Path.of(dataDir, "postmaster.pid")).get(0).trim());
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      double hz =
          Double.parseDouble(
              new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
      p.waitFor();
      return new PostgresCpu(pid, hz);
    }

    double seconds() throws IOException {
      long ticks = 0;
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path proc :
            procs
                .filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit))
                .toList()) {
          String[] f;
          try {
            String stat = Files.readString(proc.resolve("stat"));
            // fields after the command, which is in parentheses and may hold spaces
            f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          } catch (IOException gone) {
            continue;
          }
          long pid = Long.parseLong(proc.getFileName().toString());
          long ppid = Long.parseLong(f[1]);
          // f[11], f[12] = utime, stime; f[13], f[14] = cutime, cstime (field 14.. of proc(5))
          if (pid == postmaster) {
            ticks +=
                Long.parseLong(f[11])
                    + Long.parseLong(f[12])
                    + Long.parseLong(f[13])
                    + Long.parseLong(f[14]);
          } else if (ppid == postmaster) {
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        }
      }
      return ticks / ticksPerSecond;
    }
  }

  private static Admin admin(KafkaService broker) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  /** Creates topics with replication factor 1. */
  private static void createTopics(KafkaService broker, Map<String, Integer> partitionsByTopic)
      throws Exception {
    try (Admin admin = admin(broker)) {
      admin
          .createTopics(
              partitionsByTopic.entrySet().stream()
                  .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                  .toList())
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitLeaders(KafkaService broker, Set<String> topics) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (Admin admin = admin(broker)) {
      while (true) {
        boolean ready =
            admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                .flatMap(t -> t.partitions().stream())
                .allMatch(p -> p.leader() != null);
        if (ready) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topics " + topics + " have no leaders after 60 s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
  }

  /**
   * Puts the rows on the topic, every one exactly once: on this loaded box a fresh topic's leader
   * can still be moving, and a send that fails then is sent again (synchronously) instead of being
   * lost.
   */
  private static void produce(
      String bootstrap, String topic, List<DecisionLogWriter.EncodedDecision> rows)
      throws Exception {
    List<ProducerRecord<byte[], byte[]>> failed = Collections.synchronizedList(new ArrayList<>());
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      for (DecisionLogWriter.EncodedDecision d : rows) {
        ProducerRecord<byte[], byte[]> r =
            new ProducerRecord<>(
                topic, d.decision().getDecisionId().getBytes(StandardCharsets.UTF_8), d.event());
        producer.send(
            r,
            (metadata, e) -> {
              if (e != null) {
                failed.add(r);
              }
            });
      }
      producer.flush();
      List<ProducerRecord<byte[], byte[]>> again = new ArrayList<>(failed);
      if (!again.isEmpty()) {
        System.out.printf("%d sends to %s failed; sending them again%n", again.size(), topic);
      }
      for (ProducerRecord<byte[], byte[]> r : again) {
        producer.send(r).get();
      }
    }
  }

  private static List<DecisionLogWriter.EncodedDecision> decisions(String prefix, int n) {
    Instant now = Instant.now();
    List<DecisionLogWriter.EncodedDecision> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Decision d = TestEvents.decision(i, now);
      d.setDecisionId(prefix + i);
      out.add(new DecisionLogWriter.EncodedDecision(d, CODEC.encode(d)));
    }
    return out;
  }

  private static long count(
      String url, PostgresFixture postgres, String table, String column, String like)
      throws SQLException {
    try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
        PreparedStatement q =
            c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + column + " LIKE ?")) {
      q.setString(1, like);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            10,
            ProducerConfig.BATCH_SIZE_CONFIG,
            256 * 1024,
            // a send that keeps failing surfaces (and is sent again by produce()) instead of
            // retrying forever
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            30_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            20_000),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
