package io.provability.fabric.sinks.witness;

import java.util.Optional;

/** Where a witness reads logs and publishes cosigned checkpoints: object keys to bytes. */
public interface LogStorage {

  /**
   * Reads an object.
   *
   * @param key the full object key
   * @return its bytes, or empty if there is no such object
   */
  Optional<byte[]> get(String key);

  /**
   * Writes (or overwrites) an object.
   *
   * @param key the full object key
   * @param bytes the content
   */
  void put(String key, byte[] bytes);
}
