package io.provability.fabric.sinks.evidence;

import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable, validated settings of the evidence store (S3 cold tier), in groups: the bucket and how
 * to reach it ({@link S3}), the key prefix of the logs and the bucket's lifecycle rule ({@link
 * Lifecycle}).
 *
 * <p>A bad value fails when its group is built, with a message naming the setting. {@link
 * #toString()} masks the secret key.
 *
 * @param s3 the bucket and how to reach it
 * @param prefix key prefix of the evidence logs (the lifecycle rule's filter); log {@code p} lives
 *     under {@code <prefix>/<p>/}
 * @param lifecycle the transition and expiry rule for the logs' objects
 */
public record EvidenceStoreConfig(S3 s3, String prefix, Lifecycle lifecycle) {

  /** Default key prefix of the evidence logs. */
  public static final String DEFAULT_PREFIX = "log";

  /** Seed default: transition after 30 days. */
  public static final int DEFAULT_TRANSITION_DAYS = 30;

  /** Seed default: expire after 2555 days (7 years of compliance retention). */
  public static final int DEFAULT_EXPIRATION_DAYS = 2555;

  /** Default transition class: the cheapest class whose minimum storage duration is 30 days. */
  public static final String DEFAULT_TRANSITION_STORAGE_CLASS = "STANDARD_IA";

  // S3 bucket naming rules, simplified: 3-63 chars, lower-case letters, digits, dots and hyphens
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  /**
   * The bucket and how to reach it. {@link #toString()} masks the secret key.
   *
   * @param endpoint S3 endpoint (S3Proxy, MinIO, ...); null for AWS's own endpoint
   * @param region signing region
   * @param bucket bucket name
   * @param accessKey access key id; empty to use the SDK's default credential chain
   * @param secretKey secret access key (never logged)
   * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), needed by S3Proxy
   * @param createBucket create the bucket when it does not exist
   */
  public record S3(
      URI endpoint,
      String region,
      String bucket,
      String accessKey,
      String secretKey,
      boolean pathStyle,
      boolean createBucket) {
    /** Validates every setting; messages name the setting. */
    public S3 {
      if (endpoint != null) {
        require(
            endpoint.getScheme() != null
                && (endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                && endpoint.getHost() != null,
            "endpoint must be an http(s) URI with a host, was " + endpoint);
      }
      require(region != null && !region.isBlank(), "region must be set (e.g. us-east-1)");
      require(
          bucket != null && BUCKET.matcher(bucket).matches(),
          "bucket must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-'), was '"
              + bucket
              + "'");
      accessKey = accessKey == null ? "" : accessKey;
      secretKey = secretKey == null ? "" : secretKey;
      require(
          accessKey.isEmpty() == secretKey.isEmpty(),
          "accessKey and secretKey must be set together (or both left empty for the default credential chain)");
    }

    @Override
    public String toString() {
      return "S3[endpoint="
          + endpoint
          + ", region="
          + region
          + ", bucket="
          + bucket
          + ", accessKey="
          + accessKey
          + ", secretKey="
          + (secretKey.isEmpty() ? "" : "********")
          + ", pathStyle="
          + pathStyle
          + ", createBucket="
          + createBucket
          + "]";
    }
  }

  /**
   * The lifecycle rule of the logs' objects.
   *
   * @param enabled apply the lifecycle rule to the bucket on open
   * @param transitionDays days after which bundles move to {@code transitionStorageClass}
   * @param transitionStorageClass S3 storage class for the transition (e.g. STANDARD_IA,
   *     GLACIER_IR)
   * @param expirationDays days after which bundles are deleted (seed: 2555, about 7 years)
   */
  public record Lifecycle(
      boolean enabled, int transitionDays, String transitionStorageClass, int expirationDays) {
    /** Validates every setting; messages name the setting. */
    public Lifecycle {
      require(transitionDays >= 1, "transitionDays must be at least 1");
      require(
          expirationDays > transitionDays, "expirationDays must be greater than transitionDays");
      Objects.requireNonNull(transitionStorageClass, "transitionStorageClass");
      require(
          !transitionStorageClass.isBlank(),
          "transitionStorageClass must be set (e.g. STANDARD_IA)");
    }
  }

  /** Validates the prefix; messages name the setting. */
  public EvidenceStoreConfig {
    Objects.requireNonNull(s3, "s3");
    require(
        prefix != null && !prefix.isBlank() && !prefix.startsWith("/") && !prefix.endsWith("/"),
        "prefix must be set, without a leading or trailing '/', was '" + prefix + "'");
    Objects.requireNonNull(lifecycle, "lifecycle");
  }

  /**
   * @return a builder with the seed defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("Invalid evidence-store configuration: " + message);
    }
  }

  /** Mutable builder for {@link EvidenceStoreConfig}; {@link #build()} validates. */
  public static final class Builder {
    private URI endpoint;
    private String region = "us-east-1";
    private String bucket;
    private String accessKey = "";
    private String secretKey = "";
    private Boolean pathStyle;
    private boolean createBucket = true;
    private String prefix = DEFAULT_PREFIX;
    private boolean lifecycleEnabled = true;
    private int transitionDays = DEFAULT_TRANSITION_DAYS;
    private String transitionStorageClass = DEFAULT_TRANSITION_STORAGE_CLASS;
    private int expirationDays = DEFAULT_EXPIRATION_DAYS;

    private Builder() {}

    /**
     * @param value endpoint URI, or null for AWS
     */
    public Builder endpoint(URI value) {
      this.endpoint = value;
      return this;
    }

    /**
     * @param value endpoint URI text; blank means AWS
     */
    public Builder endpoint(String value) {
      this.endpoint = value == null || value.isBlank() ? null : URI.create(value.trim());
      return this;
    }

    /**
     * @param value signing region
     */
    public Builder region(String value) {
      this.region = value;
      return this;
    }

    /**
     * @param value bucket name
     */
    public Builder bucket(String value) {
      this.bucket = value;
      return this;
    }

    /**
     * @param value access key id
     */
    public Builder accessKey(String value) {
      this.accessKey = value;
      return this;
    }

    /**
     * @param value secret access key
     */
    public Builder secretKey(String value) {
      this.secretKey = value;
      return this;
    }

    /**
     * @param value path-style addressing; defaults to true when an endpoint is set
     */
    public Builder pathStyle(boolean value) {
      this.pathStyle = value;
      return this;
    }

    /**
     * @param value create the bucket when missing
     */
    public Builder createBucket(boolean value) {
      this.createBucket = value;
      return this;
    }

    /**
     * @param value key prefix of the evidence logs
     */
    public Builder prefix(String value) {
      this.prefix = value;
      return this;
    }

    /**
     * @param value apply the lifecycle rule on open
     */
    public Builder lifecycleEnabled(boolean value) {
      this.lifecycleEnabled = value;
      return this;
    }

    /**
     * @param value days before the storage-class transition
     */
    public Builder transitionDays(int value) {
      this.transitionDays = value;
      return this;
    }

    /**
     * @param value storage class to transition to
     */
    public Builder transitionStorageClass(String value) {
      this.transitionStorageClass = value;
      return this;
    }

    /**
     * @param value days before expiry
     */
    public Builder expirationDays(int value) {
      this.expirationDays = value;
      return this;
    }

    /**
     * @return the validated configuration
     */
    public EvidenceStoreConfig build() {
      boolean path = pathStyle != null ? pathStyle : endpoint != null;
      return new EvidenceStoreConfig(
          new S3(endpoint, region, bucket, accessKey, secretKey, path, createBucket),
          prefix,
          new Lifecycle(lifecycleEnabled, transitionDays, transitionStorageClass, expirationDays));
    }
  }
}
