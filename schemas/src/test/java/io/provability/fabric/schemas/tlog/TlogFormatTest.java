package io.provability.fabric.schemas.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Paths, entry bundles and checkpoint bodies, against the examples of the specifications. */
class TlogFormatTest {

  @Test
  void pathsFollowTheSpecExamples() {
    assertThat(TlogPaths.tile(0, 1234067, 0)).isEqualTo("tile/0/x001/x234/067");
    assertThat(TlogPaths.tile(4, 1234067, 8)).isEqualTo("tile/4/x001/x234/067.p/8");
    assertThat(TlogPaths.tile(1, 0, 256)).isEqualTo("tile/1/000");
    assertThat(TlogPaths.entries(1234067, 8)).isEqualTo("tile/entries/x001/x234/067.p/8");
    assertThat(TlogPaths.entries(1000, 0)).isEqualTo("tile/entries/x001/000");
    assertThat(TlogPaths.checkpoint()).isEqualTo("checkpoint");
  }

  @Test
  void parseIsTheInverseOfPath() {
    for (long index : new long[] {0, 7, 999, 1000, 1234067, 1_000_000_000_000L}) {
      for (int width : new int[] {1, 8, 255, 256}) {
        assertThat(TlogPaths.parse(TlogPaths.tile(3, index, width)))
            .isEqualTo(new TilePath(3, index, width));
        TilePath entries = TlogPaths.parse(TlogPaths.entries(index, width));
        assertThat(entries.isEntries()).isTrue();
        assertThat(entries.index()).isEqualTo(index);
        assertThat(entries.isPartial()).isEqualTo(width < 256);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tile/0/1234067",
        "tile/0/x1/234",
        "tile/0/001/234",
        "tile/0/x000/234",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/0/000.p/",
        "tile/0/",
        "tile/0",
        "checkpoint",
        "tile/-1/000",
        "tile/0/0a0",
        "tile/data/000",
        "tile/entries/x001"
      })
  void parseRefusesNonCanonicalPaths(String path) {
    assertThatThrownBy(() -> TlogPaths.parse(path))
        .isInstanceOf(TlogException.class)
        .hasMessageContaining("tile path '" + path + "'");
  }

  @Test
  void bundleIsUint16LengthPrefixed() {
    byte[] bundle =
        EntryBundle.encode(
            List.of("a".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[300]));
    assertThat(bundle).startsWith(0, 1, 'a', 0, 0, 1, 44);
    assertThat(bundle).hasSize(3 + 2 + 302);
    assertThat(EntryBundle.decode(bundle, 3)).hasSize(3);
    assertThat(EntryBundle.decode(EntryBundle.encode(List.of(new byte[65_535])))).hasSize(1);
  }

  @Test
  void bundleRefusesTruncationTrailingGarbageAndOversizedEntries() {
    byte[] bundle = EntryBundle.encode(List.of(new byte[10], new byte[20]));
    assertThatThrownBy(() -> EntryBundle.decode(Arrays.copyOf(bundle, bundle.length - 1)))
        .hasMessageContaining("truncated");
    byte[] garbage = Arrays.copyOf(bundle, bundle.length + 1);
    assertThatThrownBy(() -> EntryBundle.decode(garbage)).hasMessageContaining("trailing byte");
    byte[] extra = Arrays.copyOf(bundle, bundle.length + 2);
    assertThatThrownBy(() -> EntryBundle.decode(extra, 2)).hasMessageContaining("holds 3 entries");
    assertThatThrownBy(() -> EntryBundle.encode(List.of(new byte[65_536])))
        .hasMessageContaining("at most 65535");
  }

  @Test
  void checkpointBodyIsExact() {
    byte[] root = Base64.getDecoder().decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    Checkpoint checkpoint = new Checkpoint("example.com/behind-the-sofa", 20852163, root);
    String body =
        "example.com/behind-the-sofa\n20852163\n"
            + "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assertThat(checkpoint.body()).isEqualTo(body);
    assertThat(Checkpoint.parse(body)).isEqualTo(checkpoint);
    Checkpoint extended = Checkpoint.parse(body + "ext one\n");
    assertThat(extended.extensions()).containsExactly("ext one");
    assertThat(extended.body()).isEqualTo(body + "ext one\n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n",
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
        "o\n1\n",
        "o\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
      })
  void checkpointParsingIsStrict(String body) {
    assertThatThrownBy(() -> Checkpoint.parse(body)).isInstanceOf(TlogException.class);
  }
}
