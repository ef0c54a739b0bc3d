package io.provability.fabric.tools.cli;

import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.embedded.ServerAddresses;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.DevelopmentSetup;
import java.nio.file.Path;

/**
 * The one place where the commands meet the development kit ({@link EmbeddedStack}). The commands
 * hold a {@link Running} stack, never an {@code EmbeddedStack}: the production distribution holds
 * no embedded stack, and picocli reads every command class's fields and methods, so a command that
 * named the type would fail to load there. This class is loaded only on the embedded path.
 */
public final class EmbeddedMode {
  private EmbeddedMode() {}

  /** A started stack as the commands see it: where its servers listen, and how to stop them. */
  public interface Running extends AutoCloseable {
    /** Where the stack's servers listen, as the application reads it from configuration. */
    StackEndpoints endpoints();

    /** Stops the servers; see {@link EmbeddedStack#close()}. */
    @Override
    void close();
  }

  /**
   * Starts the four servers under {@code workDir}; see {@link EmbeddedStack#start(Path)}.
   *
   * @throws UsageError in the production distribution, which holds no embedded servers
   */
  public static Running start(Path workDir) {
    requireAvailable();
    EmbeddedStack stack = EmbeddedStack.start(workDir);
    StackEndpoints endpoints = endpoints(stack);
    return new Running() {
      @Override
      public StackEndpoints endpoints() {
        return endpoints;
      }

      @Override
      public void close() {
        stack.close();
      }
    };
  }

  /**
   * Fails with one line, no stack trace, in the production distribution, which holds no embedded
   * servers.
   */
  public static void requireAvailable() {
    if (!DevelopmentSetup.embeddedServersAvailable()) {
      throw new UsageError(
          "this distribution runs external mode only (no embedded servers): give --config with "
              + "fabric.mode=external and the servers' addresses (docs/configuration.md); "
              + "development mode is ./fabric");
    }
  }

  /** Where the stack's servers listen, as the application reads it from configuration. */
  public static StackEndpoints endpoints(EmbeddedStack stack) {
    ServerAddresses a = stack.endpoints();
    return new StackEndpoints(
        a.bootstrapServers(),
        a.jdbcUrl(),
        a.jdbcUser(),
        a.jdbcPassword(),
        a.redisUri(),
        a.s3Endpoint(),
        a.s3Region(),
        a.s3AccessKey(),
        a.s3SecretKey());
  }
}
