package io.provability.fabric.topology.internal.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

class ExpectedEventsPolicyTest {
  private final ExpectedEventsPolicy policy = ExpectedEventsPolicy.create();

  private static LogEvent event(String logger, Level level, String message, Throwable thrown) {
    return Log4jLogEvent.newBuilder()
        .setLoggerName(logger)
        .setLevel(level)
        .setMessage(new SimpleMessage(message))
        .setThrown(thrown)
        .build();
  }

  @Test
  void aCorruptedTaskAfterAKillBecomesOneWarnLineSayingItRecoversByItself() {
    TaskCorruptedException e = new TaskCorruptedException(Set.of(new TaskId(0, 1)));
    LogEvent out =
        policy.rewrite(
            event(
                "org.apache.kafka.streams.processor.internals.StreamThread",
                Level.ERROR,
                "stream-thread [x] Encountered a corrupted task",
                e));
    assertThat(out.getLevel()).isEqualTo(Level.WARN);
    assertThat(out.getThrown()).isNull();
    assertThat(out.getMessage().getFormattedMessage())
        .startsWith("stream-thread [x] Encountered a corrupted task (TaskCorruptedException: ")
        .endsWith("restored from its changelog, by itself.");
  }

  @Test
  void connectsShutdownComplaintDuringABrokerOutageIsAWarning() {
    LogEvent out =
        policy.rewrite(
            event(
                "org.apache.kafka.connect.runtime.Worker",
                Level.ERROR,
                "Connector 'x' failed to properly shut down, has become unresponsive, and may be consuming external "
                    + "resources. Correct the configuration for this connector or remove the connector.",
                null));
    assertThat(out.getLevel()).isEqualTo(Level.WARN);
    assertThat(out.getMessage().getFormattedMessage())
        .contains("Expected while the broker is unreachable");
  }

  @Test
  void connectsComplaintsWhenTasksMoveOrCommitsFailDuringABrokerOutageAreWarnings() {
    LogEvent stop =
        policy.rewrite(
            event(
                "org.apache.kafka.connect.runtime.Worker",
                Level.ERROR,
                "Graceful stop of task fabric-sinks-decision-log-sink-0 failed.",
                null));
    assertThat(stop.getLevel()).isEqualTo(Level.WARN);
    assertThat(stop.getMessage().getFormattedMessage())
        .contains("its successor resumes from the last committed offset");
    LogEvent commit =
        policy.rewrite(
            event(
                "org.apache.kafka.connect.runtime.WorkerSinkTask",
                Level.ERROR,
                "WorkerSinkTask{id=x-0} Commit of offsets threw an unexpected exception for sequence number 13: {...}",
                new RetriableCommitFailedException(
                    "Offset commit failed with a retriable exception.")));
    assertThat(commit.getLevel()).isEqualTo(Level.WARN);
    assertThat(commit.getThrown()).isNull();
    assertThat(commit.getMessage().getFormattedMessage())
        .contains("(RetriableCommitFailedException: ")
        .contains("committed at the next attempt");
    // a commit failing for another reason stays an error
    LogEvent other =
        event(
            "org.apache.kafka.connect.runtime.WorkerSinkTask",
            Level.ERROR,
            "WorkerSinkTask{id=x-0} Commit of offsets threw an unexpected exception",
            new IllegalStateException("boom"));
    assertThat(policy.rewrite(other)).isSameAs(other);
  }

  @Test
  void otherErrorsAndOtherLevelsPassUnchanged() {
    LogEvent error =
        event(
            "org.apache.kafka.streams.KafkaStreams",
            Level.ERROR,
            "something else",
            new IllegalStateException("boom"));
    assertThat(policy.rewrite(error)).isSameAs(error);
    LogEvent info =
        event(
            "org.apache.kafka.connect.runtime.Worker",
            Level.INFO,
            "failed to properly shut down",
            null);
    assertThat(policy.rewrite(info)).isSameAs(info);
    LogEvent ours = event("io.provability.fabric.X", Level.ERROR, "TaskCorruptedException", null);
    assertThat(policy.rewrite(ours)).isSameAs(ours);
  }

  @Test
  void unrelatedTopicPartitionTypesDoNotConfuseTheMatcher() {
    LogEvent e =
        event(
            "org.apache.kafka.streams.processor.internals.TaskManager",
            Level.ERROR,
            "failed on " + new TopicPartition("t", 0),
            new RuntimeException("wrapped", new TaskCorruptedException(Set.of())));
    assertThat(policy.rewrite(e).getLevel()).isEqualTo(Level.WARN);
  }
}
