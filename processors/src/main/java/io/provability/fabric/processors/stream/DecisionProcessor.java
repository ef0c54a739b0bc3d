package io.provability.fabric.processors.stream;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.decide.RequestEnvelope;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.SessionKey;
import io.provability.fabric.processors.retrieval.SessionSpends;
import io.provability.fabric.processors.retrieval.StoredSpend;
import io.provability.fabric.processors.stream.internal.DeadLetters;
import io.provability.fabric.processors.stream.internal.DedupValues;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each accepted request exactly once per request id.
 *
 * <p>A request id seen within the deduplication window is answered with the decision already made
 * (kept without the two ids its key gives back, see {@link DedupValues}; re-emitted unchanged, so a
 * client retrying a request-reply still gets its answer) and adds no evidence; a new one is decided
 * and passed on, and exactly one evidence record goes to the evidence child: the {@link LogEntry}
 * of the decision and the request's canonical bytes (inline form; the sequencer makes the log
 * form).
 *
 * <p>An allowed retrieval's privacy spend is written to the {@value StoreNames#PRIVACY_BUDGETS}
 * store, keyed by tenant and session ({@link SessionKey}), in the same task (so the same
 * exactly-once transaction) as its decision and its deduplication entry: a repeated request id
 * spends nothing, and a restart restores the budgets from the store's changelog. The store is read
 * and written only through the task's {@link SessionSpends} view (the hot tier's near cache when
 * caching is on), which this processor opens in {@code init()} and closes in {@code close()}.
 *
 * <p>Budget expiry: every {@link #SWEEP_INTERVAL} of the task's wall clock, a punctuator looks at
 * up to {@link #SWEEP_BATCH} entries (resuming where the last sweep stopped, so a large store is
 * covered over several sweeps without stalling the stream thread) and forgets those whose last
 * spend is older than the session idle expiry, so the store stops growing with every session ever
 * seen.
 *
 * <p>Its three children take different records (decisions, evidence bytes, dead letters keyed by
 * bytes), so its output type is their common one and each is reached through its typed {@link
 * Output}.
 */
public final class DecisionProcessor implements Processor<String, SpecificRecord, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionProcessor.class);

  private final RequestDecider decider;
  private final Function<ProcessorContext<?, ?>, PolicyView> policyViewFactory;
  private final Duration dedupWindow;
  private final Outputs outputs;
  private final EventCodec codec;
  private final Duration sessionIdleExpiry;
  private ProcessorContext<Object, Object> context;
  private WindowStore<String, byte[]> decided;
  private KeyValueStore<String, StoredSpend> budgets;
  private SessionSpends spends;
  private String sweepFrom;
  private PolicyView policy;

  /** How often the budget expiry sweep runs (task wall clock). */
  public static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

  /** How many budget entries one sweep looks at, at most. */
  static final int SWEEP_BATCH = 10_000;

  /**
   * Where the processor's records go.
   *
   * @param decisions each decision (new or repeated), keyed by session id
   * @param evidence each new decision's log entry (inline form), keyed by session id
   * @param deadLetters each request whose decision failed, keyed by the session id's bytes
   */
  public record Outputs(
      Output<String, EncodedDecision> decisions,
      Output<String, byte[]> evidence,
      Output<byte[], DeadLetter> deadLetters) {}

  /**
   * @param policyViewFactory builds the policy view once the context (and its global store) exists
   * @param dedupWindow how long a request id is remembered
   * @param sessionIdleExpiry how long after its last spend a session's privacy spend is kept
   */
  public DecisionProcessor(
      RequestDecider decider,
      Function<ProcessorContext<?, ?>, PolicyView> policyViewFactory,
      Duration dedupWindow,
      Duration sessionIdleExpiry,
      EventCodec codec,
      Outputs outputs) {
    this.decider = decider;
    this.sessionIdleExpiry = sessionIdleExpiry;
    this.policyViewFactory = policyViewFactory;
    this.dedupWindow = dedupWindow;
    this.codec = codec;
    this.outputs = outputs;
  }

  /** A policy view over the global policy-state store. */
  public static PolicyView globalPolicyView(ProcessorContext<?, ?> context, EventCodec codec) {
    KeyValueStore<String, byte[]> store = context.getStateStore(StoreNames.POLICY_STATE);
    return new PolicyStateView(store, codec);
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.decided = context.getStateStore(StoreNames.DECIDED_REQUESTS);
    this.budgets = context.getStateStore(StoreNames.PRIVACY_BUDGETS);
    // a new view (and near cache) each time the task initialises: whatever rewound the store
    // (an aborted transaction, a restore) closed the task first, and with it the previous view
    this.spends =
        decider
            .sessionSpends()
            .open(this::storedSpend, this::storeSpend, context::currentSystemTimeMs);
    this.policy = policyViewFactory.apply(context);
    context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sweepIdleBudgets);
  }

  private PrivacySpend storedSpend(String key) {
    StoredSpend s = budgets.get(key);
    return s == null ? null : s.spend();
  }

  private void storeSpend(String key, PrivacySpend spend) {
    budgets.put(key, spend == null ? null : new StoredSpend(spend, context.currentSystemTimeMs()));
  }

  /**
   * Forgets the spends of sessions idle past the expiry; looks at {@link #SWEEP_BATCH} entries at
   * most.
   */
  void sweepIdleBudgets(long nowMillis) {
    long cutoff = nowMillis - sessionIdleExpiry.toMillis();
    List<String> expired = new ArrayList<>();
    int seen = 0;
    String last = null;
    try (KeyValueIterator<String, StoredSpend> it = budgets.range(sweepFrom, null)) {
      while (it.hasNext() && seen < SWEEP_BATCH) {
        KeyValue<String, StoredSpend> e = it.next();
        seen++;
        last = e.key;
        if (e.value != null && e.value.lastSpentMillis() < cutoff) {
          expired.add(e.key);
        }
      }
      // next sweep starts after the last key seen; at the end of the store, from the start again
      sweepFrom = it.hasNext() ? last + '\u0000' : null;
    }
    for (String key : expired) {
      spends.forget(key);
    }
    if (!expired.isEmpty()) {
      LOG.debug("forgot the privacy spend of {} idle sessions", expired.size());
    }
  }

  @Override
  public void close() {
    if (spends != null) {
      spends.close();
      spends = null;
    }
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    String requestId = requestIdOf(record.value());
    long ts = record.timestamp();
    EncodedDecision earlier = findEarlier(requestId, ts);
    if (earlier != null) {
      // the request's headers (a W3C traceparent among them) go on with its decision
      outputs
          .decisions()
          .forward(
              context, new Record<>(record.key(), earlier, record.timestamp(), record.headers()));
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    byte[] requestBytes;
    RequestDecider.Decided outcome;
    byte[] decisionBytes;
    try {
      // encoded once: the request hash is computed over these bytes and they go into the log entry
      requestBytes = CanonicalEncoding.encode(record.value());
      outcome = decider.decide(record.value(), requestBytes, policy, spends::spent, now);
      decisionBytes = codec.encode(outcome.decision());
    } catch (RuntimeException e) {
      // a bug or an input the validators missed: dead-letter it instead of stopping the stream
      LOG.error("deciding request {} failed; dead-lettered", requestId, e);
      DeadLetter letter =
          DeadLetters.of(
              context.recordMetadata().orElse(null),
              null,
              codec.encode(record.value()),
              DeadLetterReason.PROCESSING_ERROR,
              String.valueOf(e),
              "decide",
              now);
      outputs
          .deadLetters()
          .forward(
              context,
              new Record<>(
                  record.key().getBytes(StandardCharsets.UTF_8), letter, record.timestamp()));
      return;
    }
    Decision decision = outcome.decision();
    if (outcome.sessionSpend() != null) {
      spends.record(outcome.sessionKey(), outcome.sessionSpend());
    }
    decided.put(requestId, DedupValues.compact(decisionBytes), ts);
    outputs
        .decisions()
        .forward(
            context,
            new Record<>(
                record.key(),
                new EncodedDecision(decision, decisionBytes),
                record.timestamp(),
                record.headers()));
    outputs
        .evidence()
        .forward(
            context,
            new Record<>(
                record.key(),
                LogEntry.inline(decisionBytes, requestBytes).encode(),
                record.timestamp()));
  }

  private EncodedDecision findEarlier(String requestId, long ts) {
    long window = dedupWindow.toMillis();
    byte[] bytes;
    // the long-typed fetch: the Instant one formats an error-message prefix on every call (~5 % of
    // the thread)
    try (WindowStoreIterator<byte[]> it =
        decided.fetch(requestId, Math.max(0L, ts - window), saturatedAdd(ts, window))) {
      bytes = it.hasNext() ? it.next().value : null;
    }
    if (bytes == null) {
      return null;
    }
    try {
      bytes = DedupValues.restore(requestId, bytes);
      return new EncodedDecision(codec.decode(bytes, Decision.class), bytes);
    } catch (EventDecodeException | IllegalArgumentException e) {
      // the store only ever holds what this processor wrote; failing here means corrupted state
      throw new IllegalStateException(
          "decided-requests store holds an undecodable decision for " + requestId, e);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static String requestIdOf(SpecificRecord request) {
    return RequestEnvelope.of(request).requestId();
  }
}
