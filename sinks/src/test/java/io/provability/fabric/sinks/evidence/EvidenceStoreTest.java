package io.provability.fabric.sinks.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.sinks.evidence.internal.EntryObjects;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceStoreTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static S3Service s3proxy;

  private EvidenceStore store;

  @BeforeAll
  static void startS3Proxy(@TempDir Path dir) throws Exception {
    s3proxy = S3Service.start(dir, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopS3Proxy() {
    s3proxy.close();
  }

  @BeforeEach
  void openStore() {
    store =
        EvidenceStore.open(
            EvidenceStoreConfig.builder()
                .endpoint(URI.create(s3proxy.endpoint()))
                .region(S3Service.REGION)
                .bucket("evidence-" + BUCKETS.incrementAndGet())
                .accessKey(s3proxy.accessKey())
                .secretKey(s3proxy.secretKey())
                .build());
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void objectsAreStoredAsRawBytesAndAMissingOneIsEmpty() {
    byte[] tile = new byte[32 * 256];
    Arrays.fill(tile, (byte) 7);
    long processPuts = S3Requests.count(S3Requests.Kind.PUT);
    long processGets = S3Requests.count(S3Requests.Kind.GET);
    store.put("log/0/tile/0/000", tile);
    store.put("log/0/tile/0/000", tile); // a sequencer's retry writes the same bytes again

    assertThat(store.get("log/0/tile/0/000"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(tile));
    assertThat(store.get("log/0/tile/0/001")).isEmpty();
    assertThat(store.list("log/0/")).containsExactly("log/0/tile/0/000");
    assertThat(store.requests()).containsEntry("PUT", 2L).containsEntry("GET", 2L);
    // the JVM-wide count (the instance's fabric_s3_requests_total) saw the same requests
    assertThat(S3Requests.count(S3Requests.Kind.PUT) - processPuts).isEqualTo(2L);
    assertThat(S3Requests.count(S3Requests.Kind.GET) - processGets).isEqualTo(2L);
  }

  @Test
  void entryObjectsAreLz4FramesNamedByTheHashOfTheirContent() {
    byte[] request = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);
    byte[] hash = Sha256.digest(request);
    byte[] stored = EntryObjects.encode(request);

    assertThat(EntryObjects.path(hash)).startsWith("objects/").hasSize("objects/".length() + 64);
    assertThat(stored.length).isLessThan(request.length / 10);
    assertThat(EntryObjects.encode(request))
        .isEqualTo(stored); // deterministic: a retry writes the same bytes
    assertThat(EntryObjects.decode(stored, hash)).isEqualTo(request);
    byte[] other = Sha256.digest(new byte[] {1});
    Assertions.assertThatThrownBy(() -> EntryObjects.decode(stored, other))
        .hasMessageContaining("does not hash to its name");
  }

  @Test
  void s3ProxyHasNoLifecycleSupportAndTheStoreSaysSo() {
    LifecycleStatus status = store.lifecycle();

    assertThat(status.supported()).isFalse();
    assertThat(status.applied()).isFalse();
    assertThat(status.detail()).contains("does not implement bucket lifecycle");
    assertThat(status.transitionDays()).isEqualTo(30);
    assertThat(status.expirationDays()).isEqualTo(2555);
    store.put("log/0/checkpoint", new byte[] {1}); // and the store still works
    assertThat(store.get("log/0/checkpoint")).isPresent();
  }
}
