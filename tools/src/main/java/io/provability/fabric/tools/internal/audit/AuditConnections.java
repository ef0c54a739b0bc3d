package io.provability.fabric.tools.internal.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.sinks.audit.LogAuditor;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Read-only connections for auditors: a small read-only pool on the decision-log database (no
 * schema migration, no partition maintenance, unlike the sink's {@code DecisionLog}) and the
 * evidence bucket opened without creating it or touching its lifecycle rules. Nothing here writes.
 */
public final class AuditConnections implements AutoCloseable {
  private final HikariDataSource pool;
  private final EvidenceStore store;
  private final EvidenceLogs logs;

  private AuditConnections(HikariDataSource pool, EvidenceStore store, EvidenceLogs logs) {
    this.pool = pool;
    this.store = store;
    this.logs = logs;
  }

  /**
   * @param cfg the configuration (bucket name, log names)
   * @param ep the endpoints of the deployment audited
   * @return open connections
   */
  public static AuditConnections open(FabricConfig cfg, StackEndpoints ep) {
    HikariConfig h = new HikariConfig();
    h.setPoolName("fabric-audit");
    h.setJdbcUrl(ep.jdbcUrl());
    if (ep.jdbcUser() != null && !ep.jdbcUser().isEmpty()) {
      h.setUsername(ep.jdbcUser());
    }
    if (ep.jdbcPassword() != null && !ep.jdbcPassword().isEmpty()) {
      h.setPassword(ep.jdbcPassword());
    }
    h.setReadOnly(true);
    h.setMaximumPoolSize(2);
    h.setMinimumIdle(0);
    h.addDataSourceProperty("ApplicationName", "fabric-audit");
    HikariDataSource pool = new HikariDataSource(h);
    try {
      EvidenceLogs logs = logs(cfg);
      EvidenceStore store =
          EvidenceStore.open(
              EvidenceStoreConfig.builder()
                  .endpoint(ep.s3Endpoint())
                  .region(ep.s3Region())
                  .bucket(cfg.getString(FabricConfig.S3_BUCKET_CONFIG))
                  .accessKey(ep.s3AccessKey())
                  .secretKey(ep.s3SecretKey())
                  .pathStyle(true)
                  .prefix(logs.keyPrefix())
                  .createBucket(false)
                  .lifecycleEnabled(false)
                  .build());
      return new AuditConnections(pool, store, logs);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** The evidence logs' names a configuration gives. */
  public static EvidenceLogs logs(FabricConfig cfg) {
    return new EvidenceLogs(
        cfg.getString(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG),
        cfg.getString(FabricConfig.EVIDENCE_LOG_PREFIX_CONFIG));
  }

  /**
   * @return an auditor over these connections
   */
  public LogAuditor auditor(
      List<NoteVerifier> logKeys, List<NoteVerifier> witnessKeys, Consumer<String> progress) {
    return new LogAuditor(
        store,
        EvidenceLogIndex.reader(pool),
        pool,
        logs,
        logKeys,
        witnessKeys,
        progress,
        Clock.systemUTC());
  }

  /**
   * @return the evidence bucket
   */
  public EvidenceStore store() {
    return store;
  }

  /**
   * @return the decision-log database (read-only pool)
   */
  public DataSource dataSource() {
    return pool;
  }

  /**
   * @return the logs' rows, read only
   */
  public EvidenceLogIndex index() {
    return EvidenceLogIndex.reader(pool);
  }

  /**
   * @return the logs' names
   */
  public EvidenceLogs logs() {
    return logs;
  }

  /**
   * The trusted log verifier keys: {@code audit.evidence.keys.file}, or the given override; one
   * signed-note vkey per line, {@code #} comments.
   *
   * @throws IOException when the file does not exist, cannot be read, or holds a malformed key (the
   *     message says how to make one)
   */
  public static List<NoteVerifier> trustedLogKeys(FabricConfig cfg, Path override)
      throws IOException {
    Path file = override != null ? override : cfg.auditEvidenceKeysFile();
    if (!Files.exists(file)) {
      throw new IOException(
          "trusted evidence log keys "
              + file
              + " do not exist ("
              + FabricConfig.AUDIT_EVIDENCE_KEYS_CONFIG
              + "); create the file from the log signing key with 'fabric audit trust --key "
              + cfg.evidenceKeyFile()
              + " --ring "
              + file
              + "', or ask the operator for the log's verifier key");
    }
    List<NoteVerifier> keys = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      try {
        keys.add(NoteVerifier.parse(t));
      } catch (TlogException e) {
        throw new IOException(file + " line " + n + ": not a verifier key: " + e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      throw new IOException(file + " holds no verifier key");
    }
    return keys;
  }

  /** Parses witness keys given on the command line. */
  public static List<NoteVerifier> witnessKeys(List<String> vkeys) throws IOException {
    List<NoteVerifier> out = new ArrayList<>();
    for (String v : vkeys) {
      try {
        NoteVerifier k = NoteVerifier.parse(v);
        if (!k.isCosignature()) {
          throw new IOException("--witness-key " + v + " is not a cosignature/v1 key (type 0x04)");
        }
        out.add(k);
      } catch (TlogException e) {
        throw new IOException("--witness-key " + v + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The verifier key of the log signing key file, named as the configuration names the logs. */
  public static NoteVerifier verifierOf(FabricConfig cfg, Path signingKeyFile) throws IOException {
    return NoteSigner.fromSeed(
            cfg.getString(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG),
            KeyFiles.read(signingKeyFile).seed())
        .verifier();
  }

  @Override
  public void close() {
    store.close();
    pool.close();
  }
}
