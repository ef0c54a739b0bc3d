package io.provability.fabric.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time of a process and its live descendants, read from {@code /proc/<pid>/stat} (Linux).
 *
 * <p>A process's own time is {@code utime + stime}; the time of children it has already reaped is
 * in {@code cutime + cstime}. Both are counted, for the process and for every live descendant, so a
 * PostgreSQL postmaster's tree includes backends that came and went. A descendant still running is
 * not yet in its parent's {@code cutime}, so nothing is counted twice.
 */
public final class ProcessCpu {
  /** Clock ticks per second of {@code /proc} times: 100 on every Linux this runs on (USER_HZ). */
  static final long TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** CPU microseconds of {@code pid} and its live descendants, or empty if the process is gone. */
  public static OptionalLong treeMicros(long pid) {
    OptionalLong own = ownMicros(pid);
    if (own.isEmpty()) {
      return own;
    }
    long total = own.getAsLong();
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent()) {
      total += handle.get().descendants().mapToLong(d -> ownMicros(d.pid()).orElse(0)).sum();
    }
    return OptionalLong.of(total);
  }

  /** CPU microseconds of {@code pid} alone (with its reaped children), or empty if it is gone. */
  public static OptionalLong ownMicros(long pid) {
    try {
      return OptionalLong.of(
          parseStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * utime + stime + cutime + cstime of one {@code /proc/<pid>/stat} line, in microseconds. The
   * command name (field 2) may hold spaces and parentheses, so fields are counted after its last
   * ')'.
   */
  static long parseStat(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split("\\s+");
    // after "pid (comm) ": f[0] is field 3 (state); utime..cstime are fields 14..17
    long ticks =
        Long.parseLong(f[11])
            + Long.parseLong(f[12])
            + Long.parseLong(f[13])
            + Long.parseLong(f[14]);
    return ticks * 1_000_000L / TICKS_PER_SECOND;
  }
}
