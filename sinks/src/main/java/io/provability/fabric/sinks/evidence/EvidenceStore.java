package io.provability.fabric.sinks.evidence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.GetBucketLifecycleConfigurationResponse;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.Transition;
import software.amazon.awssdk.services.s3.model.TransitionStorageClass;

/**
 * The evidence bucket on S3: the objects of the evidence logs (tiles, entry bundles, checkpoints
 * and large-entry objects, docs/transparency-log.md), written as raw bytes under the paths the log
 * format names, and read back by auditors.
 *
 * <p>Writes are plain PUTs: every path but {@code checkpoint} is immutable and content-determined
 * (the sequencer that rewrites one after a crash writes the same bytes), so no HEAD or conditional
 * request is spent on them; the checkpoint is replaced on purpose at every publish.
 *
 * <p>{@link #open} creates the bucket when missing and applies the lifecycle rule (transition, then
 * expiry, on the logs' prefix, keeping other rules already on the bucket) and reads it back.
 * Endpoints without lifecycle support (S3Proxy answers 501 NotImplemented) are detected, logged
 * once per bucket and reported by {@link #lifecycle()} as {@code supported=false}; writing goes on.
 *
 * <p>Counts every request it sends ({@link #requests()}), so a run can report S3 requests per
 * decision. Thread-safe.
 */
public final class EvidenceStore implements AutoCloseable {

  /** Id of the lifecycle rule this store owns on the bucket. */
  public static final String LIFECYCLE_RULE_ID = "provability-fabric-evidence-retention";

  private static final Logger LOG = LoggerFactory.getLogger(EvidenceStore.class);

  /**
   * Buckets whose missing lifecycle support was already logged at WARN in this JVM (a log
   * de-duplicator).
   */
  private static final Set<String> LIFECYCLE_WARNED = ConcurrentHashMap.newKeySet();

  private final EvidenceStoreConfig config;
  private final S3Client s3;
  private final LifecycleStatus lifecycle;
  private final AtomicLong puts = new AtomicLong();
  private final AtomicLong gets = new AtomicLong();
  private final AtomicLong lists = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();

  private EvidenceStore(EvidenceStoreConfig config, S3Client s3) {
    this.config = config;
    this.s3 = s3;
    try {
      ensureBucket();
      this.lifecycle =
          config.lifecycle().enabled()
              ? applyLifecycle()
              : new LifecycleStatus(
                  true,
                  false,
                  config.lifecycle().transitionDays(),
                  config.lifecycle().transitionStorageClass(),
                  config.lifecycle().expirationDays(),
                  "lifecycle management disabled by configuration");
    } catch (RuntimeException e) {
      s3.close();
      throw e;
    }
  }

  /**
   * Connects, creates the bucket if allowed and missing, and applies the lifecycle rule.
   *
   * @param config validated settings
   * @return an open store
   * @throws EvidenceStoreException when S3 cannot be reached or the bucket cannot be used
   */
  public static EvidenceStore open(EvidenceStoreConfig config) {
    Objects.requireNonNull(config, "config");
    EvidenceStore store = new EvidenceStore(config, client(config));
    LOG.info(
        "evidence store open: {}; lifecycle supported={} applied={}",
        config,
        store.lifecycle.supported(),
        store.lifecycle.applied());
    return store;
  }

  /**
   * Writes an object (creating or replacing it).
   *
   * @throws EvidenceStoreException when S3 fails ({@link EvidenceStoreException#retriable()} says
   *     whether to try again)
   */
  public void put(String key, byte[] bytes) {
    try {
      puts.incrementAndGet();
      S3Requests.record(S3Requests.Kind.PUT);
      s3.putObject(
          b ->
              b.bucket(config.s3().bucket())
                  .key(key)
                  .contentLength((long) bytes.length)
                  .contentType("application/octet-stream"),
          RequestBody.fromBytes(bytes));
    } catch (SdkException e) {
      throw failure("PUT " + key, e);
    }
    bytesWritten.addAndGet(bytes.length);
  }

  /**
   * Reads an object.
   *
   * @return its bytes, or empty when there is no object under this key
   * @throws EvidenceStoreException when S3 fails otherwise
   */
  public Optional<byte[]> get(String key) {
    try {
      gets.incrementAndGet();
      S3Requests.record(S3Requests.Kind.GET);
      return Optional.of(
          s3.getObjectAsBytes(b -> b.bucket(config.s3().bucket()).key(key)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("GET " + key, e);
    } catch (SdkException e) {
      throw failure("GET " + key, e);
    }
  }

  /** Deletes an object (tests and tamper drills; the sequencer never deletes). */
  public void delete(String key) {
    try {
      s3.deleteObject(b -> b.bucket(config.s3().bucket()).key(key));
    } catch (SdkException e) {
      throw failure("DELETE " + key, e);
    }
  }

  /**
   * @return the keys under a prefix, in key order
   */
  public List<String> list(String prefix) {
    List<String> out = new ArrayList<>();
    try {
      lists.incrementAndGet();
      S3Requests.record(S3Requests.Kind.LIST);
      for (S3Object o :
          s3.listObjectsV2Paginator(b -> b.bucket(config.s3().bucket()).prefix(prefix))
              .contents()) {
        out.add(o.key());
      }
    } catch (SdkException e) {
      throw failure("LIST " + prefix, e);
    }
    return out;
  }

  /**
   * @return requests sent by this store, by kind
   */
  public Map<String, Long> requests() {
    return Map.of("PUT", puts.get(), "GET", gets.get(), "LIST", lists.get());
  }

  /**
   * @return PUT requests sent by this store
   */
  public long puts() {
    return puts.get();
  }

  /**
   * @return the lifecycle state found when the store was opened
   */
  public LifecycleStatus lifecycle() {
    return lifecycle;
  }

  /**
   * @return bytes uploaded by this instance
   */
  public long bytesWritten() {
    return bytesWritten.get();
  }

  /**
   * @return the settings
   */
  public EvidenceStoreConfig config() {
    return config;
  }

  @Override
  public void close() {
    s3.close();
  }

  private void ensureBucket() {
    try {
      s3.headBucket(b -> b.bucket(config.s3().bucket()));
      return;
    } catch (NoSuchBucketException e) {
      if (!config.s3().createBucket()) {
        throw new EvidenceStoreException(
            "bucket '" + config.s3().bucket() + "' does not exist and createBucket is" + " false",
            e,
            false);
      }
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw failure("HEAD bucket " + config.s3().bucket(), e);
      }
      if (!config.s3().createBucket()) {
        throw new EvidenceStoreException(
            "bucket '" + config.s3().bucket() + "' does not exist and createBucket is" + " false",
            e,
            false);
      }
    } catch (SdkException e) {
      throw failure("HEAD bucket " + config.s3().bucket(), e);
    }
    try {
      s3.createBucket(b -> b.bucket(config.s3().bucket()));
      LOG.info("created evidence bucket {}", config.s3().bucket());
    } catch (BucketAlreadyOwnedByYouException e) {
      LOG.debug("bucket {} was created concurrently", config.s3().bucket());
    } catch (SdkException e) {
      throw failure("CREATE bucket " + config.s3().bucket(), e);
    }
  }

  private LifecycleStatus applyLifecycle() {
    LifecycleRule ours =
        LifecycleRule.builder()
            .id(LIFECYCLE_RULE_ID)
            .filter(LifecycleRuleFilter.builder().prefix(config.prefix() + "/").build())
            .status(ExpirationStatus.ENABLED)
            .transitions(
                Transition.builder()
                    .days(config.lifecycle().transitionDays())
                    .storageClass(
                        TransitionStorageClass.fromValue(
                            config.lifecycle().transitionStorageClass()))
                    .build())
            .expiration(
                LifecycleExpiration.builder().days(config.lifecycle().expirationDays()).build())
            .build();
    try {
      // PUT replaces the bucket's whole configuration: keep the rules other owners put there
      List<LifecycleRule> rules = new ArrayList<>();
      for (LifecycleRule r : currentRules()) {
        if (!LIFECYCLE_RULE_ID.equals(r.id())) {
          rules.add(r);
        }
      }
      rules.add(ours);
      s3.putBucketLifecycleConfiguration(
          b ->
              b.bucket(config.s3().bucket())
                  .lifecycleConfiguration(
                      BucketLifecycleConfiguration.builder().rules(rules).build()));
      Optional<LifecycleRule> readBack =
          currentRules().stream().filter(r -> LIFECYCLE_RULE_ID.equals(r.id())).findFirst();
      boolean matches = readBack.isPresent() && matches(readBack.get());
      if (!matches) {
        LOG.warn(
            "bucket {}: lifecycle rule {} read back as {}, expected transition after {} days to {} and "
                + "expiry after {} days",
            config.s3().bucket(),
            LIFECYCLE_RULE_ID,
            readBack.orElse(null),
            config.lifecycle().transitionDays(),
            config.lifecycle().transitionStorageClass(),
            config.lifecycle().expirationDays());
      }
      return new LifecycleStatus(
          true,
          matches,
          config.lifecycle().transitionDays(),
          config.lifecycle().transitionStorageClass(),
          config.lifecycle().expirationDays(),
          readBack.map(LifecycleRule::toString).orElse("rule not found on read-back"));
    } catch (S3Exception e) {
      if (!isNotImplemented(e)) {
        throw failure("apply lifecycle to bucket " + config.s3().bucket(), e);
      }
      String detail =
          "endpoint "
              + (config.s3().endpoint() == null ? "(AWS)" : config.s3().endpoint())
              + " does not implement bucket lifecycle: HTTP "
              + e.statusCode()
              + " "
              + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode());
      if (LIFECYCLE_WARNED.add(config.s3().endpoint() + "/" + config.s3().bucket())) {
        LOG.warn(
            "Evidence bucket {}: {}. Log objects are stored but will NOT transition after {} days nor "
                + "expire after {} days; apply the rule on the real object store instead.",
            config.s3().bucket(),
            detail,
            config.lifecycle().transitionDays(),
            config.lifecycle().expirationDays());
      } else {
        LOG.debug("evidence bucket {}: {}", config.s3().bucket(), detail);
      }
      return new LifecycleStatus(
          false,
          false,
          config.lifecycle().transitionDays(),
          config.lifecycle().transitionStorageClass(),
          config.lifecycle().expirationDays(),
          detail);
    } catch (SdkException e) {
      throw failure("apply lifecycle to bucket " + config.s3().bucket(), e);
    }
  }

  private List<LifecycleRule> currentRules() {
    try {
      GetBucketLifecycleConfigurationResponse r =
          s3.getBucketLifecycleConfiguration(b -> b.bucket(config.s3().bucket()));
      return r.rules();
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if (e.statusCode() == 404 && "NoSuchLifecycleConfiguration".equals(code)) {
        return List.of();
      }
      throw e;
    }
  }

  private boolean matches(LifecycleRule rule) {
    return rule.status() == ExpirationStatus.ENABLED
        && rule.expiration() != null
        && Integer.valueOf(config.lifecycle().expirationDays()).equals(rule.expiration().days())
        && rule.transitions().size() == 1
        && Integer.valueOf(config.lifecycle().transitionDays())
            .equals(rule.transitions().get(0).days())
        && config
            .lifecycle()
            .transitionStorageClass()
            .equals(rule.transitions().get(0).storageClassAsString());
  }

  private static boolean isNotImplemented(S3Exception e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    return e.statusCode() == 501 || "NotImplemented".equals(code);
  }

  private EvidenceStoreException failure(String what, SdkException e) {
    boolean retriable;
    if (e instanceof S3Exception s) {
      int status = s.statusCode();
      // 409 ConditionalRequestConflict: a concurrent conditional write; S3 asks the client to retry
      retriable = status >= 500 || status == 429 || status == 409 || status == 408;
    } else {
      retriable = e instanceof SdkClientException || e.retryable();
    }
    return new EvidenceStoreException(
        what + " in bucket " + config.s3().bucket() + " failed", e, retriable);
  }

  /**
   * The S3 client the store's settings describe (path style, endpoint, credentials, timeouts); the
   * witness reads with it too.
   */
  public static S3Client client(EvidenceStoreConfig config) {
    AwsCredentialsProvider credentials =
        config.s3().accessKey().isEmpty()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(
                AwsBasicCredentials.create(config.s3().accessKey(), config.s3().secretKey()));
    S3ClientBuilder b =
        S3Client.builder()
            .httpClient(
                Apache5HttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(30))
                    .build())
            .region(Region.of(config.s3().region()))
            .credentialsProvider(credentials)
            .forcePathStyle(config.s3().pathStyle());
    if (config.s3().endpoint() != null) {
      b.endpointOverride(config.s3().endpoint());
    }
    return b.build();
  }
}
