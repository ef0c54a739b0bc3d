package io.provability.fabric.sinks.evidence;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.schemas.merkle.Rfc6962;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Checks evidence: a bundle before it is stored ({@link #checkConsistent}) and a stored object
 * afterwards ({@link #verify}). Pure functions over bytes; no I/O.
 */
public final class BundleVerifier {

    private BundleVerifier() {
    }

    /**
     * Recomputes the RFC 6962 root over {@code SHA-256(0x00 || body)} of the bundle's leaves and
     * compares it with the bundle's root.
     *
     * @param bundle a bundle about to be stored
     * @return the root (32 bytes)
     * @throws InvalidBundleException when the bundle has no leaves or its root does not match
     */
    public static byte[] checkConsistent(EvidenceBundle bundle) {
        List<EvidenceLeaf> leaves = bundle.getLeaves();
        if (leaves.isEmpty()) {
            throw new InvalidBundleException("evidence bundle of session " + bundle.getSessionId() + " has no leaves");
        }
        List<byte[]> hashes = new ArrayList<>(leaves.size());
        for (EvidenceLeaf leaf : leaves) {
            hashes.add(Rfc6962.leafHash(EvidenceObjectFormat.bytes(leaf.getBody())));
        }
        byte[] recomputed = MerkleTree.fromLeafHashes(hashes).root();
        byte[] recorded = EvidenceObjectFormat.bytes(bundle.getRoot());
        if (!Arrays.equals(recomputed, recorded)) {
            throw new InvalidBundleException("evidence bundle of session " + bundle.getSessionId() + " declares root "
                    + Hex.encode(recorded) + " but the RFC 6962 root of its " + leaves.size() + " leaves is "
                    + Hex.encode(recomputed));
        }
        return recomputed;
    }

    /**
     * Re-verifies a stored object: structure, each leaf hash against its body, the root against the
     * leaves, the key against the content, and that the body is byte for byte the canonical encoding
     * of its own fields (so an edit anywhere, even outside the leaves, is caught).
     *
     * @param key    the key the object was read from
     * @param object its bytes
     * @return every problem found, or none
     */
    public static BundleVerification verify(String key, byte[] object) {
        List<String> problems = new ArrayList<>();
        byte[] body;
        StoredBundle bundle;
        try {
            body = EvidenceObjectFormat.body(object);
            bundle = EvidenceObjectFormat.parse(body);
        } catch (EvidenceFormatException e) {
            problems.add(e.getMessage());
            return new BundleVerification(key, problems, Optional.empty());
        }

        List<byte[]> hashes = new ArrayList<>(bundle.leaves().size());
        for (StoredBundle.Leaf leaf : bundle.leaves()) {
            byte[] hash = Rfc6962.leafHash(leaf.body());
            hashes.add(hash);
            if (!Arrays.equals(hash, leaf.leafHash())) {
                problems.add("leaf " + leaf.index() + " (" + leaf.kind() + ", decision " + leaf.decisionId()
                        + "): recorded leaf_hash " + Hex.encode(leaf.leafHash()) + " but SHA-256(0x00 || body) is "
                        + Hex.encode(hash));
            }
        }
        byte[] root = MerkleTree.fromLeafHashes(hashes).root();
        if (!Arrays.equals(root, bundle.root())) {
            problems.add("recorded root " + Hex.encode(bundle.root()) + " differs from the RFC 6962 root "
                    + Hex.encode(root) + " recomputed from the " + hashes.size() + " leaf bodies");
        }

        Optional<BundleKeys.ParsedKey> parsed = BundleKeys.parse(key);
        if (parsed.isEmpty()) {
            problems.add("key does not follow bundles/dt=YYYY-MM-DD/tenant=<tenant>/<root hex>.pfb");
        } else {
            BundleKeys.ParsedKey k = parsed.get();
            if (!k.rootHex().equals(Hex.encode(bundle.root()))) {
                problems.add("key names root " + k.rootHex() + " but the object records root "
                        + Hex.encode(bundle.root()));
            }
            LocalDate day = LocalDate.ofInstant(bundle.windowStart(), ZoneOffset.UTC);
            if (!k.day().equals(day)) {
                problems.add("key is in dt=" + k.day() + " but the window starts on " + day);
            }
            if (!k.tenant().equals(bundle.tenant())) {
                problems.add("key names tenant '" + k.tenant() + "' but the object records tenant '"
                        + bundle.tenant() + "'");
            }
        }

        if (problems.isEmpty() && !Arrays.equals(body, EvidenceObjectFormat.json(bundle.toEvent()))) {
            problems.add("body is not the canonical encoding of its own fields: the object was edited after it was"
                    + " written");
        }
        return new BundleVerification(key, problems, Optional.of(bundle));
    }
}
