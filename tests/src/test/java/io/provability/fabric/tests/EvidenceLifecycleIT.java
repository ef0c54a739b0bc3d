package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.evidence.LifecycleStatus;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;

/**
 * The evidence bucket's lifecycle rule (transition after 30 days, expiry after 2555 days), applied
 * by {@link EvidenceStore#open} and read back, against an S3 server that implements bucket
 * lifecycle. S3Proxy, the embedded stack's S3 server, answers 501 to lifecycle requests, so this
 * test starts Adobe S3Mock as a separate JVM (its classpath resolved from {@code
 * infra/s3mock/pom.xml} by Maven, which this test runs). The rule's effect over time (objects
 * actually transitioned or expired) is not observable on any server here; the rule's presence and
 * values are.
 *
 * <p>Skipped in external mode: it uses a server of its own, not the configured endpoints.
 */
class EvidenceLifecycleIT {
  private static final Duration START_PATIENCE = Duration.ofMinutes(3);

  private static FabricProcess s3mock;
  private static URI endpoint;
  private static Path work;

  @BeforeAll
  static void startS3Mock() throws Exception {
    assumeFalse(
        TestEnvironment.external(),
        "EvidenceLifecycleIT runs its own S3Mock; skipped in external mode");
    Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    work = Files.createTempDirectory("fabric-lifecycle-it-");
    Path classpath = work.resolve("s3mock.classpath");
    Process resolve =
        new ProcessBuilder(
                "mvn",
                "-q",
                "-B",
                "-ntp",
                "-f",
                root.resolve("infra/s3mock/pom.xml").toString(),
                "dependency:build-classpath",
                "-Dmdep.outputFile=" + classpath)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("resolve.log").toFile())
            .start();
    assertThat(resolve.waitFor(5, TimeUnit.MINUTES))
        .as("resolving S3Mock's classpath finished")
        .isTrue();
    assertThat(resolve.exitValue())
        .as("mvn dependency:build-classpath for S3Mock; see " + work.resolve("resolve.log"))
        .isZero();

    int port = freePort();
    endpoint = URI.create("http://127.0.0.1:" + port);
    Path log = work.resolve("s3mock.log");
    s3mock =
        FabricProcess.java(Files.readString(classpath).strip())
            .mainClass("com.adobe.testing.s3mock.S3MockApplication")
            .jvmOptions("-Xmx384m")
            .args(
                "--http.port=" + port,
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + work.resolve("store"))
            .log(log)
            .start();
    await("S3Mock answering on " + endpoint + " (log: " + log + ")")
        .atMost(START_PATIENCE)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              assertThat(s3mock.isAlive()).as("S3Mock process alive; see " + log).isTrue();
              return answers(endpoint);
            });
  }

  @AfterAll
  static void stopS3Mock() throws InterruptedException {
    if (s3mock != null) {
      s3mock.stop(Duration.ofSeconds(20));
    }
  }

  @Test
  void theStoreAppliesTheRetentionRuleAndReadsItBack() {
    String bucket = bucket("lc");
    try (EvidenceStore store = EvidenceStore.open(config(bucket))) {
      LifecycleStatus status = store.lifecycle();
      assertThat(status.supported()).as(status.detail()).isTrue();
      assertThat(status.applied()).as(status.detail()).isTrue();
    }
    LifecycleRule rule =
        rules(bucket).stream()
            .filter(r -> EvidenceStore.LIFECYCLE_RULE_ID.equals(r.id()))
            .findFirst()
            .orElseThrow();
    assertThat(rule.status()).isEqualTo(ExpirationStatus.ENABLED);
    assertThat(rule.filter().prefix()).isEqualTo(EvidenceStoreConfig.DEFAULT_PREFIX + "/");
    assertThat(rule.transitions()).hasSize(1);
    assertThat(rule.transitions().get(0).days())
        .isEqualTo(EvidenceStoreConfig.DEFAULT_TRANSITION_DAYS);
    assertThat(rule.transitions().get(0).storageClassAsString())
        .isEqualTo(EvidenceStoreConfig.DEFAULT_TRANSITION_STORAGE_CLASS);
    assertThat(rule.expiration().days()).isEqualTo(EvidenceStoreConfig.DEFAULT_EXPIRATION_DAYS);
  }

  @Test
  void rulesOfOtherOwnersOnTheBucketAreKeptAndOursIsReplacedNotDuplicated() {
    String bucket = bucket("shared");
    try (S3Client s3 = client()) {
      s3.createBucket(b -> b.bucket(bucket));
      LifecycleRule foreign =
          LifecycleRule.builder()
              .id("someone-elses-tmp-cleanup")
              .filter(LifecycleRuleFilter.builder().prefix("tmp/").build())
              .status(ExpirationStatus.ENABLED)
              .expiration(LifecycleExpiration.builder().days(1).build())
              .build();
      LifecycleRule staleOurs =
          LifecycleRule.builder()
              .id(EvidenceStore.LIFECYCLE_RULE_ID)
              .filter(
                  LifecycleRuleFilter.builder()
                      .prefix(EvidenceStoreConfig.DEFAULT_PREFIX + "/")
                      .build())
              .status(ExpirationStatus.ENABLED)
              .expiration(LifecycleExpiration.builder().days(7).build())
              .build();
      s3.putBucketLifecycleConfiguration(
          b ->
              b.bucket(bucket)
                  .lifecycleConfiguration(
                      BucketLifecycleConfiguration.builder().rules(foreign, staleOurs).build()));
    }
    try (EvidenceStore store = EvidenceStore.open(config(bucket))) {
      assertThat(store.lifecycle().applied()).as(store.lifecycle().detail()).isTrue();
    }
    List<LifecycleRule> rules = rules(bucket);
    assertThat(rules)
        .extracting(LifecycleRule::id)
        .containsExactlyInAnyOrder("someone-elses-tmp-cleanup", EvidenceStore.LIFECYCLE_RULE_ID);
    LifecycleRule ours =
        rules.stream()
            .filter(r -> EvidenceStore.LIFECYCLE_RULE_ID.equals(r.id()))
            .findFirst()
            .orElseThrow();
    assertThat(ours.expiration().days()).as("the stale 7-day rule was replaced").isEqualTo(2555);
  }

  private static List<LifecycleRule> rules(String bucket) {
    try (S3Client s3 = client()) {
      return new ArrayList<>(s3.getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules());
    }
  }

  private static EvidenceStoreConfig config(String bucket) {
    return EvidenceStoreConfig.builder()
        .endpoint(endpoint)
        .region("us-east-1")
        .bucket(bucket)
        .accessKey("lifecycle-it")
        .secretKey("lifecycle-it-secret")
        .pathStyle(true)
        .createBucket(true)
        .lifecycleEnabled(true)
        .build();
  }

  private static S3Client client() {
    return S3Client.builder()
        .httpClient(Apache5HttpClient.create())
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("lifecycle-it", "x")))
        .forcePathStyle(true)
        .endpointOverride(endpoint)
        .build();
  }

  private static String bucket(String what) {
    return "fabric-" + what + "-" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean answers(URI uri) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code == 200;
    } catch (IOException notYet) {
      return false;
    }
  }
}
