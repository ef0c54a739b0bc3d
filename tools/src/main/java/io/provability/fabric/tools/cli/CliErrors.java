package io.provability.fabric.tools.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;

/**
 * The one place where a failed command becomes what the user sees: one line on standard error,
 * {@code fabric <command>: <what went wrong>}, and an exit code that means the same in every
 * command — {@value #USAGE} for a usage error (a bad option, configuration value or file: the user
 * can fix the input), {@value #FAILURE} for a runtime failure. The stack trace is printed only with
 * {@code --verbose}.
 */
final class CliErrors
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
  /** Exit code of a usage error. */
  static final int USAGE = 2;

  /** Exit code of a runtime failure. */
  static final int FAILURE = 1;

  static final String VERBOSE = "--verbose";

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(prefix(cmd) + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
    if (verbose(args)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return USAGE;
  }

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    Throwable cause = unwrap(ex);
    boolean usage = isUsageError(cause);
    err.println(prefix(cmd) + message(cause));
    if (verbose(parsed.originalArgs().toArray(String[]::new))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return usage ? USAGE : FAILURE;
  }

  /** The failure itself, without the wrappers of futures and reflection around it. */
  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof ExecutionException
            || c instanceof CompletionException
            || c instanceof InvocationTargetException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  static boolean isUsageError(Throwable t) {
    return t instanceof UsageError
        || t instanceof ConfigException
        || t instanceof CommandLine.ParameterException
        || t instanceof NoSuchFileException
        || t instanceof AccessDeniedException
        || t instanceof FileAlreadyExistsException;
  }

  /** One line: what failed, in words a user can act on. */
  static String message(Throwable t) {
    if (t instanceof NoSuchFileException e) {
      return "no such file: "
          + e.getFile()
          + (e.getReason() == null ? "" : " (" + e.getReason() + ")");
    }
    if (t instanceof AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (t instanceof FileAlreadyExistsException e) {
      return "file exists: " + e.getFile();
    }
    if (t instanceof ConfigException) {
      return "configuration: " + t.getMessage();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      Throwable c = t.getCause();
      return c != null && c != t ? message(c) : t.getClass().getSimpleName();
    }
    String line = m.lines().findFirst().orElse(m);
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // "Failed to construct kafka producer" says what, the root cause says why
    if (root != t && root.getMessage() != null && !line.contains(root.getMessage())) {
      line = line + ": " + root.getMessage().lines().findFirst().orElse("");
    }
    return line;
  }

  private static String prefix(CommandLine cmd) {
    return cmd.getCommandSpec().qualifiedName() + ": ";
  }

  private static boolean verbose(String[] args) {
    for (String a : args) {
      if (VERBOSE.equals(a)) {
        return true;
      }
    }
    return false;
  }
}
