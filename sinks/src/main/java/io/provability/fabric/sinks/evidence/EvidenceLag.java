package io.provability.fabric.sinks.evidence;

import java.util.function.DoubleConsumer;

/**
 * Where sequencers report evidence lag: the seconds from a decision's {@code decided_at} to the
 * signed checkpoint that first includes it.
 *
 * <p>Kafka Connect creates sink tasks by reflection, so a task cannot be handed a metrics registry;
 * this is the one process-wide hook. The application sets it once, before the sink connectors start
 * ({@code FabricRuntime}); without a listener observations are dropped.
 */
public final class EvidenceLag {
  private static volatile DoubleConsumer listener = seconds -> {};

  private EvidenceLag() {}

  /** Sets where observations go (the last call wins). */
  public static void listen(DoubleConsumer seconds) {
    listener = seconds == null ? s -> {} : seconds;
  }

  /** Reports one decision's lag, in seconds. */
  public static void observe(double seconds) {
    listener.accept(seconds);
  }
}
