package io.provability.fabric.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code fabric keys generate --format note} and {@code fabric witness --once} against a real S3
 * server: the first round cosigns (exit 0), a rolled-back checkpoint is refused (exit 1, the reason
 * on stderr), and a bad config is one line (exit 2).
 */
class WitnessCommandTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FabricCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void witnessCosignsThenRefusesARollback() throws Exception {
    Path key = dir.resolve("witness.key");
    Run generated =
        run(
            "keys",
            "generate",
            "--format",
            "note",
            "--key-id",
            "witness.test/w1",
            "--out",
            key.toString());
    assertThat(generated.code()).isZero();
    assertThat(generated.out())
        .contains("vkey witness.test/w1+")
        .contains("cosignature vkey witness.test/w1+");

    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new TransientNio2BlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
            .build();
    proxy.start();
    try {
      while (!"STARTED".equals(proxy.getState())) {
        Thread.onSpinWait();
      }
      URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
      try (S3Client s3 =
          S3Client.builder()
              .httpClient(Apache5HttpClient.builder().build())
              .endpointOverride(endpoint)
              .forcePathStyle(true)
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")))
              .build()) {
        s3.createBucket(b -> b.bucket("evidence"));
        NoteSigner logKey = NoteSigner.fromSeed("cli.example/evidence/0", new byte[32]);
        TileLogAppender log = new TileLogAppender();
        byte[] small = appendAndPublish(s3, log, logKey, 10);
        appendAndPublish(s3, log, logKey, 20);

        Path config = dir.resolve("witness.properties");
        Files.writeString(
            config,
            String.join(
                "\n",
                "witness.logs=cli.example/evidence/0=logs/0",
                "witness.log.keys=" + logKey.verifier().vkey(),
                "witness.state.file=" + dir.resolve("state.json"),
                "s3.endpoint=" + endpoint,
                "s3.access.key=access",
                "s3.secret.key=secret",
                "s3.bucket=evidence",
                ""));
        Run first =
            run("witness", "--config", config.toString(), "--key", key.toString(), "--once");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("COSIGNED cli.example/evidence/0: cosigned size 30");

        s3.putObject(
            b -> b.bucket("evidence").key("logs/0/checkpoint"), RequestBody.fromBytes(small));
        Run rollback =
            run("witness", "--config", config.toString(), "--key", key.toString(), "--once");
        assertThat(rollback.code()).isEqualTo(1);
        assertThat(rollback.err())
            .contains("ROLLBACK cli.example/evidence/0: checkpoint size 10 is below the size 30");
      }
    } finally {
      proxy.stop();
    }
  }

  @Test
  void badConfigIsOneLine() throws Exception {
    Path config = dir.resolve("bad.properties");
    Files.writeString(config, "witness.logs=nonsense\nwitness.log.keys=x\nwitness.state.file=s\n");
    Path key = dir.resolve("k");
    Files.writeString(key, "w=" + Base64.getEncoder().encodeToString(new byte[32]));
    Run bad = run("witness", "--config", config.toString(), "--key", key.toString(), "--once");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err().strip())
        .startsWith("fabric witness: ")
        .contains("witness.logs")
        .doesNotContain("\n\tat ");
  }

  private static byte[] appendAndPublish(
      S3Client s3, TileLogAppender log, NoteSigner key, int count) {
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(("entry " + (log.size() + i)).getBytes(StandardCharsets.UTF_8));
    }
    TileLogAppender.AppendResult result = log.append(entries);
    result
        .writes()
        .forEach(
            (path, bytes) ->
                s3.putObject(
                    b -> b.bucket("evidence").key("logs/0/" + path), RequestBody.fromBytes(bytes)));
    byte[] note = SignedNote.sign(result.checkpoint("cli.example/evidence/0").body(), key).encode();
    s3.putObject(b -> b.bucket("evidence").key("logs/0/checkpoint"), RequestBody.fromBytes(note));
    return note;
  }
}
