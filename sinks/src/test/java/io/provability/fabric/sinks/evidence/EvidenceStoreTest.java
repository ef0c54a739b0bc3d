package io.provability.fabric.sinks.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.schemas.evidence.BundleStatement;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.sinks.testing.S3ProxyFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The evidence store against a real S3Proxy. */
class EvidenceStoreTest {

    private static final Instant WINDOW = Instant.parse("2026-11-27T10:15:00Z");
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3ProxyFixture s3proxy;
    private static S3Client client;

    private EvidenceStore store;
    private String bucket;

    @BeforeAll
    static void startS3Proxy() {
        s3proxy = S3ProxyFixture.start();
        client = s3proxy.client();
    }

    @AfterAll
    static void stopS3Proxy() {
        client.close();
        s3proxy.close();
    }

    @BeforeEach
    void openStore() {
        bucket = "evidence-" + BUCKETS.incrementAndGet();
        store = EvidenceStore.open(config(bucket));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private static EvidenceStoreConfig config(String bucket) {
        return EvidenceStoreConfig.builder()
                .endpoint(s3proxy.endpoint())
                .region(S3ProxyFixture.REGION)
                .bucket(bucket)
                .accessKey(S3ProxyFixture.ACCESS_KEY)
                .secretKey(S3ProxyFixture.SECRET_KEY)
                .build();
    }

    private int objectCount() {
        return client.listObjectsV2(b -> b.bucket(bucket)).keyCount();
    }

    /** A one-leaf bundle whose JSON body is within a few bytes of {@code targetLength}. */
    static EvidenceBundle bundleWithBodyLength(int targetLength) {
        for (int n = 1; ; n++) {
            byte[] body = ("leaf body " + "x".repeat(n)).getBytes(StandardCharsets.UTF_8);
            EvidenceBundle b = EvidenceBundle.newBuilder()
                    .setSessionId("session-size").setTenant("tenant-a")
                    .setWindowStart(WINDOW).setWindowEnd(WINDOW.plusSeconds(60))
                    .setLeaves(List.of(EvidenceLeaf.newBuilder().setKind(LeafKind.DECISION).setDecisionId("dec-size")
                            .setRequestId("req-size").setBody(ByteBuffer.wrap(body)).build()))
                    .setRoot(ByteBuffer.wrap(MerkleTree.fromLeaves(List.of(body)).root()))
                    .setCreatedAt(WINDOW.plusSeconds(61))
                    .build();
            if (EvidenceObjectFormat.json(b).length >= targetLength) {
                return b;
            }
        }
    }

    @Test
    void aBodyOf900BytesIsStoredUncompressedAndOneOf5KibIsLz4Compressed() {
        EvidenceBundle small = bundleWithBodyLength(900);
        EvidenceBundle large = TestEvents.bundle("session-large", "tenant-a", WINDOW, 0, 14);
        assertThat(EvidenceObjectFormat.json(small).length).isBetween(900, 904);
        assertThat(EvidenceObjectFormat.json(large).length).isBetween(5 * 1024, 7 * 1024);

        PutResult smallPut = store.put(small);
        PutResult largePut = store.put(large);

        byte[] smallObject = client.getObjectAsBytes(b -> b.bucket(bucket).key(smallPut.key())).asByteArray();
        byte[] largeObject = client.getObjectAsBytes(b -> b.bucket(bucket).key(largePut.key())).asByteArray();
        assertThat(Arrays.copyOf(smallObject, 4)).isEqualTo("PFEB".getBytes(StandardCharsets.US_ASCII));
        assertThat(smallObject[5]).as("flags of the 900-byte body").isZero();
        assertThat(largeObject[5]).as("flags of the 5 KiB body").isEqualTo((byte) EvidenceObjectFormat.FLAG_LZ4);
        assertThat(largeObject.length).isLessThan(EvidenceObjectFormat.json(large).length);

        assertThat(store.read(smallPut.key()).toEvent()).isEqualTo(small);
        assertThat(store.read(largePut.key()).toEvent()).isEqualTo(large);
        assertThat(store.verify(smallPut.key()).ok()).isTrue();
        assertThat(store.verify(largePut.key()).ok()).isTrue();
    }

    @Test
    void aSignedBundleOfAllFourLeafKindsKeepsItsKeyIdAndSignatureWhichVerifiesOverTheStatement()
            throws GeneralSecurityException {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Instant start = Instant.parse("2026-11-27T10:00:00.250Z");
        List<byte[]> bodies = List.of(bytes("request"), bytes("decision"), bytes("receipt"), bytes("certificate"));
        List<LeafKind> kinds = List.of(LeafKind.REQUEST, LeafKind.DECISION, LeafKind.RECEIPT, LeafKind.CERTIFICATE);
        List<EvidenceLeaf> leaves = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            leaves.add(EvidenceLeaf.newBuilder().setKind(kinds.get(i)).setDecisionId("dec-1").setRequestId("req-1")
                    .setBody(ByteBuffer.wrap(bodies.get(i))).build());
        }
        EvidenceBundle unsigned = EvidenceBundle.newBuilder()
                .setSessionId("session-signed").setTenant("tenant-a")
                .setWindowStart(start).setWindowEnd(start.plusSeconds(60)).setCreatedAt(start.plusSeconds(61))
                .setLeaves(leaves).setRoot(ByteBuffer.wrap(MerkleTree.fromLeaves(bodies).root()))
                .setKeyId(null).setSignature(null).build();
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(keys.getPrivate());
        signer.update(BundleStatement.of(unsigned));
        EvidenceBundle signed = EvidenceBundle.newBuilder(unsigned).setKeyId("bundler-key-1")
                .setSignature(ByteBuffer.wrap(signer.sign())).build();

        StoredBundle stored = store.read(store.put(signed).key());

        assertThat(stored.leaves()).extracting(StoredBundle.Leaf::kind).containsExactlyElementsOf(kinds);
        assertThat(stored.keyId()).isEqualTo("bundler-key-1");
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(keys.getPublic());
        verifier.update(stored.signedStatement());
        assertThat(verifier.verify(stored.signature())).isTrue();
        // the statement binds the session: the same signature does not cover another session's bundle
        verifier.initVerify(keys.getPublic());
        verifier.update(BundleStatement.of(EvidenceBundle.newBuilder(signed).setSessionId("other").build()));
        assertThat(verifier.verify(stored.signature())).isFalse();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theKeyIsContentAddressedAndASecondPutWritesNothing() {
        EvidenceBundle bundle = TestEvents.bundle("session-1", "tenant-a", WINDOW, 0, 5);

        PutResult first = store.put(bundle);
        PutResult second = store.put(bundle);

        assertThat(first.key()).isEqualTo("bundles/dt=2026-11-27/tenant=tenant-a/" + first.rootHex() + ".pfb");
        assertThat(first.outcome()).isEqualTo(PutResult.Outcome.WRITTEN);
        assertThat(second.key()).isEqualTo(first.key());
        assertThat(second.outcome()).isEqualTo(PutResult.Outcome.ALREADY_PRESENT);
        assertThat(second.deduplicated()).isTrue();
        assertThat(objectCount()).isEqualTo(1);
        assertThat(store.objectsWritten()).isEqualTo(1);
        assertThat(store.deduplicated()).isEqualTo(1);
    }

    @Test
    void aConcurrentWriterOfTheSameBundleGets412WhichCountsAsADedup() {
        EvidenceBundle bundle = TestEvents.bundle("session-1", "tenant-a", WINDOW, 0, 5);
        try (EvidenceStore other = EvidenceStore.open(config(bucket))) {
            other.put(bundle);
        }
        // what the store sends after a HEAD that missed: the PUT guarded by If-None-Match: *
        PutResult raced = store.putWithoutHead(bundle);

        assertThat(raced.outcome()).isEqualTo(PutResult.Outcome.PRECONDITION_FAILED);
        assertThat(store.preconditionFailures()).isEqualTo(1);
        assertThat(objectCount()).isEqualTo(1);
    }

    @Test
    void aTamperedLeafFailsVerificationNamingTheLeafAndTheRoot() {
        EvidenceBundle bundle = bundleWithBodyLength(600);
        PutResult put = store.put(bundle);
        byte[] object = store.readRaw(put.key());
        String text = new String(object, StandardCharsets.ISO_8859_1);
        int body = text.indexOf("\"body\":\"") + 20; // inside the leaf's base64 text
        object[body] = (byte) (object[body] == 'A' ? 'B' : 'A');
        client.putObject(b -> b.bucket(bucket).key(put.key()), RequestBody.fromBytes(object));

        BundleVerification v = store.verify(put.key());

        assertThat(v.ok()).isFalse();
        assertThat(v.problems()).anySatisfy(p -> assertThat(p).startsWith("leaf 0 (DECISION, decision dec-size): "
                + "recorded leaf_hash"));
        assertThat(v.problems()).anySatisfy(p -> assertThat(p).contains("differs from the RFC 6962 root"));
        assertThatThrownBy(v::orThrow).isInstanceOf(EvidenceVerificationException.class)
                .hasMessageContaining(put.key() + ": FAILED verification");
    }

    @Test
    void aFlippedByteInACompressedObjectFailsVerification() {
        EvidenceBundle bundle = TestEvents.bundle("session-2", "tenant-b", WINDOW, 0, 12);
        PutResult put = store.put(bundle);
        byte[] object = store.readRaw(put.key());
        object[object.length / 2] ^= 0x01;
        client.putObject(b -> b.bucket(bucket).key(put.key()), RequestBody.fromBytes(object));

        BundleVerification v = store.verify(put.key());

        assertThat(v.ok()).isFalse();
        assertThat(v.summary()).contains("FAILED verification");
    }

    @Test
    void anObjectMovedToAnotherKeyFailsTheKeyCheck() {
        EvidenceBundle bundle = TestEvents.bundle("session-3", "tenant-a", WINDOW, 0, 3);
        PutResult put = store.put(bundle);
        String forged = "bundles/dt=2026-11-26/tenant=tenant-z/" + "0".repeat(64) + ".pfb";
        client.copyObject(b -> b.sourceBucket(bucket).sourceKey(put.key()).destinationBucket(bucket)
                .destinationKey(forged));

        assertThat(store.verify(forged).problems()).containsExactlyInAnyOrder(
                "key names root " + "0".repeat(64) + " but the object records root " + put.rootHex(),
                "key is in dt=2026-11-26 but the window starts on 2026-11-27",
                "key names tenant 'tenant-z' but the object records tenant 'tenant-a'");
        assertThat(store.verify("bundles/missing.pfb").problems()).containsExactly("object does not exist");
    }

    @Test
    void aBundleWhoseRootDoesNotMatchItsLeavesIsRefused() {
        EvidenceBundle bundle = TestEvents.bundle("session-4", "tenant-a", WINDOW, 0, 3);
        bundle.setRoot(ByteBuffer.wrap(new byte[32]));

        assertThatThrownBy(() -> store.put(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("declares root 0000");
        assertThat(objectCount()).isZero();
    }

    @Test
    void listingIsByDayPrefix() {
        store.put(TestEvents.bundle("s1", "tenant-a", WINDOW, 0, 2));
        store.put(TestEvents.bundle("s2", "tenant/with slash", WINDOW, 10, 2));
        store.put(TestEvents.bundle("s3", "tenant-a", WINDOW.minusSeconds(86_400), 20, 2));

        assertThat(store.list()).hasSize(3);
        List<BundleObject> today = store.list(LocalDate.parse("2026-11-27"));
        assertThat(today).hasSize(2).extracting(BundleObject::tenant)
                .containsExactlyInAnyOrder("tenant-a", "tenant/with slash");
        assertThat(today).extracting(BundleObject::key)
                .anySatisfy(k -> assertThat(k).contains("/tenant=tenant%2Fwith%20slash/"));
        assertThat(store.list(LocalDate.parse("2026-11-26"))).singleElement()
                .satisfies(o -> assertThat(store.verify(o.key()).ok()).isTrue());
    }

    @Test
    void s3ProxyHasNoLifecycleSupportAndTheStoreSaysSo() {
        LifecycleStatus status = store.lifecycle();

        assertThat(status.supported()).isFalse();
        assertThat(status.applied()).isFalse();
        assertThat(status.detail()).contains("does not implement bucket lifecycle");
        assertThat(status.transitionDays()).isEqualTo(30);
        assertThat(status.expirationDays()).isEqualTo(2555);
        // and the store still works
        assertThat(store.put(TestEvents.bundle("s", "t", WINDOW, 0, 1)).outcome())
                .isEqualTo(PutResult.Outcome.WRITTEN);
    }

    @Test
    void s3ProxyAnswers412ToAConditionalPutOnAnExistingKey() {
        client.createBucket(b -> b.bucket(bucket + "-raw"));
        client.putObject(b -> b.bucket(bucket + "-raw").key("k"), RequestBody.fromString("one"));
        assertThatThrownBy(() -> client.putObject(b -> b.bucket(bucket + "-raw").key("k").ifNoneMatch("*"),
                RequestBody.fromString("two")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
    }
}
