package io.provability.fabric.sinks.evidence;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.schemas.merkle.MerkleTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed bundles behind the golden files in {@code src/test/resources/golden/}, and the program
 * that (re)writes them: {@code GoldenEvidenceObjects <dir>}. Leaf bodies are plain ASCII text (not
 * Avro) so the files are easy to inspect by hand; the store does not interpret bodies.
 */
public final class GoldenEvidenceObjects {

    private GoldenEvidenceObjects() {
    }

    /**
     * @param leaves number of leaves; leaf i has body "golden leaf i: " followed by i+1 copies of "0123456789"
     * @return a bundle with a correct RFC 6962 root, fixed times, and a key id and signature when leaves > 2
     */
    public static EvidenceBundle bundle(int leaves) {
        List<EvidenceLeaf> out = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < leaves; i++) {
            byte[] body = ("golden leaf " + i + ": " + "0123456789".repeat(i + 1)).getBytes(StandardCharsets.US_ASCII);
            bodies.add(body);
            out.add(EvidenceLeaf.newBuilder()
                    .setKind(i % 2 == 0 ? LeafKind.REQUEST : LeafKind.DECISION)
                    .setDecisionId("dec-" + (i / 2)).setRequestId("req-" + (i / 2))
                    .setBody(ByteBuffer.wrap(body)).build());
        }
        Instant start = Instant.parse("2026-11-27T10:00:00.123Z");
        return EvidenceBundle.newBuilder()
                .setSessionId("session-golden").setTenant("tenant-golden")
                .setWindowStart(start).setWindowEnd(start.plusSeconds(300))
                .setLeaves(out).setRoot(ByteBuffer.wrap(MerkleTree.fromLeaves(bodies).root()))
                .setCreatedAt(start.plusSeconds(301))
                .setKeyId(leaves > 2 ? "key-golden" : null)
                .setSignature(leaves > 2 ? ByteBuffer.wrap(new byte[] {1, 2, 3, 4}) : null)
                .build();
    }

    /** @param args the directory to write into */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/golden");
        Files.createDirectories(dir);
        write(dir, "bundle-2-leaves", bundle(2));
        write(dir, "bundle-30-leaves", bundle(30));
    }

    private static void write(Path dir, String name, EvidenceBundle bundle) throws IOException {
        EvidenceObjectFormat.Encoded encoded = EvidenceObjectFormat.encode(bundle, 1024);
        Files.write(dir.resolve(name + ".pfb"), encoded.bytes());
        Files.write(dir.resolve(name + ".json"), EvidenceObjectFormat.json(bundle));
        byte[] root = BundleVerifier.checkConsistent(bundle);
        Files.writeString(dir.resolve(name + ".key"), BundleKeys.keyFor(bundle.getWindowStart(), bundle.getTenant(),
                root) + "\n");
    }
}
