package io.provability.fabric.processors.stream;

/**
 * Told of every record applied to the global policy-state store, after it is applied (so a reader
 * that sees the notification also sees the new state). Runs on the global stream thread: must be
 * quick and must not throw.
 */
@FunctionalInterface
public interface PolicyChangeListener {
  /** Listens to nothing. */
  PolicyChangeListener NONE = key -> {};

  /**
   * @param key the policy-state key that changed (see {@link PolicyStateKeys})
   */
  void changed(String key);
}
