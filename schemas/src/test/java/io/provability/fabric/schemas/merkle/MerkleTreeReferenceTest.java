package io.provability.fabric.schemas.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.schemas.merkle.internal.MerkleTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MerkleTree} and {@link MerkleVerifier} against {@link NaiveMerkle}, the RFC's recursive
 * definitions, for every tree size from 0 to 130 (roots and every inclusion proof) and every pair
 * of sizes up to 64 (consistency proofs), plus tampering: a flipped bit anywhere in a proof, a
 * wrong leaf index, swapped sizes or the wrong root must be rejected. (A wrong tree size is not
 * always detectable from an inclusion proof alone, for instance 15 and 16 give the leftmost leaf
 * paths of the same shape: the size is bound by the signed tree head, not by the proof.)
 */
class MerkleTreeReferenceTest {

  private static final int MAX_SIZE = 130;
  private static final int MAX_CONSISTENCY_SIZE = 64;

  /** Leaf {@code i} is the same in every tree, so smaller trees are prefixes of larger ones. */
  private static List<byte[]> leaves(int count) {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      leaves.add(("leaf " + i).getBytes(StandardCharsets.UTF_8));
    }
    return leaves;
  }

  @Test
  void rootsMatchTheReferenceForEverySize() {
    for (int size = 0; size <= MAX_SIZE; size++) {
      List<byte[]> leaves = leaves(size);
      MerkleTree tree = MerkleTree.fromLeaves(leaves);

      assertThat(tree.size()).isEqualTo(size);
      assertThat(tree.root()).as("root of size %d", size).isEqualTo(new NaiveMerkle(leaves).root());
      List<byte[]> leafHashes = new ArrayList<>();
      for (byte[] leaf : leaves) {
        leafHashes.add(Rfc6962.leafHash(leaf));
      }
      assertThat(MerkleTree.fromLeafHashes(leafHashes).root()).isEqualTo(tree.root());
    }
  }

  @Test
  void everyInclusionProofMatchesTheReferenceAndVerifies() {
    for (int size = 1; size <= MAX_SIZE; size++) {
      List<byte[]> leaves = leaves(size);
      NaiveMerkle reference = new NaiveMerkle(leaves);
      MerkleTree tree = MerkleTree.fromLeaves(leaves);
      byte[] root = tree.root();
      for (int index = 0; index < size; index++) {
        InclusionProof proof = tree.inclusionProof(index);
        byte[] leafHash = tree.leafHash(index);

        assertThat(proof).isEqualTo(new InclusionProof(index, size, reference.path(index)));
        assertThat(MerkleVerifier.rootFromInclusionProof(index, size, leafHash, proof.auditPath()))
            .isEqualTo(root);
        assertThatCode(() -> proof.verify(leafHash, root)).doesNotThrowAnyException();
      }
    }
  }

  @Test
  void tamperedInclusionProofsAreRejected() {
    for (int size = 1; size <= MAX_SIZE; size += 7) {
      MerkleTree tree = MerkleTree.fromLeaves(leaves(size));
      byte[] root = tree.root();
      for (int index = 0; index < size; index++) {
        InclusionProof proof = tree.inclusionProof(index);
        List<byte[]> path = proof.auditPath();
        byte[] leafHash = tree.leafHash(index);
        long leaf = index;
        long treeSize = size;

        for (int i = 0; i < path.size(); i++) {
          List<byte[]> tampered = flipBit(path, i);
          assertThatThrownBy(
                  () -> MerkleVerifier.verifyInclusion(leaf, treeSize, leafHash, tampered, root))
              .isInstanceOf(ProofException.class);
        }
        assertThatThrownBy(() -> proof.verify(flip(leafHash), root))
            .isInstanceOf(ProofException.class);
        assertThatThrownBy(() -> proof.verify(leafHash, flip(root)))
            .isInstanceOf(ProofException.class)
            .hasMessageContaining("expected");
        if (size > 1) {
          long otherLeaf = (index + 1) % size;
          assertThatThrownBy(
                  () -> MerkleVerifier.verifyInclusion(otherLeaf, treeSize, leafHash, path, root))
              .isInstanceOf(ProofException.class);
        }
      }
    }
  }

  @Test
  void everyConsistencyProofMatchesTheReferenceAndVerifies() {
    List<byte[]> roots = new ArrayList<>();
    for (int size = 0; size <= MAX_CONSISTENCY_SIZE; size++) {
      roots.add(MerkleTree.fromLeaves(leaves(size)).root());
    }
    for (int size2 = 1; size2 <= MAX_CONSISTENCY_SIZE; size2++) {
      List<byte[]> leaves = leaves(size2);
      NaiveMerkle reference = new NaiveMerkle(leaves);
      MerkleTree tree = MerkleTree.fromLeaves(leaves);
      for (int size1 = 1; size1 <= size2; size1++) {
        List<byte[]> proof = tree.consistencyProof(size1);
        byte[] root1 = roots.get(size1);
        byte[] root2 = roots.get(size2);
        long m = size1;
        long n = size2;

        assertThat(proof)
            .as("PROOF(%d, D[%d])", size1, size2)
            .usingElementComparator(Arrays::compare)
            .containsExactlyElementsOf(reference.proof(size1));
        assertThatCode(() -> MerkleVerifier.verifyConsistency(m, n, root1, root2, proof))
            .doesNotThrowAnyException();

        for (int i = 0; i < proof.size(); i++) {
          List<byte[]> tampered = flipBit(proof, i);
          assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(m, n, root1, root2, tampered))
              .isInstanceOf(ProofException.class);
        }
        if (size1 < size2) {
          assertThatThrownBy(
                  () -> MerkleVerifier.verifyConsistency(m, n, flip(root1), root2, proof))
              .isInstanceOf(ProofException.class);
          assertThatThrownBy(
                  () -> MerkleVerifier.verifyConsistency(m, n, root1, flip(root2), proof))
              .isInstanceOf(ProofException.class);
          assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(n, m, root2, root1, proof))
              .isInstanceOf(ProofException.class);
        }
      }
    }
  }

  @Test
  void consistencyBetweenDifferentHistoriesIsRejected() {
    List<byte[]> forked = leaves(40);
    forked.set(17, "rewritten".getBytes(StandardCharsets.UTF_8));
    byte[] forkedRoot = MerkleTree.fromLeaves(forked.subList(0, 30)).root();
    MerkleTree honest = MerkleTree.fromLeaves(leaves(40));

    assertThatThrownBy(
            () ->
                MerkleVerifier.verifyConsistency(
                    30, 40, forkedRoot, honest.root(), honest.consistencyProof(30)))
        .isInstanceOf(ProofException.class)
        .hasMessageContaining("root1");
  }

  @Test
  void badArgumentsToTheTreeAreRefused() {
    MerkleTree tree = MerkleTree.fromLeaves(leaves(5));

    assertThatThrownBy(() -> tree.inclusionProof(5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> tree.inclusionProof(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> tree.leafHash(5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> MerkleTree.fromLeaves(List.of()).inclusionProof(0))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> tree.consistencyProof(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.consistencyProof(6)).isInstanceOf(IllegalArgumentException.class);
    assertThat(tree.consistencyProof(5)).isEmpty();
    assertThatThrownBy(() -> MerkleTree.fromLeafHashes(List.of(new byte[31])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31 bytes");
  }

  @Test
  void theTreeAndItsProofsCannotBeChangedFromOutside() {
    List<byte[]> leafHashes = new ArrayList<>();
    for (byte[] leaf : leaves(3)) {
      leafHashes.add(Rfc6962.leafHash(leaf));
    }
    MerkleTree tree = MerkleTree.fromLeafHashes(leafHashes);
    byte[] root = tree.root();

    leafHashes.get(0)[0] ^= 1;
    tree.root()[0] ^= 1;
    tree.leafHash(1)[0] ^= 1;
    InclusionProof proof = tree.inclusionProof(0);
    proof.auditPath().get(0)[0] ^= 1;
    tree.consistencyProof(2).get(0)[0] ^= 1;

    assertThat(tree.root()).isEqualTo(root);
    assertThat(
            MerkleTree.fromLeafHashes(List.of(tree.leafHash(0), tree.leafHash(1), tree.leafHash(2)))
                .root())
        .isEqualTo(root);
    assertThatCode(() -> proof.verify(tree.leafHash(0), root)).doesNotThrowAnyException();
    assertThatCode(
            () ->
                MerkleVerifier.verifyConsistency(
                    2,
                    3,
                    MerkleTree.fromLeafHashes(List.of(tree.leafHash(0), tree.leafHash(1))).root(),
                    root,
                    tree.consistencyProof(2)))
        .doesNotThrowAnyException();
  }

  @Test
  void nodeHashAcceptsOnlyHashSizedChildren() {
    assertThatThrownBy(() -> Rfc6962.nodeHash(new byte[32], new byte[33]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("right");
  }

  private static List<byte[]> flipBit(List<byte[]> hashes, int which) {
    List<byte[]> copy = new ArrayList<>();
    for (int i = 0; i < hashes.size(); i++) {
      copy.add(i == which ? flip(hashes.get(i)) : hashes.get(i).clone());
    }
    return copy;
  }

  private static byte[] flip(byte[] hash) {
    byte[] copy = hash.clone();
    copy[copy.length / 2] ^= 0x10;
    return copy;
  }
}
