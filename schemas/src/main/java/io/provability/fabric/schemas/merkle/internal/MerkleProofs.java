package io.provability.fabric.schemas.merkle.internal;

import io.provability.fabric.schemas.merkle.Rfc6962;
import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 6962 proof recursions (§2.1.1 audit paths, §2.1.2 consistency proofs) and the Merkle Tree
 * Hash of any leaf range, written once over a source of perfect-subtree hashes: {@link MerkleTree}
 * answers those from its stored levels, a tiled log's reader from its tiles.
 *
 * <p>Every hash handed out is the one the source returned, not a copy; callers that expose them
 * clone them. Arguments are not checked here: the callers check sizes and indexes first.
 */
public final class MerkleProofs {

  /** Where the recursions read hashes from. */
  @FunctionalInterface
  public interface PerfectSubtrees {
    /**
     * Returns the hash of a perfect subtree.
     *
     * @param height the subtree covers {@code 2^height} leaves
     * @param index it starts at leaf {@code index << height}
     * @return its 32-byte hash
     */
    byte[] hash(int height, long index);
  }

  private MerkleProofs() {}

  /**
   * PATH(m, D[0:size]) of RFC 6962 §2.1.1, lowest level first.
   *
   * @param nodes the tree's perfect subtrees
   * @param index the leaf, below {@code size}
   * @param size the tree size
   * @return the audit path (a fresh mutable list)
   */
  public static List<byte[]> inclusionPath(PerfectSubtrees nodes, long index, long size) {
    List<byte[]> path = new ArrayList<>();
    collectPath(nodes, index, 0, size, path);
    return path;
  }

  /**
   * PROOF(m, D[0:size]) of RFC 6962 §2.1.2.
   *
   * @param nodes the tree's perfect subtrees
   * @param oldSize the older size, from 1 to {@code size}
   * @param size the tree size
   * @return the proof hashes (a fresh mutable list); empty when the sizes are equal
   */
  public static List<byte[]> consistencyProof(PerfectSubtrees nodes, long oldSize, long size) {
    List<byte[]> proof = new ArrayList<>();
    collectSubproof(nodes, oldSize, 0, size, true, proof);
    return proof;
  }

  /**
   * MTH(D[lo:hi]) for {@code hi > lo}, taken from {@code nodes} wherever the range is one perfect
   * subtree and otherwise combined from {@code O(log n)} of them.
   *
   * @param nodes the tree's perfect subtrees
   * @param lo first leaf
   * @param hi one past the last leaf
   * @return 32 bytes
   */
  public static byte[] subtreeHash(PerfectSubtrees nodes, long lo, long hi) {
    long width = hi - lo;
    if (Long.bitCount(width) == 1 && lo % width == 0) {
      int height = Long.numberOfTrailingZeros(width);
      return nodes.hash(height, lo >>> height);
    }
    long k = splitPoint(width);
    return Rfc6962.nodeHash(subtreeHash(nodes, lo, lo + k), subtreeHash(nodes, lo + k, hi));
  }

  /** PATH(m, D[lo:hi]) of RFC 6962 §2.1.1, appended to {@code out} lowest level first. */
  private static void collectPath(
      PerfectSubtrees nodes, long index, long lo, long hi, List<byte[]> out) {
    if (hi - lo == 1) {
      return;
    }
    long k = splitPoint(hi - lo);
    if (index < lo + k) {
      collectPath(nodes, index, lo, lo + k, out);
      out.add(subtreeHash(nodes, lo + k, hi));
    } else {
      collectPath(nodes, index, lo + k, hi, out);
      out.add(subtreeHash(nodes, lo, lo + k));
    }
  }

  /**
   * SUBPROOF(m, D[lo:hi], b) of RFC 6962 §2.1.2: {@code m} counts the old tree's leaves within
   * {@code [lo, hi)}; {@code complete} is true while that range is the whole of the old tree's root
   * side, whose hash the verifier already knows.
   */
  private static void collectSubproof(
      PerfectSubtrees nodes, long m, long lo, long hi, boolean complete, List<byte[]> out) {
    long n = hi - lo;
    if (m == n) {
      if (!complete) {
        out.add(subtreeHash(nodes, lo, hi));
      }
      return;
    }
    long k = splitPoint(n);
    if (m <= k) {
      collectSubproof(nodes, m, lo, lo + k, complete, out);
      out.add(subtreeHash(nodes, lo + k, hi));
    } else {
      collectSubproof(nodes, m - k, lo + k, hi, false, out);
      out.add(subtreeHash(nodes, lo, lo + k));
    }
  }

  /** The largest power of two below {@code n} (for {@code n >= 2}): where RFC 6962 splits. */
  private static long splitPoint(long n) {
    return Long.highestOneBit(n - 1);
  }
}
