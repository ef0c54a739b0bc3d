package io.provability.fabric.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Resident memory from Linux's {@code /proc}, for the start-up log line; empty where there is no
 * {@code /proc}.
 */
final class ProcessMemory {

  private ProcessMemory() {}

  /** This JVM's resident set ({@code VmRSS}), in KiB. */
  static OptionalLong jvmRssKib() {
    return field(Path.of("/proc/self/status"), "VmRSS:");
  }

  /**
   * The proportional set size ({@code Pss}) summed over some processes, in KiB. PSS, not RSS:
   * PostgreSQL's backends share its buffers, and RSS would count them once per backend.
   */
  static OptionalLong pssKib(Stream<ProcessHandle> processes) {
    long total = 0;
    boolean any = false;
    for (ProcessHandle process : (Iterable<ProcessHandle>) processes::iterator) {
      OptionalLong pss =
          field(Path.of("/proc", Long.toString(process.pid()), "smaps_rollup"), "Pss:");
      if (pss.isPresent()) {
        total += pss.getAsLong();
        any = true;
      }
    }
    return any ? OptionalLong.of(total) : OptionalLong.empty();
  }

  /** Renders KiB as MiB, or "n/a". */
  static String mib(OptionalLong kib) {
    return kib.isPresent() ? (kib.getAsLong() / 1024) + " MiB" : "n/a";
  }

  private static OptionalLong field(Path file, String name) {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.US_ASCII)) {
      return lines
          .filter(line -> line.startsWith(name))
          .findFirst()
          .map(line -> line.substring(name.length()).strip().split("\\s+")[0])
          .map(value -> OptionalLong.of(Long.parseLong(value)))
          .orElse(OptionalLong.empty());
    } catch (IOException | RuntimeException e) {
      // a process that exited meanwhile, or no /proc: the figure is informational only
      return OptionalLong.empty();
    }
  }
}
