package io.provability.fabric.sinks.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.EvidenceBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The stored object format against golden files (see src/test/resources/golden/README.md). */
class EvidenceObjectFormatTest {

    private static byte[] golden(String file) {
        try (InputStream in = EvidenceObjectFormatTest.class.getResourceAsStream("/golden/" + file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String key(String name) {
        return new String(golden(name + ".key"), StandardCharsets.US_ASCII).trim();
    }

    @Test
    void anUncompressedBundleEncodesToTheGoldenBytes() {
        EvidenceBundle bundle = GoldenEvidenceObjects.bundle(2);
        EvidenceObjectFormat.Encoded encoded = EvidenceObjectFormat.encode(bundle, 1024);

        assertThat(encoded.compressed()).isFalse();
        assertThat(encoded.bytes()).isEqualTo(golden("bundle-2-leaves.pfb"));
        assertThat(EvidenceObjectFormat.json(bundle)).isEqualTo(golden("bundle-2-leaves.json"));
    }

    @Test
    void aCompressedGoldenObjectDecodesToItsJsonAndBundle() {
        byte[] object = golden("bundle-30-leaves.pfb");
        EvidenceObjectFormat.Header header = EvidenceObjectFormat.header(object);

        assertThat(header.compressed()).isTrue();
        assertThat(header.uncompressedBody()).isEqualTo(12_194);
        assertThat(EvidenceObjectFormat.body(object)).isEqualTo(golden("bundle-30-leaves.json"));
        assertThat(EvidenceObjectFormat.decode(object).toEvent()).isEqualTo(GoldenEvidenceObjects.bundle(30));
        // a fresh encoding of the same bundle decompresses to the same body (LZ4 output may differ by build)
        assertThat(EvidenceObjectFormat.body(EvidenceObjectFormat.encode(GoldenEvidenceObjects.bundle(30), 1024).bytes()))
                .isEqualTo(golden("bundle-30-leaves.json"));
    }

    @Test
    void goldenObjectsVerifyUnderTheirKeys() {
        assertThat(BundleVerifier.verify(key("bundle-2-leaves"), golden("bundle-2-leaves.pfb")).problems()).isEmpty();
        assertThat(BundleVerifier.verify(key("bundle-30-leaves"), golden("bundle-30-leaves.pfb")).problems()).isEmpty();
        assertThat(BundleKeys.keyFor(GoldenEvidenceObjects.bundle(2).getWindowStart(), "tenant-golden",
                BundleVerifier.checkConsistent(GoldenEvidenceObjects.bundle(2)))).isEqualTo(key("bundle-2-leaves"));
    }

    @Test
    void theThresholdIsStrictlyGreaterThan() {
        EvidenceBundle bundle = GoldenEvidenceObjects.bundle(2); // 833-byte body
        assertThat(EvidenceObjectFormat.encode(bundle, 833).compressed()).isFalse();
        assertThat(EvidenceObjectFormat.encode(bundle, 832).compressed()).isTrue();
    }

    @Test
    void malformedObjectsAreRejectedWithTheCheckThatFailed() {
        byte[] good = golden("bundle-2-leaves.pfb");

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThat(BundleVerifier.verify(key("bundle-2-leaves"), magic).problems()).singleElement().asString()
                .startsWith("not a Provability Fabric evidence object");

        byte[] version = good.clone();
        version[4] = 2;
        assertThatThrownBy(() -> EvidenceObjectFormat.decode(version)).hasMessageContaining("unsupported evidence format version 2");

        byte[] flags = good.clone();
        flags[5] = 0x02;
        assertThatThrownBy(() -> EvidenceObjectFormat.decode(flags)).hasMessageContaining("unknown header flags 0x2");

        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> EvidenceObjectFormat.decode(trailing))
                .hasMessageContaining("body is longer than the 833 bytes the header declares");

        assertThatThrownBy(() -> EvidenceObjectFormat.decode(Arrays.copyOf(good, 8)))
                .hasMessageContaining("shorter than the 10-byte header");

        byte[] compressed = golden("bundle-30-leaves.pfb");
        byte[] broken = compressed.clone();
        broken[compressed.length / 2] ^= 0x10;
        assertThat(BundleVerifier.verify(key("bundle-30-leaves"), broken).ok()).isFalse();
    }

    @Test
    void anEditThatKeepsTheContentButNotTheLayoutIsCaughtByTheCanonicalCheck() {
        String reordered = new String(golden("bundle-2-leaves.json"), StandardCharsets.UTF_8)
                .replace("\"tree\":\"rfc6962-sha256\",", "").replace("\"leaf_count\":2,",
                        "\"leaf_count\":2,\"tree\":\"rfc6962-sha256\",");
        byte[] body2 = reordered.getBytes(StandardCharsets.UTF_8);
        byte[] object2 = new byte[EvidenceObjectFormat.HEADER_LENGTH + body2.length];
        System.arraycopy(golden("bundle-2-leaves.pfb"), 0, object2, 0, EvidenceObjectFormat.HEADER_LENGTH);
        System.arraycopy(body2, 0, object2, EvidenceObjectFormat.HEADER_LENGTH, body2.length);
        assertThat(BundleVerifier.verify(key("bundle-2-leaves"), object2).problems()).singleElement().asString()
                .contains("not the canonical encoding");
    }
}
