package io.provability.fabric.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The processes of a load run by role, each known by its pid: this generator's JVM, the application
 * process the run started, the servers {@code infra/up.sh} started (from their pid files), and any
 * the user names with {@code --process ROLE=PID}. Nothing is guessed from command lines.
 */
public final class BoxProcesses {
  /** One process (with its live descendants) in one role. */
  public record Member(String role, long pid, String how) {}

  private final Map<String, Member> members = new LinkedHashMap<>();

  /** Adds {@code pid} under {@code role}; a role named twice keeps its first pid. */
  public BoxProcesses add(String role, long pid, String how) {
    members.putIfAbsent(role, new Member(role, pid, how));
    return this;
  }

  /** The members, in the order they were added. */
  public List<Member> members() {
    return new ArrayList<>(members.values());
  }

  /**
   * Adds the servers of an {@code infra/up.sh} run directory: the broker, S3Proxy and Redis by
   * their pid files, PostgreSQL by the first line of {@code postmaster.pid}. Missing files are
   * skipped.
   */
  public BoxProcesses addInfra(Path runDir) {
    pidFile(runDir.resolve("kafka/broker.pid"))
        .ifPresent(p -> add("broker", p, "pid file " + runDir.resolve("kafka/broker.pid")));
    pidFile(runDir.resolve("pg/data/postmaster.pid"))
        .ifPresent(
            p ->
                add(
                    "postgresql",
                    p,
                    "postmaster and its backends, " + runDir.resolve("pg/data/postmaster.pid")));
    pidFile(runDir.resolve("redis/redis.pid"))
        .ifPresent(p -> add("redis", p, "pid file " + runDir.resolve("redis/redis.pid")));
    pidFile(runDir.resolve("s3proxy/s3proxy.pid"))
        .ifPresent(p -> add("s3 server", p, "pid file " + runDir.resolve("s3proxy/s3proxy.pid")));
    return this;
  }

  /**
   * Parses {@code ROLE=PID}.
   *
   * @throws IllegalArgumentException naming the option when it is malformed or the process is not
   *     running
   */
  public BoxProcesses addOption(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0 || eq == spec.length() - 1) {
      throw new IllegalArgumentException("--process: expected ROLE=PID, got '" + spec + "'");
    }
    long pid;
    try {
      pid = Long.parseLong(spec.substring(eq + 1).strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--process: '" + spec.substring(eq + 1) + "' is not a process id");
    }
    if (ProcessCpu.ownMicros(pid).isEmpty()) {
      throw new IllegalArgumentException("--process: no running process with pid " + pid);
    }
    return add(spec.substring(0, eq).strip(), pid, "--process " + spec);
  }

  /** CPU microseconds of every member's process tree now; a member that is gone is absent. */
  public Map<String, Long> cpuMicros() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Member m : members.values()) {
      OptionalLong t =
          switch (m.role()) {
            case GENERATOR -> ProcessCpu.ownMicros(m.pid());
            case CHILDREN -> OptionalLong.of(childrenMicros(m.pid()));
            default -> ProcessCpu.treeMicros(m.pid());
          };
      t.ifPresent(v -> out.put(m.role(), v));
    }
    return out;
  }

  /**
   * The live descendants of {@code parent} that belong to no other member (embedded PostgreSQL and
   * Redis).
   */
  private long childrenMicros(long parent) {
    Set<Long> others = new HashSet<>();
    for (Member m : members.values()) {
      if (!m.role().equals(GENERATOR) && !m.role().equals(CHILDREN)) {
        others.add(m.pid());
        ProcessHandle.of(m.pid()).ifPresent(h -> h.descendants().forEach(d -> others.add(d.pid())));
      }
    }
    return ProcessHandle.of(parent)
        .map(
            h ->
                h.descendants()
                    .filter(d -> !others.contains(d.pid()))
                    .mapToLong(d -> ProcessCpu.ownMicros(d.pid()).orElse(0))
                    .sum())
        .orElse(0L);
  }

  /**
   * The role of this JVM's other child processes (embedded mode's PostgreSQL and Redis): every live
   * descendant of this JVM that belongs to no other member.
   */
  public static final String CHILDREN = "child processes of the generator";

  /**
   * The role of this JVM. Only its own time counts: the application or embedded servers it may have
   * started as child processes are members of their own.
   */
  public static final String GENERATOR = "generator";

  private static OptionalLong pidFile(Path file) {
    try {
      String first = Files.readAllLines(file).get(0).strip();
      long pid = Long.parseLong(first);
      return ProcessCpu.ownMicros(pid).isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
