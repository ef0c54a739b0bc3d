package io.provability.fabric.load;

import io.provability.fabric.events.RequestKind;
import io.provability.fabric.topology.traffic.LoadProfile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one constant-rate run measured. Latencies are in microseconds, from each request's intended
 * send time to the arrival of its (first) decision.
 *
 * @param name the scenario or step name
 * @param prefix the run's request-id prefix
 * @param sent requests handed to the transport
 * @param decided requests that got a decision (counted once each)
 * @param duplicates decisions beyond the first for a request
 * @param mismatches decisions whose verdict or reason code differs from what the generator expected
 * @param mismatchSamples a few of them, described
 * @param sendErrors requests the transport failed to send
 * @param firstSendError the first send failure, or null
 * @param lost requests neither decided nor failed when the run gave up waiting
 * @param latency every decided request's latency
 * @param latencyByKind the same per request kind
 * @param timeline one sample per second
 * @param sendSeconds how long sending took
 * @param maxSenderLagMicros the most the sender ever ran behind its schedule (its own limit)
 * @param sessionsTouched distinct sessions that received requests
 * @param untilDecided the first part of each latency: from the intended send time to the decision's
 *     {@code decided_at} (producer, broker, the instance's poll loop, the decider); empty when the
 *     transport does not see {@code decided_at}
 * @param afterDecided the rest: from {@code decided_at} to the decision's arrival (the exactly-once
 *     commit, the {@code read_committed} fetch or the HTTP reply)
 */
public record LoadResult(
    String name,
    String prefix,
    String transport,
    LoadProfile profile,
    Instant startedAt,
    long sent,
    long decided,
    long duplicates,
    long mismatches,
    List<String> mismatchSamples,
    long sendErrors,
    String firstSendError,
    long lost,
    Histogram latency,
    Map<RequestKind, Histogram> latencyByKind,
    List<Sample> timeline,
    double sendSeconds,
    long maxSenderLagMicros,
    int sessionsTouched,
    Histogram untilDecided,
    Histogram afterDecided) {
  /**
   * One second of the run.
   *
   * @param second seconds since the first send
   * @param sent requests sent in this second
   * @param decided decisions (first per request) that arrived in this second
   * @param inFlight requests sent but neither decided nor failed, at the end of the second
   * @param errors send failures and mismatches so far
   * @param p50Micros median latency of the decisions that arrived in this second (0 if none)
   * @param p99Micros 99th percentile of the same
   * @param maxMicros maximum of the same
   */
  public record Sample(
      int second,
      long sent,
      long decided,
      long inFlight,
      long errors,
      long p50Micros,
      long p99Micros,
      long maxMicros) {}

  /** Send failures, mismatches and lost requests. */
  public long errors() {
    return sendErrors + mismatches + lost;
  }

  /** Errors as a share of requests sent. */
  public double errorRate() {
    return sent == 0 ? 0 : (double) errors() / sent;
  }

  /** Requests per second actually sent. */
  public double sentRate() {
    return sendSeconds <= 0 ? 0 : sent / sendSeconds;
  }

  /** Latency at a percentile, in milliseconds. */
  public double percentileMillis(double percentile) {
    return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
  }
}
