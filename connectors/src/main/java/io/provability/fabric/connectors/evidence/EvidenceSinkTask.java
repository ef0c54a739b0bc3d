package io.provability.fabric.connectors.evidence;

import io.provability.fabric.connectors.FabricSinkTask;
import io.provability.fabric.connectors.internal.BadRecords;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.evidence.EvidenceLag;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreException;
import io.provability.fabric.sinks.evidence.LogSequencer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sequencer of the evidence logs of the partitions this task owns: one {@link LogSequencer} per
 * assigned partition, created in {@link #open} (which rewinds the partition to the offset its last
 * recorded checkpoint reached, so Kafka's committed offset never decides what is in the log) and
 * closed, after a last publish, in {@link #close}.
 *
 * <p>{@link #put} only hands records to their sequencer; a timer publishes each log (up to its last
 * full tile, see {@link LogSequencer#publishDue()}) every {@code checkpoint.interval.ms} (so an
 * idle partition's last entries do not wait for the next poll), and {@link #preCommit} gives
 * Connect, per partition, the offset after the last recorded checkpoint. A failed publish is
 * retried by the timer with the same bytes; if it keeps failing and entries pile up, {@code put}
 * publishes itself and turns a transient failure into a {@link RetriableException} (Connect
 * redelivers; records already read are skipped by offset).
 *
 * <p>Values that are not log entries go to {@link BadRecords}.
 */
public class EvidenceSinkTask extends FabricSinkTask<EvidenceSinkConfig> {

  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSinkTask.class);

  /**
   * Entries a log may hold unpublished before put() stops taking more (while S3 or PostgreSQL
   * fail).
   */
  static final int MAX_PENDING = 50_000;

  private final Map<TopicPartition, LogSequencer> logs = new HashMap<>();
  private EvidenceSinkConfig config;
  private EvidenceLogs names;
  private EvidenceStore store;
  private DecisionLog index;
  private NoteSigner signer;
  private ExecutorService writers;
  private ScheduledExecutorService timer;
  private Duration interval;
  private String failing;

  /** Used by Connect. */
  public EvidenceSinkTask() {
    super(Clock.systemUTC(), "evidence-sink", EvidenceSinkConfig::new);
  }

  @Override
  protected void start(EvidenceSinkConfig config, String name) {
    this.config = config;
    names = config.logs();
    interval = config.checkpointInterval();
    try {
      signer = NoteSigner.fromSeed(names.originPrefix(), readSeed(config.signingKeyFile()));
    } catch (IOException | IllegalArgumentException e) {
      throw new ConnectException(
          EvidenceSinkConfig.LOG_SIGNING_KEY_FILE_CONFIG + ": " + e.getMessage(), e);
    }
    try {
      store = EvidenceStore.open(config.evidenceStore());
      index = DecisionLog.open(config.evidenceIndex(), clock());
    } catch (EvidenceStoreException | DecisionLogException e) {
      stop();
      throw new ConnectException("evidence sequencer cannot start: " + e.getMessage(), e);
    }
    AtomicInteger threads = new AtomicInteger();
    writers =
        Executors.newFixedThreadPool(
            config.putConcurrency(),
            r -> {
              Thread t = new Thread(r, name + "-s3-put-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name + "-checkpoints");
              t.setDaemon(true);
              return t;
            });
    long tick = Math.max(10, interval.toMillis() / 4);
    timer.scheduleWithFixedDelay(this::publishDue, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Reads the key file format of the application's signing keys: {@code key-id=base64(seed)}. */
  static byte[] readSeed(Path file) throws IOException {
    String line = Files.readString(file, StandardCharsets.UTF_8).strip();
    int eq = line.indexOf('=');
    if (eq <= 0) {
      throw new IOException(file + ": expected key-id=base64-seed");
    }
    byte[] seed = Base64.getDecoder().decode(line.substring(eq + 1).strip());
    if (seed.length != 32) {
      throw new IOException(file + ": the seed has " + seed.length + " bytes, Ed25519 needs 32");
    }
    return seed;
  }

  @Override
  public synchronized void open(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      try {
        LogSequencer log =
            LogSequencer.open(
                names,
                tp.topic(),
                tp.partition(),
                store,
                index.evidenceLog(),
                signer,
                clock(),
                writers,
                EvidenceLag::observe);
        logs.put(tp, log);
        context.offset(tp, log.nextOffset());
      } catch (EvidenceStoreException | DecisionLogException e) {
        throw new ConnectException(
            "opening the evidence log of " + tp + " failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public synchronized void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
      LogSequencer log = logs.get(tp);
      if (log == null) {
        throw new ConnectException("record of " + tp + " arrived before the partition was opened");
      }
      consume(
          record,
          bytes -> add(log, record.kafkaOffset(), bytes),
          () -> log.skip(record.kafkaOffset()));
    }
    for (Map.Entry<TopicPartition, LogSequencer> e : logs.entrySet()) {
      LogSequencer log = e.getValue();
      if (log.nextOffset() - log.committedOffset() > MAX_PENDING) {
        try {
          log.publish();
        } catch (EvidenceStoreException | DecisionLogException f) {
          String failed = "evidence log " + log.origin() + " cannot publish";
          throw writeFailed(
              f,
              failed,
              backoff ->
                  failed
                      + " and holds "
                      + MAX_PENDING
                      + " unpublished entries; retrying in "
                      + backoff
                      + " ms");
        }
      }
    }
  }

  private static void add(LogSequencer log, long offset, byte[] bytes) {
    try {
      log.add(offset, bytes);
    } catch (IllegalArgumentException e) {
      throw new DataException("not an evidence log entry: " + e.getMessage(), e);
    }
  }

  private synchronized void publishDue() {
    for (LogSequencer log : logs.values()) {
      if (!log.due(interval)) {
        continue;
      }
      try {
        log.publishDue();
        if (failing != null) {
          LOG.info("evidence log {} publishes again (size {})", log.origin(), log.size());
          failing = null;
        }
      } catch (RuntimeException e) {
        // the batch stays staged; the next tick writes the same bytes again
        if (failing == null) {
          LOG.warn(
              "evidence log {}: publishing a checkpoint failed; retrying every {} ms with the same "
                  + "bytes: {}",
              log.origin(),
              Math.max(10, interval.toMillis() / 4),
              e.toString());
        }
        failing = log.origin();
      }
    }
  }

  @Override
  public synchronized Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> safe = new HashMap<>();
    for (Map.Entry<TopicPartition, LogSequencer> e : logs.entrySet()) {
      if (currentOffsets.containsKey(e.getKey())) {
        safe.put(e.getKey(), new OffsetAndMetadata(e.getValue().committedOffset()));
      }
    }
    return safe;
  }

  @Override
  public synchronized void close(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      LogSequencer log = logs.remove(tp);
      if (log == null) {
        continue;
      }
      try {
        log.publish();
      } catch (RuntimeException e) {
        // the next owner resumes from the last recorded checkpoint and re-reads the rest
        LOG.warn(
            "evidence log {}: the last publish before giving up {} failed ({}); the next owner "
                + "resumes from size {}",
            log.origin(),
            tp,
            e.toString(),
            log.size());
      }
    }
  }

  @Override
  public void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    synchronized (this) {
      close(new ArrayList<>(logs.keySet()));
    }
    if (writers != null) {
      writers.shutdownNow();
      try {
        writers.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      writers = null;
    }
    if (store != null) {
      LOG.info("evidence sequencer stopped: S3 requests {}", store.requests());
      store.close();
      store = null;
    }
    if (index != null) {
      index.close();
      index = null;
    }
  }

  /**
   * @return the sequencers of the partitions this task owns (tests)
   */
  synchronized List<LogSequencer> sequencers() {
    return List.copyOf(logs.values());
  }
}
