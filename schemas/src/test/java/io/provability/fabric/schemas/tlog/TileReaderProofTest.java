package io.provability.fabric.schemas.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.provability.fabric.schemas.merkle.InclusionProof;
import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.internal.MerkleTree;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Property test over every tree size from 1 to 600 (crossing the level-0 tile boundaries at 256 and
 * 512, and the first level-1 tiles): from the stored tiles alone, the reader gives the root, an
 * inclusion proof for every leaf and a consistency proof for every pair of sizes, each equal to the
 * in-memory reference tree's (checked against the RFC 6962 vectors elsewhere) and each accepted by
 * the verifier.
 */
class TileReaderProofTest {

  private static final int MAX = 600;

  @Test
  void everyInclusionAndConsistencyProofUpTo600() {
    List<byte[]> entries = TileLogAppenderTest.entries(0, MAX);
    Map<String, byte[]> store = new HashMap<>();
    TileLogAppender appender = new TileLogAppender();
    byte[][] roots = new byte[MAX + 1][];
    for (int n = 1; n <= MAX; n++) {
      store.putAll(appender.append(entries.subList(n - 1, n)).writes());
      roots[n] = appender.root();
    }
    for (int n = 1; n <= MAX; n++) {
      MerkleTree tree = MerkleTree.fromLeaves(entries.subList(0, n));
      TileReader reader = new TileReader(p -> Optional.ofNullable(store.get(p)), n);
      assertArrayEquals(tree.root(), reader.root(), "root " + n);
      assertArrayEquals(tree.root(), roots[n], "appender root " + n);
      for (int i = 0; i < n; i++) {
        InclusionProof proof = reader.inclusionProof(i, n);
        assertEquals(tree.inclusionProof(i), proof, "inclusion " + i + " in " + n);
        proof.verify(reader.leafHash(i), roots[n]);
      }
      for (int m = 1; m <= n; m++) {
        List<byte[]> proof = reader.consistencyProof(m, n);
        List<byte[]> expected = tree.consistencyProof(m);
        assertEquals(expected.size(), proof.size(), "consistency " + m + " -> " + n);
        for (int k = 0; k < proof.size(); k++) {
          assertArrayEquals(expected.get(k), proof.get(k), "consistency " + m + " -> " + n);
        }
        MerkleVerifier.verifyConsistency(m, n, roots[m], roots[n], proof);
      }
    }
  }

  @Test
  void proofsInALargerLogComeFromItsTiles() {
    int size = 70_000;
    Map<String, byte[]> store = new HashMap<>();
    TileLogAppender appender = new TileLogAppender();
    store.putAll(appender.append(TileLogAppenderTest.entries(0, 65_537)).writes());
    byte[] oldRoot = appender.root();
    store.putAll(appender.append(TileLogAppenderTest.entries(65_537, size)).writes());
    TileReader reader = new TileReader(p -> Optional.ofNullable(store.get(p)), size);
    assertArrayEquals(appender.root(), reader.root());
    for (long i : new long[] {0, 255, 256, 65_535, 65_536, 69_999}) {
      reader.inclusionProof(i, size).verify(reader.leafHash(i), appender.root());
    }
    MerkleVerifier.verifyConsistency(
        65_537, size, oldRoot, appender.root(), reader.consistencyProof(65_537, size));
    assertArrayEquals(oldRoot, reader.root(65_537));
  }
}
