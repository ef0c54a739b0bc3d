package io.provability.fabric.schemas.merkle;

import io.provability.fabric.schemas.hash.Hex;
import java.security.MessageDigest;
import java.util.List;

/**
 * Checks RFC 6962 inclusion and consistency proofs without the tree, for auditors: all it needs is
 * the sizes, the hashes the proof claims to connect, and the proof. Every malformed or failing
 * proof ends in a {@link ProofException} whose message says what was wrong; nothing is returned on
 * failure, so a caller cannot forget to look at a result.
 *
 * <p>The algorithm is the one of transparency-dev/merkle ({@code proof/verify.go}): an audit path
 * splits into an "inner" part, below the level where the leaf's path and the tree's right border
 * meet, and a "border" part above it, whose hashes are always left siblings.
 */
public final class MerkleVerifier {

  private MerkleVerifier() {}

  /**
   * Returns the root that {@code auditPath} leads to from {@code leafHash} at {@code leafIndex}.
   *
   * @param leafIndex zero-based index of the leaf
   * @param treeSize number of leaves in the tree
   * @param leafHash the leaf's RFC 6962 hash, 32 bytes
   * @param auditPath sibling hashes from the leaf upwards, 32 bytes each
   * @return the root the proof implies
   * @throws ProofException if the index is outside the tree, a hash is not 32 bytes, or the path
   *     has the wrong number of hashes for this index and size
   */
  public static byte[] rootFromInclusionProof(
      long leafIndex, long treeSize, byte[] leafHash, List<byte[]> auditPath) {
    if (treeSize < 0 || leafIndex < 0) {
      throw new ProofException(
          "negative leaf index or tree size: index " + leafIndex + ", size " + treeSize);
    }
    if (leafIndex >= treeSize) {
      throw new ProofException(
          "leaf index " + leafIndex + " is outside a tree of size " + treeSize);
    }
    requireHash(leafHash, "leaf hash");
    requireHashes(auditPath, "audit path");
    int inner = innerProofSize(leafIndex, treeSize);
    int border = Long.bitCount(leafIndex >>> inner);
    if (auditPath.size() != inner + border) {
      throw new ProofException(
          "audit path has "
              + auditPath.size()
              + " hashes, a proof for leaf "
              + leafIndex
              + " in a tree of size "
              + treeSize
              + " has "
              + (inner + border));
    }
    byte[] hash = chainInner(leafHash, auditPath.subList(0, inner), leafIndex);
    return chainBorderRight(hash, auditPath.subList(inner, auditPath.size()));
  }

  /**
   * Checks that {@code auditPath} proves {@code leafHash} is leaf {@code leafIndex} of the tree of
   * size {@code treeSize} whose root is {@code expectedRoot}.
   *
   * @param leafIndex zero-based index of the leaf
   * @param treeSize number of leaves in the tree
   * @param leafHash the leaf's RFC 6962 hash, 32 bytes
   * @param auditPath sibling hashes from the leaf upwards, 32 bytes each
   * @param expectedRoot the root, obtained independently of the proof, 32 bytes
   * @throws ProofException if the proof is malformed or leads to another root
   */
  public static void verifyInclusion(
      long leafIndex, long treeSize, byte[] leafHash, List<byte[]> auditPath, byte[] expectedRoot) {
    requireHash(expectedRoot, "expected root");
    byte[] computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, auditPath);
    if (!MessageDigest.isEqual(computed, expectedRoot)) {
      throw new ProofException(
          "inclusion proof for leaf "
              + leafIndex
              + " in a tree of size "
              + treeSize
              + " leads to root "
              + Hex.encode(computed)
              + ", expected "
              + Hex.encode(expectedRoot));
    }
  }

  /**
   * Checks an RFC 6962 §2.1.2 consistency proof: that the tree of size {@code size2} with root
   * {@code root2} extends the tree of size {@code size1} with root {@code root1} (the first {@code
   * size1} leaves are the same, in the same order).
   *
   * <p>{@code size1} must be at least 1: every tree extends the empty one, so a proof from size 0
   * proves nothing and is refused rather than accepted vacuously. Equal sizes need an empty proof
   * and equal roots.
   *
   * @param size1 size of the older tree, at least 1
   * @param size2 size of the newer tree, at least {@code size1}
   * @param root1 root of the older tree
   * @param root2 root of the newer tree
   * @param proof the consistency proof, 32 bytes per hash
   * @throws ProofException if the proof is malformed or does not connect the two roots
   */
  public static void verifyConsistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    if (root1 == null || root2 == null) {
      throw new ProofException("consistency check without both roots");
    }
    requireHashes(proof, "consistency proof");
    if (size1 < 1) {
      throw new ProofException(
          "size1 is " + size1 + ": a consistency proof starts from a non-empty tree");
    }
    if (size2 < size1) {
      throw new ProofException("size2 (" + size2 + ") is smaller than size1 (" + size1 + ")");
    }
    if (size1 == size2) {
      if (!proof.isEmpty()) {
        throw new ProofException(
            "sizes are equal (" + size1 + ") but the proof has " + proof.size() + " hashes");
      }
      if (!MessageDigest.isEqual(root1, root2)) {
        throw new ProofException("sizes are equal (" + size1 + ") but the roots differ");
      }
      return;
    }
    if (proof.isEmpty()) {
      throw new ProofException("empty consistency proof from size " + size1 + " to size " + size2);
    }
    requireHash(root1, "root1");
    requireHash(root2, "root2");

    int inner = innerProofSize(size1 - 1, size2);
    int border = Long.bitCount((size1 - 1) >>> inner);
    int shift = Long.numberOfTrailingZeros(size1);
    // shift < inner because size1 < size2: the old tree's last perfect subtree sits below the
    // level where the two trees' right borders part.
    inner -= shift;

    // The proof starts with the hash of the old tree's last perfect subtree (of size 2^shift),
    // unless that subtree is the whole old tree, whose hash the verifier already has as root1.
    byte[] seed;
    int start;
    if (size1 == 1L << shift) {
      seed = root1;
      start = 0;
    } else {
      seed = proof.get(0);
      start = 1;
    }
    if (proof.size() != start + inner + border) {
      throw new ProofException(
          "consistency proof has "
              + proof.size()
              + " hashes, one from size "
              + size1
              + " to size "
              + size2
              + " has "
              + (start + inner + border));
    }
    List<byte[]> path = proof.subList(start, proof.size());
    long mask = (size1 - 1) >>> shift;

    byte[] hash1 = chainInnerRight(seed, path.subList(0, inner), mask);
    hash1 = chainBorderRight(hash1, path.subList(inner, path.size()));
    if (!MessageDigest.isEqual(hash1, root1)) {
      throw new ProofException(
          "consistency proof leads to old root "
              + Hex.encode(hash1)
              + ", expected root1 "
              + Hex.encode(root1));
    }
    byte[] hash2 = chainInner(seed, path.subList(0, inner), mask);
    hash2 = chainBorderRight(hash2, path.subList(inner, path.size()));
    if (!MessageDigest.isEqual(hash2, root2)) {
      throw new ProofException(
          "consistency proof leads to new root "
              + Hex.encode(hash2)
              + ", expected root2 "
              + Hex.encode(root2));
    }
  }

  /** Number of audit path levels below the point where the leaf's path meets the right border. */
  private static int innerProofSize(long index, long size) {
    return Long.SIZE - Long.numberOfLeadingZeros(index ^ (size - 1));
  }

  /** Hashes up the inner levels, taking the sibling's side from the index's bits. */
  private static byte[] chainInner(byte[] seed, List<byte[]> proof, long index) {
    byte[] hash = seed;
    for (int i = 0; i < proof.size(); i++) {
      hash =
          ((index >>> i) & 1) == 0
              ? Rfc6962.nodeHash(hash, proof.get(i))
              : Rfc6962.nodeHash(proof.get(i), hash);
    }
    return hash;
  }

  /** Like {@link #chainInner} but only through left siblings: rebuilds the old, smaller root. */
  private static byte[] chainInnerRight(byte[] seed, List<byte[]> proof, long index) {
    byte[] hash = seed;
    for (int i = 0; i < proof.size(); i++) {
      if (((index >>> i) & 1) == 1) {
        hash = Rfc6962.nodeHash(proof.get(i), hash);
      }
    }
    return hash;
  }

  /** Above the inner levels every sibling on the path is a left sibling. */
  private static byte[] chainBorderRight(byte[] seed, List<byte[]> proof) {
    byte[] hash = seed;
    for (byte[] sibling : proof) {
      hash = Rfc6962.nodeHash(sibling, hash);
    }
    return hash;
  }

  private static void requireHash(byte[] hash, String what) {
    if (hash == null) {
      throw new ProofException(what + " is missing");
    }
    if (hash.length != Rfc6962.HASH_LENGTH) {
      throw new ProofException(
          what + " is " + hash.length + " bytes, expected " + Rfc6962.HASH_LENGTH);
    }
  }

  private static void requireHashes(List<byte[]> hashes, String what) {
    if (hashes == null) {
      throw new ProofException(what + " is missing");
    }
    for (int i = 0; i < hashes.size(); i++) {
      requireHash(hashes.get(i), what + " hash " + i);
    }
  }
}
