package io.provability.fabric.sinks.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness against a real S3 server (S3Proxy), configured from a properties map as the CLI does.
 */
class WitnessS3Test {

  @Test
  void cosignsALogInS3(@TempDir Path dir, @TempDir Path s3Dir) throws Exception {
    try (S3Service s3 = S3Service.start(s3Dir, Duration.ofSeconds(60))) {
      // the evidence store creates its bucket, as the sequencer does before a witness reads it
      EvidenceStore.open(
              EvidenceStoreConfig.builder()
                  .endpoint(URI.create(s3.endpoint()))
                  .region(S3Service.REGION)
                  .bucket("witness-test")
                  .accessKey(s3.accessKey())
                  .secretKey(s3.secretKey())
                  .build())
          .close();
      NoteSigner logKey = NoteSigner.fromSeed("s3.example/evidence/0", new byte[32]);
      WitnessConfig config =
          WitnessConfig.parse(
              Map.of(
                  "witness.logs",
                  "s3.example/evidence/0=logs/0",
                  "witness.log.keys",
                  logKey.verifier().vkey(),
                  "witness.state.file",
                  dir.resolve("state.json").toString(),
                  "s3.endpoint",
                  s3.endpoint(),
                  "s3.access.key",
                  s3.accessKey(),
                  "s3.secret.key",
                  s3.secretKey(),
                  "s3.bucket",
                  "witness-test"));
      Path keyFile = dir.resolve("witness.key");
      Files.writeString(
          keyFile, "witness.test/w1=" + Base64.getEncoder().encodeToString(new byte[32]));
      NoteSigner witnessKey = WitnessConfig.readKey(keyFile);
      try (S3LogStorage storage = new S3LogStorage(config.s3())) {
        TileLogAppender log = new TileLogAppender();
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
          entries.add(("entry " + i).getBytes(StandardCharsets.UTF_8));
        }
        TileLogAppender.AppendResult result = log.append(entries);
        result.writes().forEach((path, bytes) -> storage.put("logs/0/" + path, bytes));
        storage.put(
            "logs/0/checkpoint",
            SignedNote.sign(result.checkpoint("s3.example/evidence/0").body(), logKey).encode());
        Witness witness =
            new Witness(
                config.logs(),
                config.logKeys(),
                witnessKey,
                Clock.systemUTC(),
                storage,
                WitnessState.load(config.stateFile()));
        assertThat(witness.checkOnce())
            .extracting(WitnessResult::outcome)
            .containsExactly(WitnessResult.Outcome.COSIGNED);
        assertThat(storage.get("logs/0/witness/witness.test/w1/checkpoint")).isPresent();
        assertThat(Files.readString(config.stateFile())).contains("\"size\" : 600");
      }
    }
  }
}
