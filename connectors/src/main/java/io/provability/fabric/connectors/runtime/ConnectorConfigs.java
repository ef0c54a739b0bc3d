package io.provability.fabric.connectors.runtime;

import io.provability.fabric.connectors.runtime.internal.SecretReferences;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a connector's stored configuration (what the Connect config topic holds) with the one an
 * instance declares. Connect has one config per connector for the whole group, so an instance that
 * wrote its own over the stored one would change what every other instance's tasks run with;
 * instead an instance only creates a missing connector, and a difference is reported as {@link
 * Drift} for an operator to resolve (change the instance's settings, or replace the stored config
 * deliberately).
 */
public final class ConnectorConfigs {

  private ConnectorConfigs() {}

  /** One key whose stored value is not the declared one. Secret values are never shown. */
  public record Drift(String connector, String key, String stored, String declared) {
    @Override
    public String toString() {
      return key
          + " is "
          + (stored == null ? "unset" : stored)
          + " in the config topic, "
          + (declared == null ? "unset" : declared)
          + " here";
    }
  }

  /**
   * @param connector connector name, for the report
   * @param stored the stored config
   * @param declared the config this instance would create
   * @param secretKeys keys whose values are secret (shown only when they are config-provider
   *     references)
   * @return the differences, by key; empty when the two agree ({@code name} is ignored)
   */
  public static List<Drift> compare(
      String connector,
      Map<String, String> stored,
      Map<String, String> declared,
      Set<String> secretKeys) {
    Set<String> keys = new TreeSet<>(stored.keySet());
    keys.addAll(declared.keySet());
    keys.remove("name");
    List<Drift> out = new ArrayList<>();
    for (String key : keys) {
      String a = stored.get(key);
      String b = declared.get(key);
      if (a == null ? b != null : !a.equals(b)) {
        boolean secret = secretKeys.contains(key);
        out.add(new Drift(connector, key, show(a, secret), show(b, secret)));
      }
    }
    return out;
  }

  /** One line naming every difference, and what to do about it. */
  public static String describe(String connector, List<Drift> drift) {
    StringBuilder b =
        new StringBuilder("connector ")
            .append(connector)
            .append(" already exists with another configuration than this instance's: ");
    for (int i = 0; i < drift.size(); i++) {
      b.append(i == 0 ? "" : "; ").append(drift.get(i));
    }
    return b.append(
            ". This instance does not overwrite it (every instance's tasks run with the stored one): ")
        .append(
            "give this instance the same settings (a cluster's instances share one evidence signing key ")
        .append(
            "file and the same servers), or change the stored configuration for all through Connect's REST ")
        .append("API (PUT /connectors/")
        .append(connector)
        .append("/config)")
        .toString();
  }

  private static String show(String value, boolean secret) {
    if (value == null || !secret || SecretReferences.isReference(value)) {
      return value;
    }
    return "[a secret value]";
  }
}
