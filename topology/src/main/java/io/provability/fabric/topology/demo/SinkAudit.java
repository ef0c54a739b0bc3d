package io.provability.fabric.topology.demo;

import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader;
import io.provability.fabric.sinks.evidence.BundleObject;
import io.provability.fabric.sinks.evidence.BundleVerification;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.topology.embedded.StackEndpoints;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back what the sinks wrote — rows in the decision log, bundles in the evidence store — and
 * re-verifies every bundle from its bytes alone. What the demo summary and the end-to-end tests
 * count with.
 */
public final class SinkAudit implements AutoCloseable {
  private final DecisionLog log;
  private final EvidenceStore store;

  /** Opens read connections to the decision log and the evidence store. */
  public SinkAudit(StackEndpoints ep, String bucket) {
    this.log = DecisionLog.open(DecisionLogConfig.builder()
        .jdbcUrl(ep.jdbcUrl()).user(ep.jdbcUser()).password(ep.jdbcPassword()).poolMaxSize(2).build(),
        Clock.systemUTC());
    this.store = EvidenceStore.open(EvidenceStoreConfig.builder()
        .endpoint(ep.s3Endpoint()).region(ep.s3Region()).bucket(bucket)
        .accessKey(ep.s3AccessKey()).secretKey(ep.s3SecretKey()).pathStyle(true).build());
  }

  public DecisionLogReader decisionLog() {
    return log.reader();
  }

  public EvidenceStore evidenceStore() {
    return store;
  }

  /** Outcome of re-verifying every stored bundle. */
  public record Verification(int objects, int verified, List<String> problems) {}

  /** Reads every bundle object and re-verifies its leaves, root and key. */
  public Verification verifyAllBundles() {
    List<BundleObject> objects = store.list();
    List<String> problems = new ArrayList<>();
    int ok = 0;
    for (BundleObject o : objects) {
      BundleVerification v = store.verify(o.key());
      if (v.ok()) {
        ok++;
      } else {
        problems.add(v.summary());
      }
    }
    return new Verification(objects.size(), ok, problems);
  }

  @Override
  public void close() {
    store.close();
    log.close();
  }
}
