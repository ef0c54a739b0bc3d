package io.provability.fabric.topology.internal.logging;

import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.rewrite.RewritePolicy;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

/**
 * Turns ERROR lines of the libraries underneath that describe expected, self-healing events into
 * one WARN line that says so, without the stack trace: on-call reads ERROR as "act now", and these
 * need no act. Each rule names the library logger, a fragment of its message or its exception type,
 * and the sentence appended. Everything else passes unchanged.
 *
 * <p>Used in {@code log4j2.xml} as {@code <Rewrite><ExpectedEvents/></Rewrite>} around the console.
 */
@Plugin(
    name = "ExpectedEvents",
    category = "Core",
    elementType = "rewritePolicy",
    printObject = true)
public final class ExpectedEventsPolicy implements RewritePolicy {

  /** One known harmless event. */
  record Rule(String loggerPrefix, String fragment, String because) {
    boolean matches(LogEvent e) {
      if (!e.getLoggerName().startsWith(loggerPrefix)) {
        return false;
      }
      if (e.getMessage() != null && e.getMessage().getFormattedMessage().contains(fragment)) {
        return true;
      }
      for (Throwable t = e.getThrown(); t != null; t = t.getCause()) {
        if (t.getClass().getSimpleName().equals(fragment)
            || String.valueOf(t.getMessage()).contains(fragment)) {
          return true;
        }
      }
      return false;
    }
  }

  static final List<Rule> RULES =
      List.of(
          new Rule(
              "org.apache.kafka.streams",
              "TaskCorruptedException",
              "Expected after an instance was killed under exactly-once: the task's local state is wiped and "
                  + "restored from its changelog, by itself"),
          new Rule(
              "org.apache.kafka.connect.runtime.Worker",
              "failed to properly shut down",
              "Expected while the broker is unreachable: the connector stops once it answers again, and the sink "
                  + "supervisor restarts whatever failed"),
          new Rule(
              "org.apache.kafka.connect.runtime.WorkerTask",
              "will not recover until manually restarted",
              "Not so here: the sink supervisor restarts this worker's FAILED tasks with backoff and logs the cause "
                  + "once per outage"),
          new Rule(
              "org.apache.kafka.connect.runtime.WorkerSinkTask",
              "RetriableException from SinkTask",
              "Expected while a sink's server is unavailable: the batch is redelivered until it is back, nothing is lost"),
          new Rule(
              "org.apache.kafka.connect.runtime.Worker",
              "Graceful stop of task",
              "Expected when the sink tasks move while the broker or another instance is away: the task is cancelled, "
                  + "and its successor resumes from the last committed offset (an evidence log from its last recorded "
                  + "checkpoint), writing nothing twice"),
          new Rule(
              "org.apache.kafka.connect.runtime.WorkerSinkTask",
              "RetriableCommitFailedException",
              "Expected while the broker is unreachable: the offsets are committed at the next attempt, and records "
                  + "after the last committed offset are written again, idempotently"));

  private ExpectedEventsPolicy() {}

  /** Log4j's factory. */
  @PluginFactory
  public static ExpectedEventsPolicy create() {
    return new ExpectedEventsPolicy();
  }

  @Override
  public LogEvent rewrite(LogEvent source) {
    if (!source.getLevel().isMoreSpecificThan(Level.ERROR)) {
      return source;
    }
    for (Rule rule : RULES) {
      if (rule.matches(source)) {
        Throwable t = source.getThrown();
        String cause =
            t == null
                ? ""
                : " (" + t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()) + ")";
        return new Log4jLogEvent.Builder(source)
            .setLevel(Level.WARN)
            .setMessage(
                new SimpleMessage(
                    firstLine(source.getMessage().getFormattedMessage())
                        + cause
                        + ". "
                        + rule.because()
                        + "."))
            .setThrown(null)
            .build();
      }
    }
    return source;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
