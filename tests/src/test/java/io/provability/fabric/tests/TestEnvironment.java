package io.provability.fabric.tests;

import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.tools.cli.EmbeddedMode;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the end-to-end tests find their servers: the JVM-wide embedded stack by default, or the
 * external services named by {@code -Dfabric.config=FILE} when {@code -Dfabric.mode=external}. The
 * tests themselves are the same in both modes.
 */
final class TestEnvironment {
  private TestEnvironment() {}

  static boolean external() {
    return "external".equalsIgnoreCase(System.getProperty("fabric.mode", "embedded"));
  }

  static StackEndpoints endpoints() {
    if (!external()) {
      return EmbeddedMode.endpoints(EmbeddedStack.shared());
    }
    String file = System.getProperty("fabric.config");
    if (file == null || file.isBlank()) {
      throw new IllegalStateException(
          "external mode needs -Dfabric.config=<properties file> (infra/up.sh writes one)");
    }
    return FabricRuntime.externalEndpoints(FabricConfig.load(Path.of(file), Map.of(), Map.of()));
  }
}
