package io.provability.fabric.load;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.config.StackEndpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.postgresql.PGConnection;

/**
 * The raw speed of the components the fabric is built from, measured on the same servers in the
 * same run, so every load figure can also be read as a ratio: a raw Kafka producer and consumer
 * (the fabric's record size and partition count), a pass-through Kafka Streams topology with the
 * fabric's processing guarantee and commit interval, Redis GETs pipelined through Lettuce's async
 * API, and PostgreSQL COPY of decision-log-sized rows.
 *
 * <p>Each figure is a throughput over a fixed amount of work; a failed baseline is reported as
 * failed with its reason and does not stop the run.
 */
public final class Baselines {
  /** One measured figure. */
  public record Figure(
      String name, String unit, double perSecond, long count, double seconds, String note) {}

  private final StackEndpoints endpoints;
  private final KafkaClients kafka;
  private final int partitions;
  private final int records;
  private final int recordBytes;
  private final String processingGuarantee;
  private final long commitIntervalMs;
  private final Path stateDir;
  private final String id = Long.toHexString(System.nanoTime() & 0xffffffffL);

  /**
   * @param records records (and keys, and rows) per figure
   * @param recordBytes value size of the Kafka and Redis figures (the run's mean request size)
   */
  public Baselines(
      StackEndpoints endpoints,
      int partitions,
      int records,
      int recordBytes,
      String processingGuarantee,
      long commitIntervalMs,
      Path stateDir) {
    this.endpoints = endpoints;
    this.kafka = KafkaClients.forBootstrap(endpoints.bootstrapServers());
    this.partitions = partitions;
    this.records = records;
    this.recordBytes = recordBytes;
    this.processingGuarantee = processingGuarantee;
    this.commitIntervalMs = commitIntervalMs;
    this.stateDir = stateDir;
  }

  /** Measures every figure, printing each as it is done. */
  public List<Figure> measureAll(PrintStream log) {
    List<Figure> out = new ArrayList<>();
    String in = "fabric-load-baseline-" + id + "-in";
    String outTopic = "fabric-load-baseline-" + id + "-out";
    out.add(measure(log, "kafka producer", "records/s", () -> produce(in)));
    out.add(measure(log, "kafka consumer", "records/s", () -> consume(in)));
    out.add(
        measure(
            log,
            "kafka streams pass-through (" + processingGuarantee + ")",
            "records/s",
            () -> passThrough(in, outTopic)));
    out.add(measure(log, "redis pipelined GET (lettuce async)", "ops/s", this::redisGets));
    out.add(measure(log, "postgresql COPY", "rows/s", this::postgresCopy));
    deleteTopics(List.of(in, outTopic));
    return out;
  }

  private interface Measurement {
    Figure run() throws Exception;
  }

  private static Figure measure(PrintStream log, String name, String unit, Measurement m) {
    try {
      Figure f = m.run();
      Figure named = new Figure(name, unit, f.perSecond(), f.count(), f.seconds(), f.note());
      log.printf(
          "  baseline %-48s %,12.0f %s  (%,d in %.2f s)%n",
          name, named.perSecond(), unit, named.count(), named.seconds());
      return named;
    } catch (Exception e) {
      log.printf("  baseline %-48s FAILED: %s%n", name, e);
      return new Figure(name, unit, Double.NaN, 0, 0, "failed: " + e);
    }
  }

  private Figure produce(String topic) throws Exception {
    try (Admin admin = Admin.create(kafka.admin())) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Properties p = kafka.batchingProducer(5);
    SplittableRandom random = new SplittableRandom(7);
    byte[][] values = new byte[64][];
    for (int i = 0; i < values.length; i++) {
      values[i] = randomText(random, recordBytes);
    }
    AtomicLong failures = new AtomicLong();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      // the first send waits for metadata: keep it out of the timing
      producer
          .send(new ProducerRecord<>(topic, "warm".getBytes(StandardCharsets.UTF_8), values[0]))
          .get();
      long t0 = System.nanoTime();
      for (int i = 0; i < records; i++) {
        producer.send(
            new ProducerRecord<>(
                topic,
                ("s" + random.nextInt(10_000)).getBytes(StandardCharsets.UTF_8),
                values[i & 63]),
            (m, e) -> {
              if (e != null) {
                failures.incrementAndGet();
              }
            });
      }
      producer.flush();
      double s = (System.nanoTime() - t0) / 1e9;
      if (failures.get() > 0) {
        throw new IOException(failures.get() + " sends failed");
      }
      return new Figure("", "", records / s, records, s, "acks=all, idempotent, lz4, linger 5 ms");
    }
  }

  private Figure consume(String topic) {
    Properties c = kafka.committedReader();
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long n = 0;
      long t0 = System.nanoTime();
      long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
      while (n < records + 1L && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
        n += batch.count();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      return new Figure("", "", n / s, n, s, "read_committed, from the beginning, one consumer");
    }
  }

  private Figure passThrough(String in, String out) throws Exception {
    try (Admin admin = Admin.create(kafka.admin())) {
      admin
          .createTopics(List.of(new NewTopic(out, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Topology topology = new Topology();
    topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
    topology.addSink("out", out, new ByteArraySerializer(), new ByteArraySerializer(), "in");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "fabric-load-baseline-" + id);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("baseline-" + id).toString());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    Properties c = kafka.committedReader();
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaStreams streams = new KafkaStreams(topology, p)) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(out).forEach(i -> parts.add(new TopicPartition(out, i.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      streams.start();
      long expected = records + 1L;
      long n = 0;
      long first = 0;
      long last = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (n < expected && System.nanoTime() < deadline) {
        int got = consumer.poll(Duration.ofMillis(100)).count();
        if (got > 0) {
          long now = System.nanoTime();
          if (first == 0) {
            first = now;
          }
          last = now;
          n += got;
        }
      }
      if (n < expected) {
        throw new IOException(
            "pass-through delivered " + n + " of " + expected + " records within 180 s");
      }
      double s = (last - first) / 1e9;
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
      return new Figure(
          "",
          "",
          n / s,
          n,
          s,
          "first to last output record seen read_committed; commit interval "
              + commitIntervalMs
              + " ms");
    }
  }

  private Figure redisGets() {
    RedisClient client = RedisClient.create(endpoints.redisUri());
    try (StatefulRedisConnection<byte[], byte[]> conn = client.connect(ByteArrayCodec.INSTANCE)) {
      RedisAsyncCommands<byte[], byte[]> async = conn.async();
      byte[] value = randomText(new SplittableRandom(3), recordBytes);
      int keys = Math.min(records, 100_000);
      conn.setAutoFlushCommands(false);
      List<RedisFuture<?>> batch = new ArrayList<>(1_000);
      for (int i = 0; i < keys; i++) {
        batch.add(async.set(key(i), value));
        if (batch.size() == 1_000 || i == keys - 1) {
          conn.flushCommands();
          LettuceFutures.awaitAll(Duration.ofSeconds(30), batch.toArray(new RedisFuture<?>[0]));
          batch.clear();
        }
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < records; i++) {
        batch.add(async.get(key(i % keys)));
        if (batch.size() == 1_000 || i == records - 1) {
          conn.flushCommands();
          if (!LettuceFutures.awaitAll(
              Duration.ofSeconds(30), batch.toArray(new RedisFuture<?>[0]))) {
            throw new IllegalStateException("GETs did not complete within 30 s");
          }
          batch.clear();
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      conn.setAutoFlushCommands(true);
      for (int i = 0; i < keys; i += 1_000) {
        byte[][] del = new byte[Math.min(1_000, keys - i)][];
        for (int j = 0; j < del.length; j++) {
          del[j] = key(i + j);
        }
        conn.sync().del(del);
      }
      return new Figure(
          "",
          "",
          records / s,
          records,
          s,
          "one connection, 1,000 commands per flush, " + recordBytes + " B values");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }
  }

  private byte[] key(int i) {
    return ("fabric-load-baseline-" + id + ":" + i).getBytes(StandardCharsets.UTF_8);
  }

  private Figure postgresCopy() throws SQLException, IOException {
    try (Connection c =
        DriverManager.getConnection(
            endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword())) {
      String table = "fabric_load_baseline_" + id;
      try (Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE IF NOT EXISTS "
                + table
                + " (decision_id text PRIMARY KEY, request_id text, "
                + "session_id text, tenant text, verdict text, decided_at timestamptz, event bytea)");
      }
      StringBuilder csv = new StringBuilder(records * 260);
      String payload = "\\x" + "ab".repeat(80);
      for (int i = 0; i < records; i++) {
        csv.append("dec-")
            .append(id)
            .append('-')
            .append(i)
            .append(",req-")
            .append(i)
            .append(",s")
            .append(i % 10_000)
            .append(",tenant-")
            .append(i % 8)
            .append(",ALLOW,2026-12-01 12:00:00+00,")
            .append(payload)
            .append('\n');
      }
      long t0 = System.nanoTime();
      long n =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY " + table + " FROM STDIN WITH (FORMAT csv)",
                  new StringReader(csv.toString()));
      double s = (System.nanoTime() - t0) / 1e9;
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE " + table);
      }
      return new Figure(
          "", "", n / s, n, s, "one COPY of ~230 B rows into a table with a primary key");
    }
  }

  private void deleteTopics(List<String> topics) {
    try (Admin admin = Admin.create(kafka.admin())) {
      admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // leftover baseline topics cost disk, not correctness
    }
    try {
      Path dir = stateDir.resolve("baseline-" + id);
      if (Files.exists(dir)) {
        try (var paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
      }
    } catch (IOException e) {
      // a temp directory left behind
    }
  }

  private static byte[] randomText(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    for (int i = 0; i < n; i++) {
      b[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return b;
  }
}
