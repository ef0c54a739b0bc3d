package io.provability.fabric.topology.ops;

import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.topology.config.FabricConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The application's topics as declared in one file ({@code infra/topics.properties}, bundled in the
 * jar as {@value #RESOURCE}): partitions, replication factor and topic configs per role. The topic
 * <em>names</em> come from the application configuration, so one declaration file serves every
 * installation (and every test namespace).
 *
 * <p>Format: {@code <role>.partitions}, {@code <role>.replication.factor}, {@code
 * <role>.config.<topic config>=<value>}. A role without partitions or replication factor takes
 * {@link FabricConfig#TOPIC_PARTITIONS_CONFIG} / {@link FabricConfig#TOPIC_REPLICATION_CONFIG}. An
 * unknown role or key, a missing role, or a value that is not a number fails with a message naming
 * the key.
 */
public final class TopicDeclarations {
  /** Classpath location of the bundled copy of {@code infra/topics.properties}. */
  public static final String RESOURCE = "/fabric/topics.properties";

  /** The roles a declaration file must declare, in creation order. */
  public static final List<String> ROLES =
      List.of(
          "requests",
          "decisions",
          "evidence",
          "dead-letter",
          "policy-state",
          "decisions-sink-dlq",
          "evidence-sink-dlq");

  /**
   * One declared topic.
   *
   * @param role the role in the declaration file
   * @param name the topic name the configuration gives that role
   * @param configs declared topic configs (only these are compared for drift)
   */
  public record Topic(
      String role,
      String name,
      int partitions,
      short replicationFactor,
      Map<String, String> configs) {
    /** The admin-client form. */
    public NewTopic newTopic() {
      return new NewTopic(name, partitions, replicationFactor).configs(configs);
    }
  }

  private TopicDeclarations() {}

  /**
   * The topics {@code cfg} declares: from its {@link FabricConfig#TOPICS_FILE_CONFIG}, or the
   * bundled file.
   */
  public static List<Topic> of(FabricConfig cfg) {
    Path file = cfg.topicsFile();
    return file == null ? parse(bundled(), RESOURCE, cfg) : parse(read(file), file.toString(), cfg);
  }

  /** The topics declared by {@code file}, named by {@code cfg}. */
  public static List<Topic> of(Path file, FabricConfig cfg) {
    return parse(read(file), file.toString(), cfg);
  }

  static Properties bundled() {
    Properties p = new Properties();
    try (InputStream in = TopicDeclarations.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE + " is missing from the application jar (it is infra/topics.properties)");
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
    return p;
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new ConfigException(
          FabricConfig.TOPICS_FILE_CONFIG, file.toString(), "cannot be read: " + e.getMessage());
    }
    return p;
  }

  static List<Topic> parse(Properties props, String source, FabricConfig cfg) {
    Map<String, Integer> partitions = new LinkedHashMap<>();
    Map<String, Short> replication = new LinkedHashMap<>();
    Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    for (String key : new TreeMap<>(toMap(props)).keySet()) {
      String value = props.getProperty(key).strip();
      String role =
          ROLES.stream()
              .filter(r -> key.startsWith(r + "."))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          source + ": " + key + " does not start with a known role " + ROLES));
      String rest = key.substring(role.length() + 1);
      if (rest.equals("partitions")) {
        partitions.put(role, (int) number(source, key, value, 1, 100_000));
      } else if (rest.equals("replication.factor")) {
        replication.put(role, (short) number(source, key, value, 1, Short.MAX_VALUE));
      } else if (rest.startsWith("config.") && rest.length() > "config.".length()) {
        String name = rest.substring("config.".length());
        if (!knownTopicConfig(name)) {
          throw new ConfigException(
              source + ": " + key + ": '" + name + "' is not a Kafka topic config");
        }
        configs.computeIfAbsent(role, r -> new LinkedHashMap<>()).put(name, value);
      } else {
        throw new ConfigException(
            source
                + ": "
                + key
                + ": expected "
                + role
                + ".partitions, "
                + role
                + ".replication.factor or "
                + role
                + ".config.<topic config>");
      }
    }
    List<Topic> out = new ArrayList<>();
    for (String role : ROLES) {
      if (!partitions.containsKey(role)
          && !configs.containsKey(role)
          && !replication.containsKey(role)) {
        throw new ConfigException(source + ": topic role '" + role + "' is not declared");
      }
      out.add(
          new Topic(
              role,
              nameOf(role, cfg),
              partitions.getOrDefault(role, cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG)),
              replication.getOrDefault(role, cfg.getShort(FabricConfig.TOPIC_REPLICATION_CONFIG)),
              Map.copyOf(configs.getOrDefault(role, Map.of()))));
    }
    return out;
  }

  /** The topic name the configuration gives a role. */
  public static String nameOf(String role, FabricConfig cfg) {
    return switch (role) {
      case "requests" -> cfg.topicRequests();
      case "decisions" -> cfg.topicDecisions();
      case "evidence" -> cfg.topicEvidence();
      case "dead-letter" -> cfg.topicDeadLetter();
      case "policy-state" -> cfg.topicPolicyState();
      case "decisions-sink-dlq" -> EmbeddedConnect.deadLetterTopic(cfg.topicDecisions());
      case "evidence-sink-dlq" -> EmbeddedConnect.deadLetterTopic(cfg.topicEvidence());
      default -> throw new IllegalArgumentException("unknown topic role " + role);
    };
  }

  private static boolean knownTopicConfig(String name) {
    return TOPIC_CONFIG_NAMES.contains(name);
  }

  /**
   * The topic-level configuration names of Kafka's public {@link TopicConfig} (its {@code *_CONFIG}
   * constants): the broker's own list lives in a server module that the production distribution
   * leaves out.
   */
  private static final Set<String> TOPIC_CONFIG_NAMES = topicConfigNames();

  private static Set<String> topicConfigNames() {
    Set<String> names = new TreeSet<>();
    for (Field f : TopicConfig.class.getFields()) {
      if (f.getName().endsWith("_CONFIG")
          && f.getType() == String.class
          && Modifier.isStatic(f.getModifiers())) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("cannot read " + f, e);
        }
      }
    }
    return Set.copyOf(names);
  }

  private static long number(String source, String key, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(source + ": " + key + "=" + value + " is not a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(
          source + ": " + key + "=" + value + " is outside [" + min + ", " + max + "]");
    }
    return n;
  }

  private static Map<String, String> toMap(Properties p) {
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
