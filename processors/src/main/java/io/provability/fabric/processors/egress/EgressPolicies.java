package io.provability.fabric.processors.egress;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The egress policies of a deployment and which tenant uses which, parsed once from a properties
 * text (format in {@code docs/egress.md}):
 *
 * <pre>
 * default_policy=default
 * policy.default.max_text_bytes=262144
 * policy.default.EMAIL=REDACT@0.80
 * policy.strict.HIGH_ENTROPY=BLOCK@0.50
 * tenant.acme=strict
 * </pre>
 *
 * <p>Selection for a request: its {@code policy_id} if set (an unknown id selects nothing, and the
 * firewall denies); otherwise the tenant's mapping; otherwise {@code default_policy}. A type a
 * policy does not list is {@link EgressPolicy#UNLISTED BLOCK at any confidence}. Immutable.
 */
public final class EgressPolicies {
  /** The built-in templates, {@code default} and {@code strict}, as a policy file. */
  public static final String DEFAULT_TEMPLATES =
      String.join(
          "\n",
          "default_policy=default",
          "policy.default.max_text_bytes=262144",
          "policy.default.EMAIL=REDACT@0.80",
          "policy.default.PHONE=REDACT@0.80",
          "policy.default.SSN=REDACT@0.80",
          "policy.default.PAYMENT_CARD=REDACT@0.80",
          "policy.default.IBAN=REDACT@0.80",
          "policy.default.IP_ADDRESS=ALLOW@0.00",
          "policy.default.PEM_PRIVATE_KEY=BLOCK@0.50",
          "policy.default.JWT=BLOCK@0.80",
          "policy.default.CLOUD_KEY=BLOCK@0.80",
          "policy.default.GITHUB_TOKEN=BLOCK@0.80",
          "policy.default.SLACK_TOKEN=BLOCK@0.80",
          "policy.default.STRIPE_KEY=BLOCK@0.80",
          "policy.default.HIGH_ENTROPY=REDACT@0.70",
          "policy.strict.max_text_bytes=65536",
          "policy.strict.EMAIL=REDACT@0.50",
          "policy.strict.PHONE=REDACT@0.50",
          "policy.strict.SSN=BLOCK@0.50",
          "policy.strict.PAYMENT_CARD=BLOCK@0.50",
          "policy.strict.IBAN=BLOCK@0.50",
          "policy.strict.IP_ADDRESS=REDACT@0.50",
          "policy.strict.PEM_PRIVATE_KEY=BLOCK@0.00",
          "policy.strict.JWT=BLOCK@0.50",
          "policy.strict.CLOUD_KEY=BLOCK@0.50",
          "policy.strict.GITHUB_TOKEN=BLOCK@0.50",
          "policy.strict.SLACK_TOKEN=BLOCK@0.50",
          "policy.strict.STRIPE_KEY=BLOCK@0.50",
          "policy.strict.HIGH_ENTROPY=BLOCK@0.50",
          "");

  private final Map<String, EgressPolicy> policies;
  private final Map<String, String> tenants;
  private final String defaultPolicy;

  private EgressPolicies(
      Map<String, EgressPolicy> policies, Map<String, String> tenants, String defaultPolicy) {
    this.policies = Collections.unmodifiableMap(policies);
    this.tenants = Collections.unmodifiableMap(tenants);
    this.defaultPolicy = defaultPolicy;
  }

  /** The built-in {@code default} and {@code strict} templates, no tenant mappings. */
  public static EgressPolicies defaults() {
    try {
      return parse(DEFAULT_TEMPLATES);
    } catch (IOException e) {
      throw new IllegalStateException("built-in egress templates do not parse", e);
    }
  }

  /** Reads and validates a policy file (UTF-8 properties). */
  public static EgressPolicies load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Parses a policy file's text.
   *
   * @throws IOException naming the offending key if a key, action, confidence or reference is
   *     invalid
   */
  public static EgressPolicies parse(String text) throws IOException {
    Properties props = new Properties();
    props.load(new StringReader(text));
    Map<String, Map<FindingType, EgressPolicy.Rule>> rules = new TreeMap<>();
    Map<String, Integer> maxBytes = new TreeMap<>();
    Map<String, String> tenants = new TreeMap<>();
    String defaultPolicy = null;
    for (String key : toMap(props).keySet()) {
      String value = props.getProperty(key).strip();
      if (key.equals("default_policy")) {
        defaultPolicy = value;
      } else if (key.startsWith("tenant.") && key.length() > "tenant.".length()) {
        tenants.put(key.substring("tenant.".length()), value);
      } else if (key.startsWith("policy.")) {
        String rest = key.substring("policy.".length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
          throw new IOException(
              "egress policy key '" + key + "': expected policy.<name>.<setting>");
        }
        String name = rest.substring(0, dot);
        String setting = rest.substring(dot + 1);
        Map<FindingType, EgressPolicy.Rule> policyRules =
            rules.computeIfAbsent(name, n -> new EnumMap<>(FindingType.class));
        if (setting.equals("max_text_bytes")) {
          try {
            maxBytes.put(name, Integer.parseInt(value));
          } catch (NumberFormatException e) {
            throw new IOException("egress policy key '" + key + "': not an integer: " + value, e);
          }
        } else {
          policyRules.put(type(key, setting), rule(key, value));
        }
      } else {
        throw new IOException("egress policy key '" + key + "': unknown key");
      }
    }
    Map<String, EgressPolicy> policies = new LinkedHashMap<>();
    for (Map.Entry<String, Map<FindingType, EgressPolicy.Rule>> e : rules.entrySet()) {
      int max = maxBytes.getOrDefault(e.getKey(), EgressPolicy.DEFAULT_MAX_TEXT_BYTES);
      if (max <= 0) {
        throw new IOException(
            "egress policy key 'policy." + e.getKey() + ".max_text_bytes': must be positive");
      }
      policies.put(e.getKey(), new EgressPolicy(e.getKey(), max, e.getValue()));
    }
    if (defaultPolicy == null || !policies.containsKey(defaultPolicy)) {
      throw new IOException(
          "egress policy key 'default_policy': must name a defined policy, got " + defaultPolicy);
    }
    for (Map.Entry<String, String> t : tenants.entrySet()) {
      if (!policies.containsKey(t.getValue())) {
        throw new IOException(
            "egress policy key 'tenant." + t.getKey() + "': unknown policy " + t.getValue());
      }
    }
    return new EgressPolicies(policies, tenants, defaultPolicy);
  }

  private static Map<String, String> toMap(Properties props) {
    Map<String, String> out = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      out.put(k, props.getProperty(k));
    }
    return out;
  }

  private static FindingType type(String key, String setting) throws IOException {
    try {
      return FindingType.valueOf(setting);
    } catch (IllegalArgumentException e) {
      throw new IOException("egress policy key '" + key + "': unknown finding type " + setting, e);
    }
  }

  private static EgressPolicy.Rule rule(String key, String value) throws IOException {
    int at = value.indexOf('@');
    try {
      PolicyAction action = PolicyAction.valueOf(at < 0 ? value : value.substring(0, at));
      double min = at < 0 ? 0.0 : Double.parseDouble(value.substring(at + 1));
      return new EgressPolicy.Rule(action, min);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "egress policy key '"
              + key
              + "': expected ACTION or ACTION@confidence"
              + " (ALLOW, REDACT, BLOCK; confidence in [0, 1]), got "
              + value,
          e);
    }
  }

  /** The policy with this name, if defined. */
  public Optional<EgressPolicy> policy(String name) {
    return Optional.ofNullable(policies.get(name));
  }

  /** The policy for a request; empty when {@code policyId} names no policy. */
  public Optional<EgressPolicy> select(String tenant, String policyId) {
    if (policyId != null) {
      return policy(policyId);
    }
    String mapped = tenant == null ? null : tenants.get(tenant);
    return policy(mapped != null ? mapped : defaultPolicy);
  }

  /** Returns a copy in which {@code tenant} uses {@code policyName}. */
  public EgressPolicies withTenant(String tenant, String policyName) {
    if (!policies.containsKey(policyName)) {
      throw new IllegalArgumentException("unknown egress policy " + policyName);
    }
    Map<String, String> copy = new TreeMap<>(tenants);
    copy.put(tenant, policyName);
    return new EgressPolicies(new LinkedHashMap<>(policies), copy, defaultPolicy);
  }
}
