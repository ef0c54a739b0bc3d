package io.provability.fabric.connectors.runtime.internal;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The states of the tasks this JVM's Connect worker runs, from the worker's own task metrics
 * ({@code kafka.connect:type=connector-task-metrics,connector=..,task=..}, attribute {@code
 * status}): they exist for every task the worker holds, FAILED ones included, until the task is
 * stopped or restarted.
 */
public final class LocalTaskStates {
  private LocalTaskStates() {}

  public static Map<Integer, String> read(String connector) {
    Map<Integer, String> out = new TreeMap<>();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      for (ObjectName name :
          server.queryNames(new ObjectName("kafka.connect:type=connector-task-metrics,*"), null)) {
        if (!connector.equals(unquote(name.getKeyProperty("connector")))) {
          continue;
        }
        Object status = server.getAttribute(name, "status");
        String task = unquote(name.getKeyProperty("task"));
        if (status != null && task != null) {
          out.put(Integer.parseInt(task), status.toString().toUpperCase(Locale.ROOT));
        }
      }
    } catch (JMException | NumberFormatException e) {
      // a task stopped while it was read: the next round reads again
    }
    return out;
  }

  private static String unquote(String s) {
    return s != null && s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }
}
