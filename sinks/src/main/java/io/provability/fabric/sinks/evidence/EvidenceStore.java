package io.provability.fabric.sinks.evidence;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.schemas.hash.Hex;
import java.time.Duration;
import java.time.LocalDate;
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
 * The evidence store on S3: writes each bundle once, under a content-addressed key, and reads and
 * re-verifies stored bundles.
 *
 * <p>{@link #put} first checks the bundle is self-consistent (its root is the RFC 6962 root of its
 * leaves), then skips the upload when a HEAD finds the key, and otherwise uploads with
 * {@code If-None-Match: *}, so a concurrent writer of the same bundle gets 412 instead of
 * overwriting: both are counted as dedups, not errors. A retry or a replay therefore writes nothing new.
 *
 * <p>{@link #open} creates the bucket when missing and applies the lifecycle rule (transition, then
 * expiry, on the {@code bundles/} prefix, keeping other rules already on the bucket) and reads it back.
 * Endpoints without lifecycle support (S3Proxy answers 501 NotImplemented) are detected, logged once
 * per bucket and reported by {@link #lifecycle()} as {@code supported=false}; writing goes on.
 *
 * <p>Thread-safe. Uses the SDK's URL-connection HTTP client (no Netty on the classpath).
 */
public final class EvidenceStore implements AutoCloseable {

    /** Id of the lifecycle rule this store owns on the bucket. */
    public static final String LIFECYCLE_RULE_ID = "provability-fabric-evidence-retention";
    /** Content type of stored objects. */
    public static final String CONTENT_TYPE = "application/vnd.provability-fabric.evidence-bundle";

    private static final Logger LOG = LoggerFactory.getLogger(EvidenceStore.class);
    /** Buckets whose missing lifecycle support was already logged at WARN in this JVM (a log de-duplicator). */
    private static final Set<String> LIFECYCLE_WARNED = ConcurrentHashMap.newKeySet();

    private final EvidenceStoreConfig config;
    private final S3Client s3;
    private final LifecycleStatus lifecycle;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong skippedByHead = new AtomicLong();
    private final AtomicLong preconditionFailed = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();

    private EvidenceStore(EvidenceStoreConfig config, S3Client s3) {
        this.config = config;
        this.s3 = s3;
        try {
            ensureBucket();
            this.lifecycle = config.lifecycleEnabled() ? applyLifecycle()
                    : new LifecycleStatus(true, false, config.transitionDays(), config.transitionStorageClass(),
                            config.expirationDays(), "lifecycle management disabled by configuration");
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
        LOG.info("evidence store open: {}; lifecycle supported={} applied={}", config, store.lifecycle.supported(),
                store.lifecycle.applied());
        return store;
    }

    /**
     * Stores a bundle unless an object with its key already exists.
     *
     * @param bundle the bundle as published on the evidence topic
     * @return what happened
     * @throws InvalidBundleException when the bundle's root does not match its leaves (never retriable)
     * @throws EvidenceStoreException when S3 fails ({@link EvidenceStoreException#retriable()} says whether
     *                                to try again)
     */
    public PutResult put(EvidenceBundle bundle) {
        byte[] root = BundleVerifier.checkConsistent(bundle);
        String rootHex = Hex.encode(root);
        String key = BundleKeys.keyFor(bundle.getWindowStart(), bundle.getTenant(), root);
        if (exists(key)) {
            skippedByHead.incrementAndGet();
            return new PutResult(key, rootHex, PutResult.Outcome.ALREADY_PRESENT, 0, false);
        }
        return upload(bundle, key, rootHex);
    }

    /** The conditional upload alone, as it runs after a HEAD that missed (tests race it against another writer). */
    PutResult putWithoutHead(EvidenceBundle bundle) {
        byte[] root = BundleVerifier.checkConsistent(bundle);
        return upload(bundle, BundleKeys.keyFor(bundle.getWindowStart(), bundle.getTenant(), root), Hex.encode(root));
    }

    private PutResult upload(EvidenceBundle bundle, String key, String rootHex) {
        EvidenceObjectFormat.Encoded encoded = EvidenceObjectFormat.encode(bundle, config.compressionThreshold());
        try {
            s3.putObject(b -> b.bucket(config.bucket()).key(key)
                            .ifNoneMatch("*")
                            .contentType(CONTENT_TYPE)
                            .contentLength((long) encoded.bytes().length)
                            .metadata(Map.of(
                                    "pf-format-version", Integer.toString(EvidenceObjectFormat.VERSION),
                                    "pf-root", rootHex,
                                    "pf-leaf-count", Integer.toString(bundle.getLeaves().size()),
                                    "pf-compressed", Boolean.toString(encoded.compressed()))),
                    RequestBody.fromBytes(encoded.bytes()));
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                // Another writer stored this key first - or our own first attempt did: the SDK retries a PUT
                // whose response it lost, and the retry meets our own object. Same key, same content: a dedup.
                preconditionFailed.incrementAndGet();
                return new PutResult(key, rootHex, PutResult.Outcome.PRECONDITION_FAILED, 0, false);
            }
            throw failure("PUT " + key, e);
        } catch (SdkException e) {
            throw failure("PUT " + key, e);
        }
        written.incrementAndGet();
        bytesWritten.addAndGet(encoded.bytes().length);
        return new PutResult(key, rootHex, PutResult.Outcome.WRITTEN, encoded.bytes().length, encoded.compressed());
    }

    /** @return true when an object exists under this key (HEAD) */
    public boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(config.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("HEAD " + key, e);
        } catch (SdkException e) {
            throw failure("HEAD " + key, e);
        }
    }

    /** @return every stored bundle, in key order */
    public List<BundleObject> list() {
        return list(BundleKeys.PREFIX);
    }

    /** @return the bundles whose window started on this UTC day, in key order */
    public List<BundleObject> list(LocalDate day) {
        return list(BundleKeys.dayPrefix(day));
    }

    private List<BundleObject> list(String prefix) {
        List<BundleObject> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix)).contents()) {
                Optional<BundleKeys.ParsedKey> k = BundleKeys.parse(o.key());
                if (k.isPresent()) {
                    out.add(new BundleObject(o.key(), o.size(), o.lastModified(), k.get().day(), k.get().tenant(),
                            k.get().rootHex()));
                } else {
                    LOG.debug("ignoring object {} under {}: not a bundle key", o.key(), prefix);
                }
            }
        } catch (SdkException e) {
            throw failure("LIST " + prefix, e);
        }
        return out;
    }

    /**
     * @param key object key
     * @return the stored bytes
     * @throws EvidenceStoreException when the object cannot be read (not retriable when it does not exist)
     */
    public byte[] readRaw(String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)).asByteArray();
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        }
    }

    /**
     * Reads and decodes a stored bundle, without verifying it.
     *
     * @param key object key
     * @return the decoded bundle
     * @throws EvidenceFormatException when the object is not a well-formed evidence object
     */
    public StoredBundle read(String key) {
        return EvidenceObjectFormat.decode(readRaw(key));
    }

    /**
     * Reads a stored bundle and re-verifies it (see {@link BundleVerifier#verify}).
     *
     * @param key object key
     * @return the result, listing every failed check
     */
    public BundleVerification verify(String key) {
        byte[] object;
        try {
            object = readRaw(key);
        } catch (EvidenceStoreException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                return new BundleVerification(key, List.of("object does not exist"), Optional.empty());
            }
            throw e;
        }
        return BundleVerifier.verify(key, object);
    }

    /** @return the lifecycle state found when the store was opened */
    public LifecycleStatus lifecycle() {
        return lifecycle;
    }

    /** @return objects written by this instance */
    public long objectsWritten() {
        return written.get();
    }

    /** @return puts skipped because a HEAD found the key, plus puts answered 412 */
    public long deduplicated() {
        return skippedByHead.get() + preconditionFailed.get();
    }

    /** @return puts answered 412 Precondition Failed (a concurrent writer stored the same bundle) */
    public long preconditionFailures() {
        return preconditionFailed.get();
    }

    /** @return bytes uploaded by this instance */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** @return the settings */
    public EvidenceStoreConfig config() {
        return config;
    }

    @Override
    public void close() {
        s3.close();
    }

    private void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(config.bucket()));
            return;
        } catch (NoSuchBucketException e) {
            if (!config.createBucket()) {
                throw new EvidenceStoreException("bucket '" + config.bucket() + "' does not exist and createBucket is"
                        + " false", e, false);
            }
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("HEAD bucket " + config.bucket(), e);
            }
            if (!config.createBucket()) {
                throw new EvidenceStoreException("bucket '" + config.bucket() + "' does not exist and createBucket is"
                        + " false", e, false);
            }
        } catch (SdkException e) {
            throw failure("HEAD bucket " + config.bucket(), e);
        }
        try {
            s3.createBucket(b -> b.bucket(config.bucket()));
            LOG.info("created evidence bucket {}", config.bucket());
        } catch (BucketAlreadyOwnedByYouException e) {
            LOG.debug("bucket {} was created concurrently", config.bucket());
        } catch (SdkException e) {
            throw failure("CREATE bucket " + config.bucket(), e);
        }
    }

    private LifecycleStatus applyLifecycle() {
        LifecycleRule ours = LifecycleRule.builder()
                .id(LIFECYCLE_RULE_ID)
                .filter(LifecycleRuleFilter.builder().prefix(BundleKeys.PREFIX).build())
                .status(ExpirationStatus.ENABLED)
                .transitions(Transition.builder().days(config.transitionDays())
                        .storageClass(TransitionStorageClass.fromValue(config.transitionStorageClass())).build())
                .expiration(LifecycleExpiration.builder().days(config.expirationDays()).build())
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
            s3.putBucketLifecycleConfiguration(b -> b.bucket(config.bucket())
                    .lifecycleConfiguration(BucketLifecycleConfiguration.builder().rules(rules).build()));
            Optional<LifecycleRule> readBack =
                    currentRules().stream().filter(r -> LIFECYCLE_RULE_ID.equals(r.id())).findFirst();
            boolean matches = readBack.isPresent() && matches(readBack.get());
            if (!matches) {
                LOG.warn("bucket {}: lifecycle rule {} read back as {}, expected transition after {} days to {} and "
                                + "expiry after {} days", config.bucket(), LIFECYCLE_RULE_ID, readBack.orElse(null),
                        config.transitionDays(), config.transitionStorageClass(), config.expirationDays());
            }
            return new LifecycleStatus(true, matches, config.transitionDays(), config.transitionStorageClass(),
                    config.expirationDays(), readBack.map(LifecycleRule::toString).orElse("rule not found on read-back"));
        } catch (S3Exception e) {
            if (!isNotImplemented(e)) {
                throw failure("apply lifecycle to bucket " + config.bucket(), e);
            }
            String detail = "endpoint " + (config.endpoint() == null ? "(AWS)" : config.endpoint())
                    + " does not implement bucket lifecycle: HTTP " + e.statusCode() + " "
                    + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode());
            if (LIFECYCLE_WARNED.add(config.endpoint() + "/" + config.bucket())) {
                LOG.warn("Evidence bucket {}: {}. Bundles are stored but will NOT transition after {} days nor "
                                + "expire after {} days; apply the rule on the real object store instead.",
                        config.bucket(), detail, config.transitionDays(), config.expirationDays());
            } else {
                LOG.debug("evidence bucket {}: {}", config.bucket(), detail);
            }
            return new LifecycleStatus(false, false, config.transitionDays(), config.transitionStorageClass(),
                    config.expirationDays(), detail);
        } catch (SdkException e) {
            throw failure("apply lifecycle to bucket " + config.bucket(), e);
        }
    }

    private List<LifecycleRule> currentRules() {
        try {
            GetBucketLifecycleConfigurationResponse r =
                    s3.getBucketLifecycleConfiguration(b -> b.bucket(config.bucket()));
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
                && rule.expiration() != null && Integer.valueOf(config.expirationDays()).equals(rule.expiration().days())
                && rule.transitions().size() == 1
                && Integer.valueOf(config.transitionDays()).equals(rule.transitions().get(0).days())
                && config.transitionStorageClass().equals(rule.transitions().get(0).storageClassAsString());
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
        return new EvidenceStoreException(what + " in bucket " + config.bucket() + " failed", e, retriable);
    }

    private static S3Client client(EvidenceStoreConfig config) {
        AwsCredentialsProvider credentials = config.accessKey().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
        S3ClientBuilder b = S3Client.builder()
                .httpClient(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle());
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        return b.build();
    }
}
