package io.provability.fabric.tools.internal.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.decide.RequestEnvelope;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.sinks.audit.LogAuditor;
import io.provability.fabric.sinks.audit.ProofUnavailableException;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.tools.internal.replay.PolicySnapshot;
import io.provability.fabric.tools.internal.replay.ReplayReport;
import io.provability.fabric.tools.internal.replay.ReplayedDecision;
import io.provability.fabric.tools.internal.replay.Replayer;
import io.provability.fabric.topology.config.KafkaClients;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code fabric replay}: the recorded decisions of a time range from the decision log, their
 * requests from the requests topic while Kafka still has them (read by manual assignment: no
 * consumer group, no committed offset, so the live application's offsets are untouched) and
 * otherwise from the evidence log entries (each proven included in its log's signed checkpoint
 * first), re-decided by {@link Replayer}; results go to a JSON-lines file, never to a topic or the
 * decision log. The report's time covers the whole run, reading included.
 */
public final class ReplayRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where requests are read from. */
  public enum Source {
    /** Kafka while it has them, then the evidence logs. */
    AUTO,
    /** Kafka only. */
    KAFKA,
    /** The evidence logs only. */
    LOG
  }

  /**
   * @param from range start (inclusive), on recorded {@code decided_at}
   * @param to range end (exclusive)
   * @param policy the policy state to replay under
   * @param source where requests come from
   * @param lookback how long before {@code from} the requests topic is read from (a request is
   *     produced before it is decided)
   * @param output the JSON-lines file to write, or null for none
   * @param timeout how long reading the requests topic may take
   */
  public record Options(
      Instant from,
      Instant to,
      PolicySnapshot policy,
      Source source,
      Duration lookback,
      Path output,
      Duration timeout) {}

  private final LogAuditor audit;
  private final RequestDecider decider;
  private final String bootstrap;
  private final String requestsTopic;
  private final EventCodec codec = EventCodec.standard();

  /**
   * @param audit the decision log and the evidence logs, read under the trusted log keys
   * @param decider the deciders, built as the live topology builds them
   * @param bootstrap Kafka bootstrap servers
   * @param requestsTopic the requests topic
   */
  public ReplayRunner(
      LogAuditor audit, RequestDecider decider, String bootstrap, String requestsTopic) {
    this.audit = audit;
    this.decider = decider;
    this.bootstrap = bootstrap;
    this.requestsTopic = requestsTopic;
  }

  /**
   * Runs a replay.
   *
   * @param o options
   * @return the report
   * @throws IOException when the output cannot be written
   */
  public ReplayReport run(Options o) throws IOException {
    long started = System.nanoTime();
    List<Decision> recorded = recordedDecisions(o);
    List<Decision> warmUp = warmUpDecisions(o, recorded);
    Map<String, Replayer.Found> requests = requests(o, recorded, warmUp);
    ReplayReport report = replay(o, recorded, warmUp, requests);
    return withOutputAndTime(report, o, started);
  }

  /** The decisions of the range, from the decision log. */
  private List<Decision> recordedDecisions(Options o) throws IOException {
    List<Decision> recorded = new ArrayList<>();
    for (LoggedDecision row : audit.decisionsInRange(o.from(), o.to())) {
      try {
        recorded.add(codec.decode(row.event(), Decision.class));
      } catch (EventDecodeException e) {
        throw new IOException(
            "decision_log row "
                + row.decisionId()
                + " holds an undecodable event ("
                + e.getMessage()
                + "); run 'fabric audit verify' on the range first",
            e);
      }
    }
    return recorded;
  }

  /**
   * Earlier retrievals of the range's sessions: they rebuild their privacy spend before the range
   * is replayed.
   */
  private List<Decision> warmUpDecisions(Options o, List<Decision> recorded) {
    List<Decision> warmUp = new ArrayList<>();
    Set<String> retrievalSessions = new TreeSet<>();
    recorded.stream()
        .filter(d -> d.getKind() == RequestKind.RETRIEVAL)
        .forEach(d -> retrievalSessions.add(d.getSessionId()));
    for (String session : retrievalSessions) {
      for (LoggedDecision row : audit.decisionsOfSession(session)) {
        if (row.kind().equals("RETRIEVAL") && row.decidedAt().isBefore(o.from())) {
          try {
            warmUp.add(codec.decode(row.event(), Decision.class));
          } catch (EventDecodeException e) {
            LOG.warn(
                "decision_log row {} holds an undecodable event; not used to rebuild session {}",
                row.decisionId(),
                session);
          }
        }
      }
    }
    return warmUp;
  }

  /** The requests of the decisions: from Kafka while it has them, then from the evidence logs. */
  private Map<String, Replayer.Found> requests(
      Options o, List<Decision> recorded, List<Decision> warmUp) {
    Map<String, Replayer.Found> requests = new HashMap<>();
    Set<String> wanted = new HashSet<>();
    recorded.forEach(d -> wanted.add(d.getRequestId()));
    warmUp.forEach(d -> wanted.add(d.getRequestId()));
    List<Decision> all = new ArrayList<>(recorded);
    all.addAll(warmUp);
    if (o.source() != Source.LOG && !wanted.isEmpty()) {
      fromKafka(o, wanted, all, requests);
    }
    if (o.source() != Source.KAFKA) {
      List<Decision> missing = new ArrayList<>();
      for (Decision d : all) {
        if (!requests.containsKey(d.getRequestId())) {
          missing.add(d);
        }
      }
      fromLog(missing, requests);
    }
    return requests;
  }

  /** Re-decides the range, writing each result to the output file when there is one. */
  private ReplayReport replay(
      Options o,
      List<Decision> recorded,
      List<Decision> warmUp,
      Map<String, Replayer.Found> requests)
      throws IOException {
    Replayer replayer = new Replayer(decider);
    ReplayReport report;
    if (o.output() == null) {
      report =
          replayer.replay(
              o.from(),
              o.to(),
              warmUp,
              recorded,
              requests::get,
              o.policy().view(),
              o.policy().description(),
              r -> {});
    } else {
      if (o.output().toAbsolutePath().getParent() != null) {
        Files.createDirectories(o.output().toAbsolutePath().getParent());
      }
      try (BufferedWriter w = Files.newBufferedWriter(o.output(), StandardCharsets.UTF_8)) {
        report =
            replayer.replay(
                o.from(),
                o.to(),
                warmUp,
                recorded,
                requests::get,
                o.policy().view(),
                o.policy().description(),
                r -> write(w, r));
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
    return report;
  }

  private static ReplayReport withOutputAndTime(ReplayReport report, Options o, long started) {
    return new ReplayReport(
        report.from(),
        report.to(),
        report.policy(),
        report.recorded(),
        report.replayed(),
        report.same(),
        report.different(),
        report.unavailable(),
        report.fromKafka(),
        report.fromBundles(),
        report.warmedUp(),
        report.warmUpMissing(),
        report.byReason(),
        report.examples(),
        o.output() == null ? null : o.output().toString(),
        Duration.ofNanos(System.nanoTime() - started));
  }

  /**
   * Reads the requests topic from {@code from - lookback} to its end as of now, keeping the
   * requests wanted; the first record of a request id whose canonical hash matches its recorded
   * decision wins.
   */
  private void fromKafka(
      Options o, Set<String> wanted, List<Decision> recorded, Map<String, Replayer.Found> out) {
    Map<String, byte[]> hashes = new HashMap<>();
    recorded.forEach(d -> hashes.put(d.getRequestId(), Bytes.toArray(d.getRequestHash())));
    // manual assignment, no group id: nothing is committed and no live group is joined
    Properties p = KafkaClients.forBootstrap(bootstrap).uncommittedReader("replay");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(requestsTopic, o.timeout())) {
        parts.add(new TopicPartition(requestsTopic, info.partition()));
      }
      long startMs = o.from().minus(o.lookback()).toEpochMilli();
      Map<TopicPartition, Long> query = new HashMap<>();
      parts.forEach(tp -> query.put(tp, Math.max(0L, startMs)));
      Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, o.timeout());
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, o.timeout());
      List<TopicPartition> reading = new ArrayList<>();
      for (TopicPartition tp : parts) {
        OffsetAndTimestamp s = starts.get(tp);
        if (s != null && s.offset() < end.get(tp)) {
          reading.add(tp);
        }
      }
      consumer.assign(reading);
      for (TopicPartition tp : reading) {
        consumer.seek(tp, starts.get(tp).offset());
      }
      long deadline = System.nanoTime() + o.timeout().toNanos();
      int found = 0;
      while (!reading.isEmpty() && found < wanted.size()) {
        if (System.nanoTime() > deadline) {
          LOG.warn(
              "reading {} stopped after {}: the rest comes from the evidence logs",
              requestsTopic,
              o.timeout());
          break;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          SpecificRecord request;
          try {
            request = codec.decode(r.value());
          } catch (EventDecodeException e) {
            continue; // dead-lettered when it was live: it has no decision to replay
          }
          String id = requestIdOf(request);
          if (id != null
              && wanted.contains(id)
              && !out.containsKey(id)
              && Arrays.equals(CanonicalEncoding.sha256(request), hashes.get(id))) {
            out.put(id, new Replayer.Found(request, "kafka"));
            found++;
          }
        }
        reading.removeIf(tp -> consumer.position(tp) >= end.get(tp));
        consumer.pause(consumer.assignment().stream().filter(tp -> !reading.contains(tp)).toList());
      }
    }
  }

  /**
   * The requests in the log entries of the given decisions; entries that do not verify are skipped.
   */
  private void fromLog(List<Decision> decisions, Map<String, Replayer.Found> out) {
    for (Decision d : decisions) {
      try {
        LogEntry entry = audit.verifiedEntry(d.getDecisionId());
        // the entry's request is the one the decision's request hash names (the audit checks that)
        out.putIfAbsent(
            d.getRequestId(), new Replayer.Found(codec.decode(entry.requestBytes()), "log"));
      } catch (ProofUnavailableException | EventDecodeException e) {
        LOG.warn(
            "the request of decision {} cannot be read from the evidence log: {}",
            d.getDecisionId(),
            e.getMessage());
      }
    }
  }

  private static void write(BufferedWriter w, ReplayedDecision r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("decision_id", r.recorded().getDecisionId());
    n.put("request_id", r.recorded().getRequestId());
    n.put("session_id", r.recorded().getSessionId());
    n.put("source", r.source());
    n.put("recorded_verdict", r.recorded().getVerdict().name());
    n.put("replayed_verdict", r.replayed() == null ? null : r.replayed().getVerdict().name());
    n.put("same", r.same());
    ArrayNode diffs = n.putArray("differences");
    r.differences().forEach(diffs::add);
    n.put(
        "replayed",
        r.replayed() == null
            ? null
            : Base64.getEncoder().encodeToString(CanonicalEncoding.encode(r.replayed())));
    try {
      w.write(JSON.writeValueAsString(n));
      w.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request id of a request event, or null for any other event. */
  private static String requestIdOf(SpecificRecord r) {
    RequestEnvelope e = RequestEnvelope.of(r);
    return e == null ? null : e.requestId();
  }
}
