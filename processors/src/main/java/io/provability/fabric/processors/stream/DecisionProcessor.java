package io.provability.fabric.processors.stream;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.SessionSpends;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each accepted request exactly once per request id.
 *
 * <p>A request id seen within the deduplication window is answered with the decision already
 * made (kept without the two ids its key gives back, see {@link DedupValues}; re-emitted unchanged, so a
 * client retrying a request-reply still gets its answer) and adds no evidence; a new one is decided and
 * passed on, and exactly one evidence record goes to the evidence child: the {@link LogEntry} of the
 * decision and the request's canonical bytes (inline form; the sequencer makes the log form).
 *
 * <p>An allowed retrieval's privacy spend is written to the {@value StoreNames#PRIVACY_BUDGETS}
 * store in the same task (so the same exactly-once transaction) as its decision and its
 * deduplication entry: a repeated request id spends nothing, and a restart restores the budgets
 * from the store's changelog. The store is read and written only through the task's
 * {@link SessionSpends} view (the hot tier's near cache when caching is on), which this processor
 * opens in {@code init()} and closes in {@code close()}.
 */
public final class DecisionProcessor implements Processor<String, SpecificRecord, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionProcessor.class);

  private final RequestDecider decider;
  private final Function<ProcessorContext<Object, Object>, PolicyView> policyViewFactory;
  private final Duration dedupWindow;
  private final String decisionsChild;
  private final String evidenceChild;
  private final String deadLetterChild;
  private final EventCodec codec;
  private ProcessorContext<Object, Object> context;
  private WindowStore<String, byte[]> decided;
  private SessionSpends spends;
  private PolicyView policy;

  /**
   * @param policyViewFactory builds the policy view once the context (and its global store) exists
   * @param dedupWindow how long a request id is remembered
   */
  public DecisionProcessor(RequestDecider decider,
                           Function<ProcessorContext<Object, Object>, PolicyView> policyViewFactory,
                           Duration dedupWindow, EventCodec codec,
                           String decisionsChild, String evidenceChild, String deadLetterChild) {
    this.decider = decider;
    this.policyViewFactory = policyViewFactory;
    this.dedupWindow = dedupWindow;
    this.codec = codec;
    this.decisionsChild = decisionsChild;
    this.evidenceChild = evidenceChild;
    this.deadLetterChild = deadLetterChild;
  }

  /** A policy view over the global policy-state store. */
  public static PolicyView globalPolicyView(ProcessorContext<Object, Object> context, EventCodec codec) {
    KeyValueStore<String, byte[]> store = context.getStateStore(StoreNames.POLICY_STATE);
    return new PolicyStateView(store, codec);
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.decided = context.getStateStore(StoreNames.DECIDED_REQUESTS);
    KeyValueStore<String, PrivacySpend> budgets = context.getStateStore(StoreNames.PRIVACY_BUDGETS);
    // a new view (and near cache) each time the task initialises: whatever rewound the store
    // (an aborted transaction, a restore) closed the task first, and with it the previous view
    this.spends = decider.sessionSpends().open(budgets::get, budgets::put, context::currentSystemTimeMs);
    this.policy = policyViewFactory.apply(context);
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
      context.forward(new Record<Object, Object>(record.key(), earlier, record.timestamp()), decisionsChild);
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
      DeadLetter letter = DeadLetters.of(context.recordMetadata().orElse(null), null,
          codec.encode(record.value()), DeadLetterReason.PROCESSING_ERROR, String.valueOf(e), "decide", now);
      context.forward(new Record<Object, Object>(record.key().getBytes(StandardCharsets.UTF_8), letter,
          record.timestamp()), deadLetterChild);
      return;
    }
    Decision decision = outcome.decision();
    if (outcome.sessionSpend() != null) {
      spends.record(decision.getSessionId(), outcome.sessionSpend());
    }
    decided.put(requestId, DedupValues.compact(decisionBytes), ts);
    context.forward(new Record<Object, Object>(record.key(), new EncodedDecision(decision, decisionBytes),
        record.timestamp()), decisionsChild);
    context.forward(new Record<Object, Object>(record.key(),
        LogEntry.inline(decisionBytes, requestBytes).encode(), record.timestamp()), evidenceChild);
  }

  private EncodedDecision findEarlier(String requestId, long ts) {
    long window = dedupWindow.toMillis();
    byte[] bytes;
    // the long-typed fetch: the Instant one formats an error-message prefix on every call (~5 % of the thread)
    try (WindowStoreIterator<byte[]> it = decided.fetch(requestId, Math.max(0L, ts - window), saturatedAdd(ts, window))) {
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
      throw new IllegalStateException("decided-requests store holds an undecodable decision for " + requestId, e);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static String requestIdOf(SpecificRecord request) {
    return RequestIntakeProcessor.RequestFields.of(request).requestId();
  }
}
