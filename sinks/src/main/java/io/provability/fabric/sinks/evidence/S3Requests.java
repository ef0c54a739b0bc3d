package io.provability.fabric.sinks.evidence;

import java.util.concurrent.atomic.LongAdder;

/**
 * The object requests every {@link EvidenceStore} of this JVM has sent, by kind, for the instance's
 * {@code fabric_s3_requests_total{operation}} counter: the sequencers run inside Kafka Connect,
 * which builds its tasks by reflection, so their stores cannot be handed a meter registry.
 */
public final class S3Requests {
  /** The kinds counted. */
  public enum Kind {
    PUT,
    GET,
    LIST
  }

  private static final LongAdder[] COUNTS = {new LongAdder(), new LongAdder(), new LongAdder()};

  private S3Requests() {}

  static void record(Kind kind) {
    COUNTS[kind.ordinal()].increment();
  }

  /** Requests of {@code kind} sent so far by every store of this JVM. */
  public static long count(Kind kind) {
    return COUNTS[kind.ordinal()].sum();
  }
}
