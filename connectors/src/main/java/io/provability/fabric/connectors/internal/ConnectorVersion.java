package io.provability.fabric.connectors.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Connect reports for these connectors: the Maven version of this module's jar. */
public final class ConnectorVersion {

  private static final String VERSION = load();

  private ConnectorVersion() {}

  /**
   * @return the module version, or "unknown" when run from classes without Maven metadata
   */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in =
        ConnectorVersion.class.getResourceAsStream(
            "/META-INF/maven/io.provability.fabric/fabric-connectors/pom.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
