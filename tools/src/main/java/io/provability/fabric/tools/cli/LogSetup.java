package io.provability.fabric.tools.cli;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Where log lines go when a command runs the servers in its own JVM (embedded mode). The servers
 * and libraries underneath (Kafka, Connect, S3Proxy, Jetty) warn about transient states that are
 * part of a correct start (a partition leader not elected yet, a retriable transaction error); on a
 * console those read as failures. In embedded mode they go to a file in the work directory instead,
 * which a failure message points to. {@code --verbose} leaves everything on the console.
 */
final class LogSetup {
  private static final String CONSOLE = "stderr";
  private static final String OURS = "io.provability";

  private LogSetup() {}

  /**
   * The embedded S3 server (S3Proxy) implements no bucket lifecycle; the evidence store's warning
   * about that is meant for a real object store, so on the embedded stack it goes to the file only.
   */
  private static final String EMBEDDED_ONLY_WARNINGS =
      "io.provability.fabric.sinks.evidence.EvidenceStore";

  /**
   * Library log lines go to {@code file} only; this application's stay on the console and go to the
   * file too.
   */
  static void libraryLogsTo(Path file) {
    route(file, true);
    if (LogManager.getContext(false) instanceof LoggerContext ctx) {
      Configuration config = ctx.getConfiguration();
      LoggerConfig store = new LoggerConfig(EMBEDDED_ONLY_WARNINGS, Level.INFO, false);
      store.addAppender(config.getAppender("file"), null, null);
      config.addLogger(EMBEDDED_ONLY_WARNINGS, store);
      ctx.updateLoggers();
    }
  }

  /**
   * Every log line goes to {@code file} only: the console shows a command's own output (progress,
   * summary).
   */
  static void allLogsTo(Path file) {
    route(file, false);
  }

  private static void route(Path file, boolean oursOnConsole) {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
      return; // another logging backend: leave it alone
    }
    Configuration config = ctx.getConfiguration();
    Appender console = config.getAppender(CONSOLE);
    Appender toFile =
        FileAppender.newBuilder()
            .setName("file")
            .withFileName(file.toAbsolutePath().toString())
            .withAppend(true)
            .setLayout(
                PatternLayout.newBuilder()
                    .withPattern("%d{ISO8601} %-5level [%t] %c{1} - %msg%n")
                    .build())
            .setConfiguration(config)
            .build();
    toFile.start();
    config.addAppender(toFile);
    LoggerConfig root = config.getRootLogger();
    root.removeAppender(CONSOLE);
    root.addAppender(toFile, null, null);
    LoggerConfig ours = config.getLoggerConfig(OURS);
    if (ours.getName().equals(OURS)) {
      ours.setAdditive(false);
      ours.removeAppender(CONSOLE);
      ours.addAppender(toFile, null, null);
      if (oursOnConsole && console != null) {
        ours.addAppender(console, null, null);
      }
    }
    ctx.updateLoggers();
  }

  /** Whether the command line asked for {@code --verbose} (an option every command inherits). */
  static boolean verbose(picocli.CommandLine.Model.CommandSpec spec) {
    picocli.CommandLine.ParseResult parsed = spec.root().commandLine().getParseResult();
    return parsed != null && parsed.originalArgs().contains(CliErrors.VERBOSE);
  }
}
