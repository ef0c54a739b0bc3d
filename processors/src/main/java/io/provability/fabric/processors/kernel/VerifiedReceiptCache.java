package io.provability.fabric.processors.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Sha256;
import java.time.Duration;

/**
 * Remembers which access receipts' signatures have verified, so a receipt carried again (by the
 * session's next plan, or a retried one) costs a hash instead of an Ed25519 verification (~65 µs
 * here).
 *
 * <p>The same rules as {@link VerifiedTokenCache}: the key is SHA-256 of the receipt's full
 * canonical encoding, signature included, plus its key id, so a receipt that differs in any field
 * or in its signature is a different entry and a forged signature can never hit a verified one;
 * only successes are stored; the cache belongs to one immutable key ring (the engine that owns it).
 * A signature does not expire, so neither does an entry, except to free memory. Only the signature
 * is remembered: the receipt's tenant, subject, hashes and timestamp are checked on every
 * evaluation.
 */
final class VerifiedReceiptCache {
  private final Cache<VerifiedTokenCache.Key, Boolean> verified;

  /**
   * @param maximumSize how many verified receipts to remember; 0 disables the cache
   */
  VerifiedReceiptCache(long maximumSize) {
    this.verified =
        maximumSize <= 0
            ? null
            : Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterAccess(Duration.ofHours(1))
                // maintenance on the caller's thread: no pool threads, nothing left running
                .executor(Runnable::run)
                .build();
  }

  /**
   * True if {@code receipt}'s signature verifies under {@code signers}, from the cache when it did
   * before.
   */
  boolean signatureVerifies(AccessReceipt receipt, KeyRing signers) {
    VerifiedTokenCache.Key key = null;
    if (verified != null) {
      key =
          new VerifiedTokenCache.Key(
              Sha256.digest(CanonicalEncoding.encode(receipt)), receipt.getKeyId());
      if (verified.getIfPresent(key) != null) {
        return true;
      }
    }
    boolean ok = ReceiptSigning.verify(receipt, signers);
    if (ok && key != null) {
      verified.put(key, Boolean.TRUE);
    }
    return ok;
  }

  /** How many receipts are remembered (for tests). */
  long size() {
    if (verified == null) {
      return 0;
    }
    verified.cleanUp();
    return verified.estimatedSize();
  }
}
