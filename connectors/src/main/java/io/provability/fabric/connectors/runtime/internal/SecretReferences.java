package io.provability.fabric.connectors.runtime.internal;

import io.provability.fabric.connectors.runtime.InstanceSecretsProvider;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.DirectoryConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.connect.connector.Connector;

/**
 * Keeps secret values out of the Connect config topic: every connector key that its connector
 * declares as a {@link ConfigDef.Type#PASSWORD} is stored as a reference to one of Kafka's config
 * providers, which the worker resolves when it starts a task, on the worker that runs it. The topic
 * holds {@code ${env:NAME}}, {@code ${file:PATH:KEY}}, {@code ${directory:DIR:FILE}} or {@code
 * ${fabric:KEY}}, never the value.
 *
 * <p>Where a reference comes from, in order: the one the caller declared for that key ({@link
 * SinkPipelineSettings#secretReferences()}, e.g. {@code ${env:FABRIC_POSTGRES_PASSWORD}}); a value
 * that already is a reference; otherwise {@code ${fabric:KEY}}, which {@link
 * InstanceSecretsProvider} resolves to the value this worker was started with ({@link
 * #configureWorker}). Every form but a caller's own {@code file}/{@code directory} path is the same
 * text on every instance of a cluster.
 */
public final class SecretReferences {

  /** Worker property naming the config providers every embedded worker configures. */
  public static final String PROVIDERS = "env,file,directory," + InstanceSecretsProvider.NAME;

  private static final Pattern REFERENCE =
      Pattern.compile("\\$\\{(env|file|directory|" + InstanceSecretsProvider.NAME + "):[^}]+}");

  private final Map<String, String> declared;

  /**
   * @param declared connector key to reference, used whatever the value (may be empty)
   */
  public SecretReferences(Map<String, String> declared) {
    this.declared = Map.copyOf(declared);
  }

  /**
   * @return true if {@code value} is a reference to one of the configured providers
   */
  public static boolean isReference(String value) {
    return value != null && REFERENCE.matcher(value.strip()).matches();
  }

  /**
   * Adds the config providers to a worker's properties.
   *
   * @param secrets connector key to value, for the {@code ${fabric:KEY}} references; values that
   *     are references themselves are left out
   */
  public static void configureWorker(Map<String, String> workerProps, Map<String, String> secrets) {
    workerProps.put("config.providers", PROVIDERS);
    workerProps.put("config.providers.env.class", EnvVarConfigProvider.class.getName());
    workerProps.put("config.providers.file.class", FileConfigProvider.class.getName());
    workerProps.put("config.providers.directory.class", DirectoryConfigProvider.class.getName());
    String prefix = "config.providers." + InstanceSecretsProvider.NAME;
    workerProps.put(prefix + ".class", InstanceSecretsProvider.class.getName());
    secrets.forEach(
        (key, value) -> {
          if (value != null && !value.isEmpty() && !isReference(value)) {
            workerProps.put(prefix + ".param." + key, value);
          }
        });
  }

  /**
   * Replaces every secret of a connector config by a reference.
   *
   * @param connectorClass the connector, whose {@link Connector#config()} says which keys are
   *     secret
   * @param config the config with values
   * @return a copy holding references instead of secret values
   */
  public Map<String, String> apply(
      Class<? extends Connector> connectorClass, Map<String, String> config) {
    ConfigDef def = definition(connectorClass);
    Map<String, String> out = new HashMap<>(config);
    for (Map.Entry<String, String> e : config.entrySet()) {
      ConfigDef.ConfigKey key = def.configKeys().get(e.getKey());
      if (key == null || key.type != ConfigDef.Type.PASSWORD) {
        continue;
      }
      String value = e.getValue();
      String reference = declared.get(e.getKey());
      if (reference != null) {
        out.put(e.getKey(), reference);
      } else if (value == null || value.isEmpty() || isReference(value)) {
        continue;
      } else {
        out.put(e.getKey(), InstanceSecretsProvider.reference(e.getKey()));
      }
    }
    return out;
  }

  /** The keys of {@code connectorClass} that are secret. */
  public static Set<String> secretKeys(Class<? extends Connector> connectorClass) {
    Set<String> out = new HashSet<>();
    definition(connectorClass)
        .configKeys()
        .forEach(
            (name, key) -> {
              if (key.type == ConfigDef.Type.PASSWORD) {
                out.add(name);
              }
            });
    return out;
  }

  private static ConfigDef definition(Class<? extends Connector> connectorClass) {
    try {
      return connectorClass.getDeclaredConstructor().newInstance().config();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot read the config definition of " + connectorClass.getName(), e);
    }
  }
}
