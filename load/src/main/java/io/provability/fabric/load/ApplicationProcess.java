package io.provability.fabric.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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

  private final Process process;
  private final Path log;
  private final int httpPort;

  private ApplicationProcess(Process process, Path log, int httpPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
  }

  /**
   * Starts {@code fabric run} with this JVM's class path and waits until its topology runs.
   *
   * @param jvmOptions e.g. {@code -Xmx1g}
   * @param runArguments after {@code run}: {@code --config <file>}, {@code --no-sinks}, {@code
   *     --set k=v}...
   */
  public static ApplicationProcess start(
      List<String> jvmOptions, List<String> runArguments, Path log, Duration patience)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "io.provability.fabric.tools.cli.FabricCli",
            "run"));
    cmd.addAll(runArguments);
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + patience.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "the application exited with "
                  + p.exitValue()
                  + " while starting; the end of its log:"
                  + System.lineSeparator()
                  + tail(log, 15));
        }
        Matcher m = RUNNING.matcher(Files.readString(log, StandardCharsets.UTF_8));
        if (m.find()) {
          return new ApplicationProcess(p, log, Integer.parseInt(m.group(1)));
        }
        // polling a log file of a child process: there is nothing to wait on but time
        p.waitFor(200, TimeUnit.MILLISECONDS);
      }
      throw new IllegalStateException(
          "the application did not report running within "
              + patience
              + "; the end of its log:"
              + System.lineSeparator()
              + tail(log, 15));
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  /**
   * The last {@code lines} lines of a log, indented; the log itself goes with the run's work
   * directory.
   */
  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(
          System.lineSeparator(),
          all.subList(Math.max(0, all.size() - lines), all.size()).stream()
              .map(l -> "    " + l)
              .toList());
    } catch (IOException e) {
      return "    (could not read " + log + ": " + e.getMessage() + ")";
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
    return log;
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
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
