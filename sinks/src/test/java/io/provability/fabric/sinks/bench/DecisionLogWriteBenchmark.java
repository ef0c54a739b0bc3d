package io.provability.fabric.sinks.bench;

import io.provability.fabric.events.Decision;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.DecisionLogWriter;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares the two write modes of the decision log on a real PostgreSQL (a program, not a test):
 * {@code DecisionLogWriteBenchmark [rows] [batchSize] [rounds]}. Each round writes fresh decisions
 * in put()-sized calls of 500, then replays them (all duplicates), into a fresh database per mode.
 */
public final class DecisionLogWriteBenchmark {

  private DecisionLogWriteBenchmark() {}

  /**
   * @param args rows (default 50000), batch size (default 100), rounds (default 3)
   */
  public static void main(String[] args) throws IOException {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Instant now = Instant.now();
    List<DecisionLogWriter.EncodedDecision> decisions = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      Decision d = TestEvents.decision(i, now.minusMillis(i));
      decisions.add(new DecisionLogWriter.EncodedDecision(d, TestEvents.encode(d)));
    }
    try (PostgresFixture pg =
        PostgresFixture.start(Files.createTempDirectory("decision-log-bench-"))) {
      for (int round = 1; round <= rounds; round++) {
        for (DecisionLogConfig.WriteMode mode : DecisionLogConfig.WriteMode.values()) {
          try (DecisionLog log =
              DecisionLog.open(
                  DecisionLogConfig.builder()
                      .jdbcUrl(pg.newDatabase())
                      .user(pg.user())
                      .password(pg.password())
                      .batchSize(batch)
                      .writeMode(mode)
                      .maintenanceInterval(Duration.ZERO)
                      .build(),
                  Clock.systemUTC())) {
            double fresh = run(log, decisions);
            double replay = run(log, decisions);
            System.out.printf(
                "round %d %-16s batch %4d: new rows %,8.0f rows/s, replayed rows %,8.0f rows/s%n",
                round, mode, batch, fresh, replay);
          }
        }
      }
    }
  }

  private static double run(DecisionLog log, List<DecisionLogWriter.EncodedDecision> decisions) {
    long t0 = System.nanoTime();
    for (int from = 0; from < decisions.size(); from += 500) {
      log.writer().writeEncoded(decisions.subList(from, Math.min(decisions.size(), from + 500)));
    }
    return decisions.size() / ((System.nanoTime() - t0) / 1e9);
  }
}
