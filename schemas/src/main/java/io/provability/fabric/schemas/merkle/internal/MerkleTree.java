package io.provability.fabric.schemas.merkle.internal;

import io.provability.fabric.schemas.merkle.InclusionProof;
import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.Rfc6962;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Immutable RFC 6962 Merkle tree over leaf hashes, in the order given. Produces the root (the
 * Merkle Tree Hash, MTH), inclusion proofs (§2.1.1) and consistency proofs (§2.1.2).
 *
 * <p>It keeps every complete level: level {@code h} holds the hashes of the perfect subtrees of
 * {@code 2^h} leaves that start at multiples of {@code 2^h}. Every subtree an RFC 6962 proof refers
 * to is either one of those or lies on the tree's right border and is rebuilt from {@code O(log n)}
 * of them, so a proof costs {@code O(log n)} hashes and the tree about twice the memory of its leaf
 * hashes.
 */
public final class MerkleTree {

  private final byte[][][] levels;
  private final int size;
  private final byte[] root;

  private MerkleTree(byte[][] leafHashes) {
    this.size = leafHashes.length;
    List<byte[][]> built = new ArrayList<>();
    built.add(leafHashes);
    byte[][] level = leafHashes;
    while (level.length >= 2) {
      byte[][] parents = new byte[level.length / 2][];
      for (int i = 0; i < parents.length; i++) {
        parents[i] = Rfc6962.nodeHash(level[2 * i], level[2 * i + 1]);
      }
      built.add(parents);
      level = parents;
    }
    this.levels = built.toArray(new byte[0][][]);
    this.root = size == 0 ? Rfc6962.emptyRoot() : MerkleProofs.subtreeHash(this::node, 0, size);
  }

  /**
   * Builds the tree over leaf hashes that were already computed with {@link Rfc6962#leafHash}.
   *
   * @param leafHashes the leaves' hashes in tree order, 32 bytes each; copied
   * @return the tree
   * @throws IllegalArgumentException if a hash is not 32 bytes long
   */
  public static MerkleTree fromLeafHashes(List<byte[]> leafHashes) {
    Objects.requireNonNull(leafHashes, "leafHashes");
    byte[][] copy = new byte[leafHashes.size()][];
    for (int i = 0; i < copy.length; i++) {
      byte[] hash = Objects.requireNonNull(leafHashes.get(i), "leaf hash");
      if (hash.length != Rfc6962.HASH_LENGTH) {
        throw new IllegalArgumentException(
            "leaf hash " + i + " is " + hash.length + " bytes, expected " + Rfc6962.HASH_LENGTH);
      }
      copy[i] = hash.clone();
    }
    return new MerkleTree(copy);
  }

  /**
   * Builds the tree over raw leaves, hashing each with {@link Rfc6962#leafHash}.
   *
   * @param leafData the leaves in tree order
   * @return the tree
   */
  public static MerkleTree fromLeaves(List<byte[]> leafData) {
    Objects.requireNonNull(leafData, "leafData");
    byte[][] hashes = new byte[leafData.size()][];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = Rfc6962.leafHash(leafData.get(i));
    }
    return new MerkleTree(hashes);
  }

  /**
   * Returns the Merkle Tree Hash.
   *
   * @return the root, 32 bytes; {@link Rfc6962#emptyRoot()} for a tree without leaves
   */
  public byte[] root() {
    return root.clone();
  }

  /**
   * Returns the number of leaves.
   *
   * @return the tree size
   */
  public int size() {
    return size;
  }

  /**
   * Returns the hash of one leaf.
   *
   * @param index zero-based leaf index
   * @return the leaf hash, 32 bytes
   * @throws IndexOutOfBoundsException if there is no such leaf
   */
  public byte[] leafHash(int index) {
    return levels[0][Objects.checkIndex(index, size)].clone();
  }

  /**
   * Returns the audit path of one leaf (RFC 6962 §2.1.1).
   *
   * @param index zero-based leaf index
   * @return the proof, which {@link MerkleVerifier#verifyInclusion} accepts against {@link #root()}
   * @throws IndexOutOfBoundsException if there is no such leaf
   */
  public InclusionProof inclusionProof(int index) {
    Objects.checkIndex(index, size);
    return new InclusionProof(index, size, MerkleProofs.inclusionPath(this::node, index, size));
  }

  /**
   * Returns the proof that this tree extends its first {@code fromSize} leaves (RFC 6962 §2.1.2,
   * {@code PROOF(m, D[n])}).
   *
   * @param fromSize size of the older tree, from 1 to {@link #size()}; equal to the size gives an
   *     empty proof
   * @return the proof hashes (an unmodifiable list of copies), which {@link
   *     MerkleVerifier#verifyConsistency} accepts
   * @throws IllegalArgumentException if {@code fromSize} is not in {@code [1, size()]} (a proof
   *     from the empty tree proves nothing, and verifiers refuse it)
   */
  public List<byte[]> consistencyProof(int fromSize) {
    if (fromSize < 1 || fromSize > size) {
      throw new IllegalArgumentException(
          "consistency proof from size "
              + fromSize
              + " in a tree of size "
              + size
              + ": the older size must be between 1 and "
              + size);
    }
    List<byte[]> proof = MerkleProofs.consistencyProof(this::node, fromSize, size);
    proof.replaceAll(byte[]::clone);
    return List.copyOf(proof);
  }

  /** Reads a perfect subtree's hash from the stored levels. */
  private byte[] node(int height, long index) {
    return levels[height][(int) index];
  }
}
