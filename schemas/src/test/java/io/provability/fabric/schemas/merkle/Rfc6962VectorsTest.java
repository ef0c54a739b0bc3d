package io.provability.fabric.schemas.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.internal.MerkleTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published transparency-dev/merkle vectors (copied under {@code rfc6962/testdata}, see {@code
 * rfc6962/NOTE.md}): every happy path verifies, every other case is rejected with a {@link
 * ProofException}, and our tree over the RFC's eight test leaves reproduces the happy paths.
 */
class Rfc6962VectorsTest {

  /** The eight RFC 6962 test leaves behind the vectors' happy-path trees. */
  private static final List<byte[]> RFC_LEAVES =
      Stream.of(
              "",
              "00",
              "10",
              "2021",
              "3031",
              "40414243",
              "5051525354555657",
              "606162636465666768696a6b6c6d6e6f")
          .map(Hex::decode)
          .toList();

  @ParameterizedTest(name = "{0}")
  @MethodSource("inclusionVectors")
  void inclusionVector(String name, Map<String, Object> vector) {
    long leafIndex = (Long) vector.get("leafIdx");
    long treeSize = (Long) vector.get("treeSize");
    byte[] root = base64(vector.get("root"));
    byte[] leafHash = base64(vector.get("leafHash"));
    List<byte[]> proof = hashes(vector.get("proof"));

    if ((Boolean) vector.get("wantErr")) {
      assertThatThrownBy(
              () -> MerkleVerifier.verifyInclusion(leafIndex, treeSize, leafHash, proof, root))
          .isInstanceOf(ProofException.class);
    } else {
      assertThatCode(
              () -> MerkleVerifier.verifyInclusion(leafIndex, treeSize, leafHash, proof, root))
          .doesNotThrowAnyException();
      assertThat(MerkleVerifier.rootFromInclusionProof(leafIndex, treeSize, leafHash, proof))
          .isEqualTo(root);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("consistencyVectors")
  void consistencyVector(String name, Map<String, Object> vector) {
    long size1 = (Long) vector.get("size1");
    long size2 = (Long) vector.get("size2");
    byte[] root1 = base64(vector.get("root1"));
    byte[] root2 = base64(vector.get("root2"));
    List<byte[]> proof = hashes(vector.get("proof"));

    if ((Boolean) vector.get("wantErr")) {
      assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof))
          .isInstanceOf(ProofException.class);
    } else {
      assertThatCode(() -> MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof))
          .doesNotThrowAnyException();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inclusionHappyPaths")
  void treeOverRfcLeavesReproducesInclusionHappyPath(String name, Map<String, Object> vector) {
    int leafIndex = Math.toIntExact((Long) vector.get("leafIdx"));
    int treeSize = Math.toIntExact((Long) vector.get("treeSize"));
    MerkleTree tree = MerkleTree.fromLeaves(RFC_LEAVES.subList(0, treeSize));

    assertThat(tree.root()).isEqualTo(base64(vector.get("root")));
    assertThat(tree.leafHash(leafIndex)).isEqualTo(base64(vector.get("leafHash")));
    assertThat(tree.inclusionProof(leafIndex))
        .isEqualTo(new InclusionProof(leafIndex, treeSize, hashes(vector.get("proof"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("consistencyHappyPaths")
  void treeOverRfcLeavesReproducesConsistencyHappyPath(String name, Map<String, Object> vector) {
    int size1 = Math.toIntExact((Long) vector.get("size1"));
    int size2 = Math.toIntExact((Long) vector.get("size2"));
    MerkleTree older = MerkleTree.fromLeaves(RFC_LEAVES.subList(0, size1));
    MerkleTree newer = MerkleTree.fromLeaves(RFC_LEAVES.subList(0, size2));

    assertThat(older.root()).isEqualTo(base64(vector.get("root1")));
    assertThat(newer.root()).isEqualTo(base64(vector.get("root2")));
    assertThat(newer.consistencyProof(size1))
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(hashes(vector.get("proof")));
  }

  @Test
  void allVectorsAreFoundAndBothKindsOfCaseArePresent() {
    List<Object[]> inclusion = vectors("inclusion").toList();
    List<Object[]> consistency = vectors("consistency").toList();

    assertThat(inclusion.size() + consistency.size()).isEqualTo(196);
    assertThat(inclusion).filteredOn(v -> !wantErr(v)).hasSize(6);
    assertThat(consistency).filteredOn(v -> !wantErr(v)).hasSize(6);
  }

  @Test
  void emptyTreeAndEmptyLeafMatchTheRfcConstants() {
    assertThat(Hex.encode(Rfc6962.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(Hex.encode(Rfc6962.leafHash(new byte[0])))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assertThat(MerkleTree.fromLeaves(List.of()).root()).isEqualTo(Rfc6962.emptyRoot());
  }

  static Stream<Object[]> inclusionVectors() {
    return vectors("inclusion");
  }

  static Stream<Object[]> consistencyVectors() {
    return vectors("consistency");
  }

  static Stream<Object[]> inclusionHappyPaths() {
    return happyPaths("inclusion");
  }

  static Stream<Object[]> consistencyHappyPaths() {
    return happyPaths("consistency");
  }

  /** Happy paths of the numbered directories, whose trees are built from the RFC leaves. */
  private static Stream<Object[]> happyPaths(String kind) {
    return vectors(kind).filter(v -> ((String) v[0]).matches(kind + "/\\d+/happy-path\\.json"));
  }

  private static boolean wantErr(Object[] vector) {
    @SuppressWarnings("unchecked") // VectorJson objects are maps from names to values
    Map<String, Object> fields = (Map<String, Object>) vector[1];
    return (Boolean) fields.get("wantErr");
  }

  private static Stream<Object[]> vectors(String kind) {
    try {
      Path testdata = Path.of(Rfc6962VectorsTest.class.getResource("/rfc6962/testdata").toURI());
      List<Object[]> vectors = new ArrayList<>();
      try (Stream<Path> files = Files.walk(testdata.resolve(kind))) {
        for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
          String name = testdata.relativize(file).toString().replace('\\', '/');
          Object json = VectorJson.parse(Files.readString(file, StandardCharsets.UTF_8));
          vectors.add(new Object[] {name, json});
        }
      }
      return vectors.stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] base64(Object value) {
    return Base64.getDecoder().decode((String) value);
  }

  private static List<byte[]> hashes(Object proof) {
    if (proof == null) {
      return List.of();
    }
    return ((List<?>) proof).stream().map(Rfc6962VectorsTest::base64).toList();
  }
}
