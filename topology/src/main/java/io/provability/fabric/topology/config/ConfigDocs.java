package io.provability.fabric.topology.config;

import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * docs/configuration.md, generated from {@link FabricConfig#definition()}: every key with its type,
 * default, valid values and documentation. {@code fabric config docs > docs/configuration.md}
 * writes it; a test fails when the checked-in file differs from what this class generates.
 */
public final class ConfigDocs {
  /** The command that regenerates the checked-in file. */
  public static final String REGENERATE = "./fabric config docs > docs/configuration.md";

  private ConfigDocs() {}

  /** The whole Markdown page. */
  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Configuration keys\n\n")
        .append("<!-- generated from FabricConfig: do not edit; regenerate with `")
        .append(REGENERATE)
        .append("` -->\n\n")
        .append(
            "Every key `fabric` reads, in the order FabricConfig declares them. A key is set, from lowest to ")
        .append(
            "highest precedence, by its default, a properties file given with `--config`, an environment ")
        .append(
            "variable `FABRIC_<KEY>` (upper case, `.` and `-` as `_`: `http.port` is `FABRIC_HTTP_PORT`), ")
        .append(
            "and `--set key=value`. An unknown key or an invalid value stops the command with one line naming ")
        .append("the key (exit code 2). `fabric config show` prints the values in effect.\n\n")
        .append("| key | type | default | valid values | importance | description |\n")
        .append("|---|---|---|---|---|---|\n");
    ConfigDef def = FabricConfig.definition();
    for (ConfigDef.ConfigKey k : def.configKeys().values()) {
      b.append("| `")
          .append(k.name)
          .append("` | ")
          .append(k.type.name().toLowerCase(Locale.ROOT))
          .append(" | ")
          .append(defaultValue(k))
          .append(" | ")
          .append(k.validator == null ? "any" : cell(k.validator.toString()))
          .append(" | ")
          .append(k.importance.name().toLowerCase(Locale.ROOT))
          .append(" | ")
          .append(cell(k.documentation))
          .append(" |\n");
    }
    return b.toString();
  }

  private static String defaultValue(ConfigDef.ConfigKey k) {
    if (!k.hasDefault()) {
      return "(required)";
    }
    Object v = k.defaultValue;
    if (v instanceof Password p) {
      v = p.value();
    }
    if (v instanceof List<?> l) {
      v = String.join(",", l.stream().map(String::valueOf).toList());
    }
    String s = String.valueOf(v);
    return s.isEmpty() ? "(empty)" : "`" + cell(s) + "`";
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
