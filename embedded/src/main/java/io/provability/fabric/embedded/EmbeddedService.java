package io.provability.fabric.embedded;

import java.util.stream.Stream;

/** One server of the embedded stack, running from its {@code start} until {@link #close()}. */
interface EmbeddedService extends AutoCloseable {

  /** A name for log lines and error messages, e.g. "Kafka broker". */
  String name();

  /**
   * The operating-system processes that serve it, when it runs outside the JVM (for memory
   * figures).
   */
  default Stream<ProcessHandle> processes() {
    return Stream.empty();
  }

  /** Stops the server and waits until its port is closed; called once. */
  @Override
  void close();
}
