package io.provability.fabric.tools.cli;

import io.provability.fabric.topology.config.FabricConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that read the application configuration. */
final class ConfigOptions {
  @Option(
      names = {"-c", "--config"},
      description =
          "Properties file (keys: see README). Environment variables "
              + "FABRIC_<KEY> override it; --set overrides both.")
  Path file;

  @Option(names = "--set", description = "key=value override, repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  FabricConfig load(Map<String, String> defaults) {
    Map<String, String> merged = new LinkedHashMap<>(defaults);
    merged.putAll(overrides);
    return FabricConfig.load(file, System.getenv(), merged);
  }
}
