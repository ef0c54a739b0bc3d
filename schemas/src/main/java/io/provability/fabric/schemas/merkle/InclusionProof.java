package io.provability.fabric.schemas.merkle;

import io.provability.fabric.schemas.hash.Hex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * RFC 6962 §2.1.1 audit path for one leaf: the sibling hashes from the leaf up to the root, lowest
 * first. Immutable; the arrays are copied in and out, and equality compares their contents.
 *
 * <p>The record holds whatever it is given; {@link #verify} (or {@link MerkleVerifier}) is what
 * decides whether a proof is well formed and correct.
 *
 * @param leafIndex zero-based index of the leaf in the tree
 * @param treeSize number of leaves in the tree the proof is for
 * @param auditPath sibling hashes, 32 bytes each, from the leaf's level upwards
 */
public record InclusionProof(long leafIndex, long treeSize, List<byte[]> auditPath) {

  /** Copies the audit path so that later changes to the caller's arrays cannot alter the proof. */
  public InclusionProof {
    auditPath = copy(auditPath);
  }

  /**
   * Returns a copy of the audit path.
   *
   * @return the sibling hashes, lowest first
   */
  @Override
  public List<byte[]> auditPath() {
    return copy(auditPath);
  }

  /**
   * Checks that this proof shows {@code leafHash} at {@link #leafIndex} in the tree with root
   * {@code expectedRoot}.
   *
   * @param leafHash the leaf's RFC 6962 hash
   * @param expectedRoot the tree's root, obtained independently of the proof
   * @throws ProofException if the proof is malformed or leads to another root
   */
  public void verify(byte[] leafHash, byte[] expectedRoot) {
    MerkleVerifier.verifyInclusion(leafIndex, treeSize, leafHash, auditPath, expectedRoot);
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof InclusionProof that)) {
      return false;
    }
    if (leafIndex != that.leafIndex
        || treeSize != that.treeSize
        || auditPath.size() != that.auditPath.size()) {
      return false;
    }
    for (int i = 0; i < auditPath.size(); i++) {
      if (!Arrays.equals(auditPath.get(i), that.auditPath.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int hash = Objects.hash(leafIndex, treeSize);
    for (byte[] node : auditPath) {
      hash = 31 * hash + Arrays.hashCode(node);
    }
    return hash;
  }

  @Override
  public String toString() {
    List<String> path = new ArrayList<>(auditPath.size());
    for (byte[] node : auditPath) {
      path.add(Hex.encode(node));
    }
    return "InclusionProof[leafIndex="
        + leafIndex
        + ", treeSize="
        + treeSize
        + ", auditPath="
        + path
        + "]";
  }

  private static List<byte[]> copy(List<byte[]> hashes) {
    Objects.requireNonNull(hashes, "auditPath");
    List<byte[]> copy = new ArrayList<>(hashes.size());
    for (byte[] hash : hashes) {
      copy.add(Objects.requireNonNull(hash, "audit path hash").clone());
    }
    return List.copyOf(copy);
  }
}
