package io.provability.fabric.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application in a JVM of its own ({@code fabric run --config <external-mode file>}), so that
 * its resident memory and heap are its own and not the broker's or the generator's. Resident memory
 * comes from {@code /proc/<pid>/status} ({@code VmRSS}, and {@code VmHWM}: the peak); heap and the
 * RocksDB stores' figures from the instance's own {@code /metrics}.
 */
public final class ApplicationProcess implements AutoCloseable {
  private static final Pattern RUNNING =
      Pattern.compile("RunCommand - running: .*HTTP on port (\\d+)");

  private final FabricProcess process;
  private final int httpPort;

  private ApplicationProcess(FabricProcess process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
  }

  /**
   * Starts {@code fabric run} with this JVM's class path and environment ({@code FABRIC_*}
   * variables included: the application may take its secrets from them) and waits until its
   * topology runs.
   *
   * @param jvmOptions e.g. {@code -Xmx1g}
   * @param runArguments after {@code run}: {@code --config <file>}, {@code --no-sinks}, {@code
   *     --set k=v}...
   */
  public static ApplicationProcess start(
      List<String> jvmOptions, List<String> runArguments, Path log, Duration patience)
      throws IOException, InterruptedException {
    FabricProcess p =
        FabricProcess.java()
            .name("the application")
            .jvmOptions(jvmOptions)
            .args("run")
            .args(runArguments)
            .keepFabricEnvironment()
            .log(log)
            .start();
    try {
      Matcher m = p.awaitLog(RUNNING, patience);
      return new ApplicationProcess(p, Integer.parseInt(m.group(1)));
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.process().destroyForcibly();
      throw e;
    }
  }

  /** The process id. */
  public long pid() {
    return process.pid();
  }

  /** The instance's HTTP port (front door, /metrics). */
  public int httpPort() {
    return httpPort;
  }

  /** Its log file. */
  public Path log() {
    return process.log();
  }

  /** Resident set now, bytes. */
  public OptionalLong rssBytes() {
    return status("VmRSS:");
  }

  /** The peak resident set so far, bytes. */
  public OptionalLong peakRssBytes() {
    return status("VmHWM:");
  }

  private OptionalLong status(String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(field)) {
          return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone: reported as unknown
    }
    return OptionalLong.empty();
  }

  /**
   * Sums of the instance's Prometheus samples whose metric name is one of {@code names} (all label
   * sets added up), by name; a name without samples is absent.
   */
  public Map<String, Double> metrics(List<String> names) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("/metrics answered " + r.statusCode());
    }
    return sums(r.body(), names);
  }

  /** The instance's whole /metrics exposition. */
  public String exposition() throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("/metrics answered " + r.statusCode());
    }
    return r.body();
  }

  /**
   * The instance's samples of one metric, summed by the value of one label (samples without it
   * under ""); null when the instance publishes no sample of that name.
   */
  public Map<String, Long> metricsByLabel(String name, String label)
      throws IOException, InterruptedException {
    return byLabel(exposition(), name, label);
  }

  /**
   * Samples of {@code name} in a Prometheus text exposition, summed by the value of {@code label};
   * null if none.
   */
  static Map<String, Long> byLabel(String exposition, String name, String label) {
    Map<String, Long> out = new TreeMap<>();
    Pattern labelValue = Pattern.compile("[{,]\\s*" + Pattern.quote(label) + "=\"([^\"]*)\"");
    for (String line : exposition.split("\n")) {
      if (!line.startsWith(name)
          || line.length() == name.length()
          || (line.charAt(name.length()) != '{' && line.charAt(name.length()) != ' ')) {
        continue;
      }
      Matcher m = labelValue.matcher(line);
      String key = m.find() ? m.group(1) : "";
      int valueStart =
          line.charAt(name.length()) == '{' ? line.lastIndexOf('}') + 1 : name.length();
      String[] parts = line.substring(valueStart).strip().split("\\s+");
      try {
        out.merge(key, (long) Double.parseDouble(parts[0]), Long::sum);
      } catch (NumberFormatException e) {
        // a malformed sample: skipped
      }
    }
    return out.isEmpty() ? null : out;
  }

  /**
   * Sums Prometheus text-format samples by wanted name. A wanted name may carry the start of a label
   * set ({@code jvm_memory_used_bytes{area="heap"}): then only samples with those labels count.
   */
  static Map<String, Double> sums(String exposition, List<String> wanted) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace >= 0 && brace < space ? brace : space;
      if (nameEnd <= 0) {
        continue;
      }
      String name = line.substring(0, nameEnd);
      for (String w : wanted) {
        int wb = w.indexOf('{');
        String wName = wb >= 0 ? w.substring(0, wb) : w;
        if (!wName.equals(name)
            || (wb >= 0 && (brace != nameEnd || !line.contains(w.substring(wb + 1))))) {
          continue;
        }
        int valueStart = line.lastIndexOf('}') >= 0 ? line.lastIndexOf('}') + 1 : nameEnd;
        try {
          double v = Double.parseDouble(line.substring(valueStart).strip().split("\\s+")[0]);
          if (Double.isFinite(v)) {
            out.merge(w, v, Double::sum);
          }
        } catch (NumberFormatException e) {
          // a malformed sample: skipped, the figure is informational
        }
      }
    }
    return out;
  }

  /** Stops it (SIGTERM, then SIGKILL after 30 s). */
  @Override
  public void close() {
    process.close();
  }
}
