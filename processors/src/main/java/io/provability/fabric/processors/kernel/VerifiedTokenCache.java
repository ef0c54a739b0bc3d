package io.provability.fabric.processors.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Sha256;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Remembers which tokens' signatures have verified, so a token presented again costs a hash instead
 * of an Ed25519 verification (~60 µs here).
 *
 * <p>The key is SHA-256 of the token's full canonical encoding, signature included, plus its key
 * id: a token that differs in any signed field or in its signature is a different entry, so a
 * forged signature can never hit a verified one. Only successes are stored. An entry is never
 * served at or after the token's expiry (checked against the caller's time, not the wall clock),
 * and the cache belongs to one immutable key ring: a ring without the old key means a new engine
 * and a new cache. Bounded in size; a wall-clock idle expiry only frees memory.
 */
public final class VerifiedTokenCache {
  /**
   * Told of every signature this cache verified itself, so that other instances can be spared the
   * verification (the hot tier's shared token cache). Called on the verifying thread: must not
   * block.
   */
  public interface Sharing {
    /** Shares nothing. */
    Sharing NONE = (digest, keyId, expiresAt, now) -> {};

    /**
     * @param digest SHA-256 of the token's canonical encoding, signature included
     * @param keyId the key id the signature verified under
     * @param expiresAt the token's expiry: the entry must not be served from then on
     */
    void verified(byte[] digest, String keyId, Instant expiresAt, Instant now);

    /**
     * Told of every lookup of an enabled cache: whether the token was found verified (for metrics).
     */
    default void looked(boolean hit) {}
  }

  private final Cache<Key, Instant> verified;
  private final Sharing sharing;

  /**
   * @param maximumSize how many verified tokens to remember; 0 disables the cache
   */
  public VerifiedTokenCache(long maximumSize) {
    this(maximumSize, Duration.ofHours(1), Sharing.NONE);
  }

  /**
   * @param maximumSize how many verified tokens to remember; 0 disables the cache
   * @param idleExpiry how long an unused entry is kept (memory only: expiry is always checked)
   * @param sharing told of each verification this cache made itself
   */
  public VerifiedTokenCache(long maximumSize, Duration idleExpiry, Sharing sharing) {
    this.sharing = sharing;
    this.verified =
        maximumSize <= 0
            ? null
            : Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterAccess(idleExpiry)
                // maintenance on the caller's thread: no pool threads, nothing left running
                .executor(Runnable::run)
                .build();
  }

  /** A cache that remembers nothing: every token is verified every time. */
  public static VerifiedTokenCache disabled() {
    return new VerifiedTokenCache(0);
  }

  /** The lookup key of {@code token}. */
  Key keyOf(CapabilityToken token) {
    return new Key(Sha256.digest(CanonicalEncoding.encode(token)), token.getKeyId());
  }

  /** True if {@code key} verified before and its token has not expired at {@code now}. */
  boolean isVerified(Key key, Instant now) {
    if (verified == null) {
      return false;
    }
    Instant expiresAt = verified.getIfPresent(key);
    if (expiresAt == null) {
      return false;
    }
    if (!now.isBefore(expiresAt)) {
      verified.invalidate(key);
      return false;
    }
    return true;
  }

  /** Records a successful verification; tokens already expired at {@code now} are not kept. */
  void recordVerified(Key key, Instant tokenExpiresAt, Instant now) {
    if (verified != null && now.isBefore(tokenExpiresAt)) {
      verified.put(key, tokenExpiresAt);
    }
  }

  /**
   * True if {@code token}'s signature verifies under {@code trustedIssuers}: from the cache when it
   * verified before and has not expired at {@code now}, otherwise by verifying it (and remembering
   * a success). The ring must be the one this cache belongs to.
   */
  public boolean signatureVerifies(CapabilityToken token, KeyRing trustedIssuers, Instant now) {
    Key key = keyOf(token);
    boolean hit = isVerified(key, now);
    if (verified != null) {
      sharing.looked(hit);
    }
    if (hit) {
      return true;
    }
    boolean ok = TokenSigning.verify(token, trustedIssuers);
    if (ok) {
      recordVerified(key, token.getExpiresAt(), now);
      if (verified != null && now.isBefore(token.getExpiresAt())) {
        sharing.verified(key.digest, key.keyId, token.getExpiresAt(), now);
      }
    }
    return ok;
  }

  /**
   * Records a verification another instance made under the same key ring (the caller checked that
   * the entry is authentic and of this ring). Expiry is still checked on every lookup.
   */
  public void acceptShared(byte[] digest, String keyId, Instant expiresAt) {
    if (verified != null) {
      // no expiry check here: the sender's clock decided to share it, every lookup checks against
      // its own
      verified.put(new Key(digest.clone(), keyId), expiresAt);
    }
  }

  /** Entries currently held (approximate); for tests and metrics. */
  public long size() {
    if (verified == null) {
      return 0;
    }
    verified.cleanUp();
    return verified.estimatedSize();
  }

  /** SHA-256 of the signed token bytes (signature included) and the key id. */
  static final class Key {
    private final byte[] digest;
    private final String keyId;
    private final int hash;

    Key(byte[] digest, String keyId) {
      this.digest = digest;
      this.keyId = keyId == null ? "" : keyId;
      this.hash = 31 * Arrays.hashCode(digest) + this.keyId.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(digest, k.digest) && keyId.equals(k.keyId);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
