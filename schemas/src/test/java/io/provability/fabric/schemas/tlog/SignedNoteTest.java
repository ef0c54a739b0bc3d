package io.provability.fabric.schemas.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signed notes against the published examples: the key and note of golang.org/x/mod/sumdb/note's
 * documentation (Ed25519 is deterministic, so signing must reproduce the note byte for byte) and
 * the verifier-key example of c2sp.org/signed-note.
 */
class SignedNoteTest {

  static final String GO_SKEY =
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  static final String GO_VKEY =
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  static final String GO_TEXT =
      "If you think cryptography is the answer to your problem,\n"
          + "then you don't know what your problem is.\n";
  static final String GO_NOTE =
      GO_TEXT
          + "\n"
          + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  static final String SPEC_VKEY =
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
  static final String SPEC_NOTE =
      "This is an example message.\n\n"
          + "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void signingReproducesTheGoReferenceNote() {
    NoteSigner signer = NoteSigner.parse(GO_SKEY);
    assertEquals(GO_SKEY, signer.signerKey());
    assertEquals(GO_VKEY, signer.verifier().vkey());
    assertEquals(0xc74f20a3, signer.keyId());
    assertArrayEquals(utf8(GO_NOTE), SignedNote.sign(GO_TEXT, signer).encode());
  }

  @Test
  void openVerifiesTheReferenceNotes() {
    SignedNote.VerifiedNote go =
        SignedNote.open(utf8(GO_NOTE), List.of(NoteVerifier.parse(GO_VKEY)));
    assertEquals(GO_TEXT, go.text());
    assertEquals(1, go.verified().size());
    NoteVerifier spec = NoteVerifier.parse(SPEC_VKEY);
    assertEquals(0x530d903a, spec.keyId());
    assertEquals(
        "This is an example message.\n", SignedNote.open(utf8(SPEC_NOTE), List.of(spec)).text());
  }

  @Test
  void unknownKeysAreIgnoredButNeededKnownOne() {
    NoteSigner other = NoteSigner.generate("other.example/log", new SecureRandom());
    SignedNote both = SignedNote.sign(GO_TEXT, NoteSigner.parse(GO_SKEY), other);
    SignedNote.VerifiedNote opened =
        SignedNote.open(both.encode(), List.of(NoteVerifier.parse(GO_VKEY)));
    assertEquals(1, opened.verified().size());
    assertEquals(1, opened.unknown().size());
    TlogException none =
        assertThrows(
            TlogException.class, () -> SignedNote.open(utf8(GO_NOTE), List.of(other.verifier())));
    assertTrue(none.getMessage().contains("no signature from a known key"), none.getMessage());
  }

  @Test
  void badSignatureByKnownKeyFailsTheNote() {
    String tampered = GO_NOTE.replace("problem,", "problem;");
    TlogException e =
        assertThrows(
            TlogException.class,
            () -> SignedNote.open(utf8(tampered), List.of(NoteVerifier.parse(GO_VKEY))));
    assertTrue(
        e.getMessage().contains("invalid signature by known key PeterNeumann+c74f20a3"),
        e.getMessage());
  }

  @Test
  void sameNameOtherKeyIdIsUnknownNotInvalid() {
    NoteSigner impostor = NoteSigner.generate("PeterNeumann", new SecureRandom());
    SignedNote note = SignedNote.sign(GO_TEXT, impostor, NoteSigner.parse(GO_SKEY));
    SignedNote.VerifiedNote opened =
        SignedNote.open(note.encode(), List.of(NoteVerifier.parse(GO_VKEY)));
    assertEquals(1, opened.unknown().size());
  }

  @Test
  void refusesMalformedNotesAndKeys() {
    List<NoteVerifier> known = List.of(NoteVerifier.parse(GO_VKEY));
    for (String bad :
        List.of(
            GO_TEXT,
            GO_NOTE.replace("\u2014", "-"),
            GO_NOTE.substring(0, GO_NOTE.length() - 1),
            GO_NOTE.replace("problem,", "problem,\t"),
            GO_NOTE + "\n")) {
      assertThrows(TlogException.class, () -> SignedNote.open(utf8(bad), known), bad);
    }
    assertThrows(
        TlogException.class, () -> NoteVerifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4")));
    assertThrows(TlogException.class, () -> NoteVerifier.parse("a+b"));
    assertThrows(
        TlogException.class, () -> NoteSigner.parse(GO_SKEY.replace("c74f20a3", "00000000")));
    assertThrows(TlogException.class, () -> NoteSigner.generate("has space", new SecureRandom()));
  }

  /** The cosignature line of the c2sp.org/tlog-cosignature example carries "time 1679315147". */
  @Test
  void parsesTheSpecCosignatureExample() {
    String note =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
            + "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
            + "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    SignedNote parsed = SignedNote.parse(utf8(note));
    assertEquals(2, parsed.signatures().size());
    NoteSignature cosignature = parsed.signatures().get(1);
    assertEquals("witness.example.com/w1", cosignature.name());
    assertEquals(1679315147L, NoteVerifier.cosignatureTime(cosignature.signature()));
    assertEquals(20852163L, Checkpoint.parse(parsed.text()).size());
    assertArrayEquals(utf8(note), parsed.encode());
  }

  @Test
  void cosignatureCoversTimeAndCheckpoint() {
    Clock clock = Clock.fixed(Instant.ofEpochSecond(1679315147), ZoneOffset.UTC);
    NoteSigner log = NoteSigner.generate("example.com/log", new SecureRandom());
    NoteSigner witness =
        NoteSigner.generate("witness.example/w1", new SecureRandom()).asCosigner(clock);
    assertEquals(NoteVerifier.TYPE_COSIGNATURE_V1, witness.verifier().type());
    NoteVerifier parsed = NoteVerifier.parse(witness.verifier().vkey());
    assertEquals(witness.keyId(), parsed.keyId());

    Checkpoint checkpoint = new Checkpoint("example.com/log", 5, new byte[32]);
    SignedNote signed = SignedNote.sign(checkpoint.body(), log).withSignatures(witness);
    SignedNote.VerifiedNote opened =
        SignedNote.open(signed.encode(), List.of(log.verifier(), parsed));
    assertTrue(opened.signedBy(parsed));
    byte[] cosig = signed.signatures().get(1).signature();
    assertEquals(1679315147L, NoteVerifier.cosignatureTime(cosig));
    // The same signature over a plain message does not verify: the header and time are signed.
    assertFalse(
        NoteVerifier.ed25519("witness.example/w1", parsed.publicKey())
            .verify(checkpoint.bodyBytes(), Arrays.copyOfRange(cosig, 8, 72)));
    cosig[7] ^= 1;
    assertFalse(parsed.verify(checkpoint.bodyBytes(), cosig));
  }
}
