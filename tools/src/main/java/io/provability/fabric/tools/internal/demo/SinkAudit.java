package io.provability.fabric.tools.internal.demo;

import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.sinks.audit.LogAuditor;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back what the sinks wrote — rows in the decision log, evidence logs in S3 — and audits them
 * with the log's own verifier key. What the demo summary and the end-to-end tests count with.
 */
public final class SinkAudit implements AutoCloseable {
  private final DecisionLog log;
  private final EvidenceStore store;
  private final EvidenceLogs logs;
  private final String bucket;

  /**
   * Opens read connections to the decision log and the evidence store, with the default log names.
   */
  public SinkAudit(StackEndpoints ep, String bucket) {
    this(ep, bucket, new EvidenceLogs("provability-fabric.local/evidence", "log"));
  }

  /** Opens read connections to the decision log and the evidence store. */
  public SinkAudit(StackEndpoints ep, String bucket, EvidenceLogs logs) {
    this.log =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(ep.jdbcUrl())
                .user(ep.jdbcUser())
                .password(ep.jdbcPassword())
                .poolMaxSize(2)
                .build(),
            Clock.systemUTC());
    this.store =
        EvidenceStore.open(
            EvidenceStoreConfig.builder()
                .endpoint(ep.s3Endpoint())
                .region(ep.s3Region())
                .bucket(bucket)
                .prefix(logs.keyPrefix())
                .accessKey(ep.s3AccessKey())
                .secretKey(ep.s3SecretKey())
                .pathStyle(true)
                .build());
    this.logs = logs;
    this.bucket = bucket;
  }

  public DecisionLogReader decisionLog() {
    return log.reader();
  }

  public EvidenceLogIndex evidenceLogIndex() {
    return log.evidenceLog();
  }

  public EvidenceStore evidenceStore() {
    return store;
  }

  public EvidenceLogs logs() {
    return logs;
  }

  /**
   * One evidence log as its latest recorded checkpoint describes it.
   *
   * @param origin the log's origin
   * @param size entries in its latest checkpoint
   * @param url where its objects are, {@code s3://<bucket>/<prefix>}
   */
  public record LogSummary(String origin, long size, String url) {}

  /**
   * @return every evidence log with a checkpoint
   */
  public List<LogSummary> logSummaries() {
    List<LogSummary> out = new ArrayList<>();
    for (String origin : log.evidenceLog().origins()) {
      if (logs.partitionOf(origin) < 0) {
        continue;
      }
      long size =
          log.evidenceLog().latest(origin).map(EvidenceLogIndex.CheckpointRow::size).orElse(0L);
      out.add(new LogSummary(origin, size, "s3://" + bucket + "/" + logs.prefixOf(origin)));
    }
    return out;
  }

  /**
   * @return the decisions included in the published checkpoints (rows of decision_evidence)
   */
  public long decisionsInLogs() {
    return log.reader().decisionEvidenceCount();
  }

  /** Audits every log and every row (the whole-log scope of {@code fabric audit verify}). */
  public AuditReport verifyLogs(NoteVerifier logKey, List<NoteVerifier> witnesses) {
    return verifyLogs(logKey, witnesses, AuditScope.all());
  }

  /** As above, over {@code scope} only. */
  public AuditReport verifyLogs(
      NoteVerifier logKey, List<NoteVerifier> witnesses, AuditScope scope) {
    return new LogAuditor(
            store,
            log.evidenceLog(),
            log.dataSource(),
            logs,
            List.of(logKey),
            witnesses,
            m -> {},
            Clock.systemUTC())
        .verify(scope);
  }

  @Override
  public void close() {
    store.close();
    log.close();
  }
}
