package io.provability.fabric.sinks.audit;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.evidence.LogSequencer;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The sequencer in a process of its own, for {@link SequencerKillTest} to SIGKILL: it opens the log
 * where its last recorded checkpoint left it, reads the deterministic "partition" of {@link
 * SequencerKillTest#entry} from there, and publishes every {@code every} entries (not a multiple of
 * 256, so that most publishes end inside a tile and write partial tiles and bundles), printing
 * {@code published <size>} after each and {@code done <size>} at the end.
 *
 * <p>Arguments: S3 endpoint, access key, secret key, bucket, JDBC URL, database user, database
 * password, entries, publish every.
 */
public final class SequencerChild {
  private SequencerChild() {}

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    String accessKey = args[1];
    String secretKey = args[2];
    String bucket = args[3];
    String jdbcUrl = args[4];
    String user = args[5];
    String password = args[6];
    int total = Integer.parseInt(args[7]);
    int every = Integer.parseInt(args[8]);
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try (DecisionLog db =
            DecisionLog.open(
                DecisionLogConfig.builder()
                    .jdbcUrl(jdbcUrl)
                    .user(user)
                    .password(password)
                    .poolMaxSize(2)
                    .build(),
                Clock.systemUTC());
        EvidenceStore store =
            EvidenceStore.open(
                EvidenceStoreConfig.builder()
                    .endpoint(endpoint)
                    .region(S3Service.REGION)
                    .bucket(bucket)
                    .accessKey(accessKey)
                    .secretKey(secretKey)
                    .build())) {
      LogSequencer seq =
          LogSequencer.open(
              SequencerKillTest.LOGS,
              "fabric.evidence",
              0,
              store,
              db.evidenceLog(),
              SequencerKillTest.SIGNER,
              Clock.systemUTC(),
              writers,
              s -> {});
      System.out.println("opened " + seq.size());
      for (long i = seq.nextOffset(); i < total; i++) {
        seq.add(i, SequencerKillTest.entry((int) i));
        if ((i + 1) % every == 0 || i + 1 == total) {
          seq.publish();
          System.out.println("published " + seq.size());
        }
      }
      System.out.println("done " + seq.size());
    } finally {
      writers.shutdownNow();
    }
  }
}
