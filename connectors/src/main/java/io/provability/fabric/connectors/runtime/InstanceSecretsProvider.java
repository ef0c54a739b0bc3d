package io.provability.fabric.connectors.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.provider.ConfigProvider;

/**
 * A config provider whose values are this worker's own, given to it in the worker's properties
 * ({@code config.providers.fabric.param.<key>=<value>}) and never written anywhere. A connector
 * config holds {@code ${fabric:jdbc.password}}: the same text on every instance of a cluster,
 * resolved by each worker to the secret it was started with. The Connect config topic never holds
 * the value, and two instances with their secrets in different places do not disagree about the
 * stored configuration.
 */
public final class InstanceSecretsProvider implements ConfigProvider {

  /** The provider's name in references: {@code ${fabric:KEY}}. */
  public static final String NAME = "fabric";

  private Map<String, String> values = Map.of();

  /**
   * @return the reference to {@code key}'s value, as stored in a connector config
   */
  public static String reference(String key) {
    return "${" + NAME + ":" + key + "}";
  }

  @Override
  public void configure(Map<String, ?> params) {
    Map<String, String> v = new HashMap<>();
    params.forEach((k, value) -> v.put(k, value == null ? "" : value.toString()));
    values = Map.copyOf(v);
  }

  @Override
  public ConfigData get(String path) {
    return new ConfigData(values);
  }

  @Override
  public ConfigData get(String path, Set<String> keys) {
    Map<String, String> out = new HashMap<>();
    for (String k : keys) {
      String v = values.get(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return new ConfigData(out);
  }

  @Override
  public void close() {
    values = Map.of();
  }
}
