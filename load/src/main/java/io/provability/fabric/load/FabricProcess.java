package io.provability.fabric.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code fabric} command in a child process: {@code java <options> -cp <class path>
 * io.provability.fabric.tools.cli.FabricCli <args>} ({@link #java()}), or an explicit launcher such
 * as a distribution's {@code bin/fabric} ({@link #launcher}). The child's environment is this JVM's
 * without its {@code FABRIC_*} variables (they would override the child's configuration file), plus
 * the ones given; its output goes to files, one ({@link Builder#log}) or two ({@link
 * Builder#output}), or to a pipe when none is given. It is waited for by polling its log ({@link
 * #awaitLog}, {@link #awaitRunning}) and stopped with SIGTERM, then SIGKILL after a grace period
 * ({@link #stop}).
 *
 * <pre>{@code
 * try (FabricProcess p = FabricProcess.java().jvmOptions("-Xmx512m")
 *         .args("run", "--config", file.toString()).env("FABRIC_HTTP_PORT", "8080")
 *         .log(dir.resolve("run.log")).start()) {
 *   p.awaitRunning(Duration.ofMinutes(3));
 *   ...
 *   p.stop(Duration.ofSeconds(90));
 * }
 * }</pre>
 */
public final class FabricProcess implements AutoCloseable {
  /** The {@code fabric} command's main class. */
  public static final String MAIN_CLASS = "io.provability.fabric.tools.cli.FabricCli";

  /** The prefix of the variables a {@code fabric} command reads its configuration from. */
  public static final String ENV_PREFIX = "FABRIC_";

  /** What {@code fabric run} logs once its topology runs (on standard error, its log). */
  public static final Pattern RUNNING = Pattern.compile("RunCommand - running:.*");

  /** How long {@link #close} waits after SIGTERM before SIGKILL. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

  private static final Duration KILL_PATIENCE = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 100;
  private static final int TAIL_LINES = 15;

  private final Process process;
  private final String name;
  private final Path stdout;
  private final Path stderr;

  private FabricProcess(Process process, String name, Path stdout, Path stderr) {
    this.process = process;
    this.name = name;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** {@code java -cp <this JVM's class path> FabricCli}: the command as this JVM has it. */
  public static Builder java() {
    return java(System.getProperty("java.class.path"));
  }

  /** {@code java -cp <classPath> FabricCli}, with this JVM's {@code java}. */
  public static Builder java(String classPath) {
    return new Builder(null, Objects.requireNonNull(classPath, "classPath"));
  }

  /** An executable that starts the command itself, e.g. a distribution's {@code bin/fabric}. */
  public static Builder launcher(Path executable) {
    return new Builder(Objects.requireNonNull(executable, "executable"), null);
  }

  /** How to start one child; {@link #start} may be called more than once. */
  public static final class Builder {
    private final Path launcher;
    private final String classPath;
    private String mainClass = MAIN_CLASS;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean keepFabricEnvironment;
    private Path stdout;
    private Path stderr;
    private String name;

    private Builder(Path launcher, String classPath) {
      this.launcher = launcher;
      this.classPath = classPath;
    }

    /** Another main class on the same class path (only for {@link FabricProcess#java()}). */
    public Builder mainClass(String mainClass) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
      return this;
    }

    /**
     * Options for the JVM, before {@code -cp} (only for {@link FabricProcess#java()}): {@code
     * -Xmx512m}...
     */
    public Builder jvmOptions(String... options) {
      return jvmOptions(List.of(options));
    }

    /** Options for the JVM, before {@code -cp} (only for {@link FabricProcess#java()}). */
    public Builder jvmOptions(List<String> options) {
      jvmOptions.addAll(options);
      return this;
    }

    /** The command's arguments, added after those given before. */
    public Builder args(String... arguments) {
      return args(List.of(arguments));
    }

    /** The command's arguments, added after those given before. */
    public Builder args(List<String> arguments) {
      args.addAll(arguments);
      return this;
    }

    /** A variable for the child's environment, {@code FABRIC_*} ones included. */
    public Builder env(String variable, String value) {
      env.put(Objects.requireNonNull(variable, "variable"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Variables for the child's environment, {@code FABRIC_*} ones included. */
    public Builder env(Map<String, String> variables) {
      variables.forEach(this::env);
      return this;
    }

    /**
     * Passes this JVM's {@code FABRIC_*} variables on to the child (by default they are removed):
     * for a child that takes its secrets from the same environment as its parent.
     */
    public Builder keepFabricEnvironment() {
      keepFabricEnvironment = true;
      return this;
    }

    /** Standard output and standard error merged into one file, the log. */
    public Builder log(Path file) {
      return output(file, file);
    }

    /**
     * Standard output and standard error in two files; standard error is the log. Without {@link
     * #log} or this, both go to one pipe: {@link FabricProcess#process()}'s input stream.
     */
    public Builder output(Path stdoutFile, Path stderrFile) {
      this.stdout = Objects.requireNonNull(stdoutFile, "stdoutFile");
      this.stderr = Objects.requireNonNull(stderrFile, "stderrFile");
      return this;
    }

    /** What messages call the child; by default the program and its first argument. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The command line. */
    List<String> command() {
      List<String> cmd = new ArrayList<>();
      if (launcher != null) {
        if (!jvmOptions.isEmpty() || !MAIN_CLASS.equals(mainClass)) {
          throw new IllegalStateException(
              "JVM options and a main class are for java(); " + launcher + " chooses its own");
        }
        cmd.add(launcher.toString());
      } else {
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath, mainClass));
      }
      cmd.addAll(args);
      return cmd;
    }

    /** Starts the child. */
    public FabricProcess start() throws IOException {
      ProcessBuilder pb = new ProcessBuilder(command());
      Map<String, String> childEnv = environment(System.getenv(), env, keepFabricEnvironment);
      pb.environment().clear();
      pb.environment().putAll(childEnv);
      if (stdout == null) {
        pb.redirectErrorStream(true);
      } else if (stdout.equals(stderr)) {
        pb.redirectErrorStream(true).redirectOutput(stdout.toFile());
      } else {
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
      }
      return new FabricProcess(pb.start(), name != null ? name : defaultName(), stdout, stderr);
    }

    /** e.g. {@code fabric run}, {@code bin/fabric run}, {@code S3MockApplication}. */
    private String defaultName() {
      String program =
          launcher != null
              ? launcher.getNameCount() < 2
                  ? launcher.toString()
                  : launcher
                      .subpath(launcher.getNameCount() - 2, launcher.getNameCount())
                      .toString()
              : MAIN_CLASS.equals(mainClass)
                  ? "fabric"
                  : mainClass.substring(mainClass.lastIndexOf('.') + 1);
      return args.isEmpty() ? program : program + " " + args.get(0);
    }
  }

  /**
   * A child's environment: {@code inherited} without its {@code FABRIC_*} variables (unless {@code
   * keepFabric}), plus {@code extra}.
   */
  static Map<String, String> environment(
      Map<String, String> inherited, Map<String, String> extra, boolean keepFabric) {
    Map<String, String> out = new TreeMap<>(inherited);
    if (!keepFabric) {
      out.keySet().removeIf(k -> k.startsWith(ENV_PREFIX));
    }
    out.putAll(extra);
    return out;
  }

  /** The process itself (its output pipe, when no output file was given). */
  public Process process() {
    return process;
  }

  /** The process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether it still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Its exit code; {@link IllegalThreadStateException} while it runs. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Waits up to {@code timeout} for it to exit; whether it did. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The file of its standard output (the log's when merged); null when piped. */
  public Path stdout() {
    return stdout;
  }

  /** The log: the file of its standard error (merged or not); null when piped. */
  public Path log() {
    return stderr;
  }

  /** The log's text so far. */
  public String logText() throws IOException {
    return Files.readString(requireLog(), StandardCharsets.UTF_8);
  }

  /** The last {@code lines} lines of the log, indented, for a message. */
  public String tail(int lines) {
    return tail(requireLog(), lines);
  }

  /**
   * The last {@code lines} lines of a file, indented; a note instead if it cannot be read (the file
   * itself stays where it is).
   */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join(
          System.lineSeparator(),
          all.subList(Math.max(0, all.size() - lines), all.size()).stream()
              .map(l -> "    " + l)
              .toList());
    } catch (IOException e) {
      return "    (could not read " + file + ": " + e.getMessage() + ")";
    }
  }

  /**
   * Polls the log until {@code pattern} is found in it, and returns that match.
   *
   * @throws IllegalStateException if the process exits first, or {@code patience} passes; the
   *     message holds the end of the log. The process is left as it is.
   */
  public Matcher awaitLog(Pattern pattern, Duration patience)
      throws IOException, InterruptedException {
    Path log = requireLog();
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      // read before the liveness check: a line written just before exiting still counts
      boolean alive = process.isAlive();
      Matcher m = pattern.matcher(Files.exists(log) ? logText() : "");
      if (m.find()) {
        return m;
      }
      if (!alive) {
        throw new IllegalStateException(
            name
                + " exited with "
                + process.exitValue()
                + " while starting; the end of its log "
                + log
                + ":"
                + System.lineSeparator()
                + tail(TAIL_LINES));
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(
            name
                + " did not log /"
                + pattern
                + "/ within "
                + patience
                + "; the end of its log "
                + log
                + ":"
                + System.lineSeparator()
                + tail(TAIL_LINES));
      }
      // polling a child's log file: there is nothing to wait on but time (or its exit)
      process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** {@link #awaitLog} for {@link #RUNNING}: until {@code fabric run}'s topology runs. */
  public String awaitRunning(Duration patience) throws IOException, InterruptedException {
    return awaitLog(RUNNING, patience).group();
  }

  /**
   * Stops it: SIGTERM, then SIGKILL if it has not exited within {@code grace}.
   *
   * @return whether it stopped within the grace period (true also if it had exited already)
   * @throws InterruptedException after SIGKILL, if interrupted while waiting
   */
  public boolean stop(Duration grace) throws InterruptedException {
    process.destroy();
    try {
      if (waitFor(grace)) {
        return true;
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      throw e;
    }
    kill();
    return false;
  }

  /** SIGKILL, then waits a little for the exit to be reaped. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    waitFor(KILL_PATIENCE);
  }

  /** Stops it, if it runs, with {@link #DEFAULT_GRACE}; SIGKILL at once if interrupted. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    try {
      stop(DEFAULT_GRACE);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private Path requireLog() {
    if (stderr == null) {
      throw new IllegalStateException(name + " writes to a pipe, not to a log file");
    }
    return stderr;
  }

  @Override
  public String toString() {
    return name + ", pid " + process.pid();
  }
}
