package io.provability.fabric.tests.bench;

import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.schemas.tlog.TileReader;
import io.provability.fabric.sinks.witness.S3LogStorage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The tiled evidence log's own cost, as a program (not a test): {@code N} entries of about 600
 * bytes go through {@link TileLogAppender} in batches (one batch = what a sequencer integrates
 * between two checkpoints), first in memory alone, then with every object and a signed checkpoint
 * per batch PUT to S3Proxy (in this JVM, file-system store in a temporary directory), PUTs one at a
 * time. Reports entries per second, S3 PUTs and bytes per 1,000 entries, and then the auditor's
 * side: the whole log re-read and every tile recomputed ({@link TileReader#verifyAll}).
 *
 * <pre>
 * mvn -q -o install -DskipTests
 * mvn -q -o -pl tests test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/tlog-bench.cp -Dmdep.includeScope=test
 * java -Xmx2g -cp tests/target/test-classes:tests/target/classes:$(cat /tmp/tlog-bench.cp) \
 *     io.provability.fabric.tests.bench.TlogBenchmark [entries=1000000] [entry bytes=600] \
 *     [entries per checkpoint=1000] [s3|memory]
 * </pre>
 *
 * <p>The entries per checkpoint stand for the rate times the checkpoint interval (1,000 = 1,000
 * decisions/s with a checkpoint every second): each checkpoint rewrites the partial bundle and the
 * partial tiles of its size, so fewer, larger batches need fewer PUTs per entry.
 */
public final class TlogBenchmark {
  private static final String ORIGIN = "bench.provability.example/evidence/0";
  private static final String PREFIX = "evidence-log/0";

  private TlogBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int entryBytes = args.length > 1 ? Integer.parseInt(args[1]) : 600;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    boolean s3 = args.length <= 3 || args[3].equals("s3");
    List<byte[]> entries = entries(count, entryBytes);
    NoteSigner key = NoteSigner.fromSeed(ORIGIN, new byte[32]);
    System.out.printf(
        "tlog benchmark: %,d entries of %d bytes, %,d entries per checkpoint%n",
        count, entryBytes, batch);

    Totals memory = run(entries, batch, key, (path, bytes) -> {});
    memory.print("appender + checkpoint signing, in memory");
    if (!s3) {
      return;
    }
    Path dir = Files.createTempDirectory("tlog-bench-");
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(dir.toString()))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "bench", "bench-secret")
            .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.onSpinWait();
    }
    S3Client client =
        S3Client.builder()
            .httpClient(Apache5HttpClient.builder().build())
            .endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("bench", "bench-secret")))
            .build();
    client.createBucket(b -> b.bucket("tlog-bench"));
    try (S3LogStorage storage = new S3LogStorage(client, "tlog-bench")) {
      Totals stored =
          run(entries, batch, key, (path, bytes) -> storage.put(PREFIX + "/" + path, bytes));
      stored.print("appender + signing + S3 PUTs (S3Proxy, one PUT at a time)");

      long t0 = System.nanoTime();
      Checkpoint checkpoint =
          SignedNote.open(
                  storage.get(PREFIX + "/checkpoint").orElseThrow(), List.of(key.verifier()))
              .checkpoint();
      TileReader reader =
          new TileReader(path -> storage.get(PREFIX + "/" + path), checkpoint.size());
      var mismatches = reader.verifyAll(checkpoint.rootHash(), (i, e) -> {});
      double sec = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "audit: re-read %,d entries and recomputed every tile from S3 in %.1f s = %,.0f entries/s,"
              + " %d mismatches%n",
          checkpoint.size(), sec, checkpoint.size() / sec, mismatches.size());
    } finally {
      proxy.stop();
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private interface Sink {
    void put(String path, byte[] bytes) throws Exception;
  }

  private record Totals(long entries, long puts, long bytes, long entryBytes, double seconds) {
    void print(String what) {
      System.out.printf(
          "%s: %,.0f entries/s; %.1f PUTs and %,.0f bytes per 1,000 entries"
              + " (entries themselves: %,.0f bytes per 1,000); %.1f s%n",
          what,
          entries / seconds,
          puts * 1000.0 / entries,
          bytes * 1000.0 / entries,
          entryBytes * 1000.0 / entries,
          seconds);
    }
  }

  private static Totals run(List<byte[]> entries, int batch, NoteSigner key, Sink sink)
      throws Exception {
    TileLogAppender appender = new TileLogAppender();
    long puts = 0;
    long bytes = 0;
    long entryBytes = 0;
    long t0 = System.nanoTime();
    for (int from = 0; from < entries.size(); from += batch) {
      List<byte[]> chunk = entries.subList(from, Math.min(entries.size(), from + batch));
      for (byte[] e : chunk) {
        entryBytes += e.length;
      }
      TileLogAppender.AppendResult result = appender.append(chunk);
      for (Map.Entry<String, byte[]> write : result.writes().entrySet()) {
        sink.put(write.getKey(), write.getValue());
        puts++;
        bytes += write.getValue().length;
      }
      byte[] note = SignedNote.sign(result.checkpoint(ORIGIN).body(), key).encode();
      sink.put("checkpoint", note);
      puts++;
      bytes += note.length;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Totals(entries.size(), puts, bytes, entryBytes, seconds);
  }

  /**
   * Entries of about {@code size} bytes: mostly random, as canonical decisions and requests are.
   */
  private static List<byte[]> entries(int count, int size) {
    Random random = new Random(42);
    List<byte[]> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] e = new byte[size - 50 + random.nextInt(101)];
      random.nextBytes(e);
      byte[] id = ("decision-" + i).getBytes(StandardCharsets.UTF_8);
      System.arraycopy(id, 0, e, 0, Math.min(id.length, e.length));
      out.add(Arrays.copyOf(e, e.length));
    }
    return out;
  }
}
