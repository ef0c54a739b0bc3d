package io.provability.fabric.connectors.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.DirectoryConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.connect.connector.Connector;

/**
 * Keeps secret values out of the Connect config topic: every connector key that its connector declares
 * as a {@link ConfigDef.Type#PASSWORD} is stored as a reference to one of Kafka's config providers, which
 * the worker resolves when it starts a task, on the worker that runs it. The topic holds
 * {@code ${env:NAME}}, {@code ${file:PATH:KEY}} or {@code ${directory:DIR:FILE}}, never the value.
 *
 * <p>Where a reference comes from, in order: the one the caller declared for that key
 * ({@link SinkPipelineSettings#secretReferences()}, e.g. {@code ${env:FABRIC_POSTGRES_PASSWORD}}, the same on
 * every instance); a value that already is a reference; otherwise the value is written to a file of this
 * instance's own secrets directory ({@code <work dir>/secrets}, readable by its owner only) and referenced
 * there. The last form names a path of one instance: fine for one instance, but a second instance with
 * another work directory declares another reference, and {@link ConnectorConfigs} reports that as drift.
 */
public final class SecretReferences {

    /** Worker property naming the config providers every embedded worker configures. */
    public static final String PROVIDERS = "env,file,directory";
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file|directory):[^}]+}");

    private final Path directory;
    private final Map<String, String> declared;

    /**
     * @param directory this instance's own secrets directory (created on first use, owner-only)
     * @param declared  connector key to reference, used whatever the value (may be empty)
     */
    public SecretReferences(Path directory, Map<String, String> declared) {
        this.directory = directory.toAbsolutePath();
        this.declared = Map.copyOf(declared);
    }

    /** @return true if {@code value} is a reference to one of the configured providers */
    public static boolean isReference(String value) {
        return value != null && REFERENCE.matcher(value.strip()).matches();
    }

    /** Adds the config providers to a worker's properties. */
    public static void configureWorker(Map<String, String> workerProps) {
        workerProps.put("config.providers", PROVIDERS);
        workerProps.put("config.providers.env.class", EnvVarConfigProvider.class.getName());
        workerProps.put("config.providers.file.class", FileConfigProvider.class.getName());
        workerProps.put("config.providers.directory.class", DirectoryConfigProvider.class.getName());
    }

    /**
     * Replaces every secret of a connector config by a reference.
     *
     * @param connectorClass the connector, whose {@link Connector#config()} says which keys are secret
     * @param config         the config with values
     * @return a copy holding references instead of secret values
     */
    public Map<String, String> apply(Class<? extends Connector> connectorClass, Map<String, String> config) {
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
                out.put(e.getKey(), writeFile(e.getKey(), value));
            }
        }
        return out;
    }

    /** The keys of {@code connectorClass} that are secret. */
    public static java.util.Set<String> secretKeys(Class<? extends Connector> connectorClass) {
        java.util.Set<String> out = new java.util.HashSet<>();
        definition(connectorClass).configKeys().forEach((name, key) -> {
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
            throw new IllegalStateException("cannot read the config definition of " + connectorClass.getName(), e);
        }
    }

    private String writeFile(String key, String value) {
        try {
            Files.createDirectories(directory);
            restrict(directory, "rwx------");
            Path file = directory.resolve(key);
            Path tmp = directory.resolve("." + key + ".tmp");
            Files.writeString(tmp, value, StandardCharsets.UTF_8);
            restrict(tmp, "rw-------");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return "${directory:" + directory + ":" + key + "}";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sinks' secret " + key + " to " + directory, e);
        }
    }

    private static void restrict(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own access rules apply
        }
    }
}
