package io.provability.fabric.schemas.merkle;

import io.provability.fabric.schemas.hash.Sha256;
import java.util.Objects;

/**
 * RFC 6962 §2.1 hashing with SHA-256: {@code leaf = SHA-256(0x00 || data)}, {@code node =
 * SHA-256(0x01 || left || right)}, and the empty tree's hash is {@code SHA-256("")}. The distinct
 * prefixes keep a leaf from ever being passed off as an inner node (second-preimage attack).
 */
public final class Rfc6962 {

  /** Length in bytes of every leaf, node and root hash. */
  public static final int HASH_LENGTH = Sha256.LENGTH;

  private static final byte[] LEAF_PREFIX = {0x00};
  private static final byte[] NODE_PREFIX = {0x01};
  private static final byte[] EMPTY_ROOT = Sha256.digest(new byte[0]);

  private Rfc6962() {}

  /**
   * Returns the hash of one leaf.
   *
   * @param leafData the leaf's bytes (for evidence: the canonical encoding of the event)
   * @return {@code SHA-256(0x00 || leafData)}
   */
  public static byte[] leafHash(byte[] leafData) {
    Objects.requireNonNull(leafData, "leafData");
    return Sha256.digest(LEAF_PREFIX, leafData);
  }

  /**
   * Returns the hash of an inner node.
   *
   * @param left the left child's hash, 32 bytes
   * @param right the right child's hash, 32 bytes
   * @return {@code SHA-256(0x01 || left || right)}
   * @throws IllegalArgumentException if a child is not 32 bytes long
   */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    requireHash(left, "left");
    requireHash(right, "right");
    return Sha256.digest(NODE_PREFIX, left, right);
  }

  /**
   * Returns the Merkle tree hash of the empty tree.
   *
   * @return {@code SHA-256("")}, {@code e3b0c442…b855}
   */
  public static byte[] emptyRoot() {
    return EMPTY_ROOT.clone();
  }

  private static void requireHash(byte[] hash, String name) {
    Objects.requireNonNull(hash, name);
    if (hash.length != HASH_LENGTH) {
      throw new IllegalArgumentException(
          name + " hash is " + hash.length + " bytes, expected " + HASH_LENGTH);
    }
  }
}
