package io.provability.fabric.sinks.witness;

import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link LogStorage} on one S3 bucket, with the connection settings of the evidence store ({@link
 * EvidenceStoreConfig}: endpoint, region, credentials, path style). Failures other than a missing
 * object propagate as the SDK's exceptions.
 */
public final class S3LogStorage implements LogStorage, AutoCloseable {

  private final S3Client s3;
  private final String bucket;

  /**
   * Connects to the bucket.
   *
   * @param config endpoint, region, bucket and credentials (the other settings are unused)
   */
  public S3LogStorage(EvidenceStoreConfig config) {
    this(EvidenceStore.client(config), config.s3().bucket());
  }

  /**
   * Wraps an existing client.
   *
   * @param s3 the client (closed by {@link #close()})
   * @param bucket the bucket
   */
  public S3LogStorage(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  @Override
  public void put(String key, byte[] bytes) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
  }

  @Override
  public void close() {
    s3.close();
  }
}
