package io.provability.fabric.schemas.merkle;

import io.provability.fabric.schemas.merkle.internal.MerkleTree;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 6962 §2.1 transcribed as literally as possible, as the reference {@link MerkleTree} is
 * checked against: MTH, PATH and PROOF/SUBPROOF are the recursive definitions of the RFC, on raw
 * leaf data, with its own SHA-256 calls (no code shared with the class under test). Subtree hashes
 * are memoized, which changes nothing but the running time.
 */
final class NaiveMerkle {

  private final List<byte[]> leaves;
  private final Map<Long, byte[]> memo = new HashMap<>();

  NaiveMerkle(List<byte[]> leaves) {
    this.leaves = leaves;
  }

  /** MTH(D[n]) for the whole list. */
  byte[] root() {
    return mth(0, leaves.size());
  }

  /** PATH(m, D[n]). */
  List<byte[]> path(int m) {
    return path(m, 0, leaves.size());
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
  List<byte[]> proof(int m) {
    return subproof(m, 0, leaves.size(), true);
  }

  /**
   * MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0)); otherwise, with k the largest power
   * of two smaller than n, MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
   */
  private byte[] mth(int lo, int hi) {
    long key = (long) lo << 32 | hi;
    byte[] cached = memo.get(key);
    if (cached != null) {
      return cached;
    }
    int n = hi - lo;
    byte[] hash;
    if (n == 0) {
      hash = sha256(new byte[0]);
    } else if (n == 1) {
      hash = sha256(new byte[] {0x00}, leaves.get(lo));
    } else {
      int k = largestPowerOfTwoBelow(n);
      hash = sha256(new byte[] {0x01}, mth(lo, lo + k), mth(lo + k, hi));
    }
    memo.put(key, hash);
    return hash;
  }

  /**
   * PATH(0, {d(0)}) = {}; for m &lt; k: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]); for m &gt;=
   * k: PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]).
   */
  private List<byte[]> path(int m, int lo, int hi) {
    int n = hi - lo;
    if (n == 1) {
      return new ArrayList<>();
    }
    int k = largestPowerOfTwoBelow(n);
    List<byte[]> result;
    if (m < k) {
      result = path(m, lo, lo + k);
      result.add(mth(lo + k, hi));
    } else {
      result = path(m - k, lo + k, hi);
      result.add(mth(lo, lo + k));
    }
    return result;
  }

  /**
   * SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}; for m &lt;= k:
   * SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); for m &gt; k: SUBPROOF(m, D[n], b)
   * = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
   */
  private List<byte[]> subproof(int m, int lo, int hi, boolean b) {
    int n = hi - lo;
    if (m == n) {
      List<byte[]> result = new ArrayList<>();
      if (!b) {
        result.add(mth(lo, hi));
      }
      return result;
    }
    int k = largestPowerOfTwoBelow(n);
    List<byte[]> result;
    if (m <= k) {
      result = subproof(m, lo, lo + k, b);
      result.add(mth(lo + k, hi));
    } else {
      result = subproof(m - k, lo + k, hi, false);
      result.add(mth(lo, lo + k));
    }
    return result;
  }

  private static int largestPowerOfTwoBelow(int n) {
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return k;
  }

  private static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
