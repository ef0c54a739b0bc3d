package io.provability.fabric.processors.crypto.internal;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one signing rule of the fabric's signed Avro records (capability tokens, access receipts,
 * egress certificates): an Ed25519 signature covers the canonical encoding ({@link
 * CanonicalEncoding#encode}) of the record with its signature field set to empty bytes. Each record
 * type makes one instance that knows how to read and replace its signature field; what else a
 * signer sets first (key id, algorithm) stays with the record type.
 *
 * @param <R> the signed record type
 */
public final class CanonicalSigning<R extends SpecificRecord> {
  private static final ByteBuffer NO_SIGNATURE = ByteBuffer.allocate(0);

  private final Function<R, ByteBuffer> signature;
  private final BiFunction<R, ByteBuffer, R> withSignature;

  /**
   * @param signature reads a record's signature field (may answer null)
   * @param withSignature a copy of a record with its signature field replaced
   */
  public CanonicalSigning(
      Function<R, ByteBuffer> signature, BiFunction<R, ByteBuffer, R> withSignature) {
    this.signature = signature;
    this.withSignature = withSignature;
  }

  /** The bytes a signature over {@code record} covers: its encoding with the signature blanked. */
  public byte[] signedBytes(R record) {
    return CanonicalEncoding.encode(withSignature.apply(record, NO_SIGNATURE.duplicate()));
  }

  /** A copy of {@code record} whose signature field holds {@code key}'s signature over it. */
  public R sign(R record, Ed25519.SigningKey key) {
    byte[] sig = key.sign(signedBytes(record));
    return withSignature.apply(record, ByteBuffer.wrap(sig));
  }

  /** The record's signature as an array, empty for none (the Avro buffer is left untouched). */
  public byte[] signatureOf(R record) {
    ByteBuffer sig = signature.apply(record);
    return sig == null ? new byte[0] : Bytes.toArray(sig);
  }

  /** Whether {@code record}'s signature verifies under {@code keyId} of {@code trusted}. */
  public boolean verify(R record, String keyId, KeyRing trusted) {
    return trusted.verify(keyId, signedBytes(record), signatureOf(record));
  }

  /**
   * Whether {@code record}'s signature verifies under the raw Ed25519 {@code publicKey}; a record
   * that cannot be encoded answers false.
   */
  public boolean verify(R record, byte[] publicKey) {
    try {
      return Ed25519.verify(publicKey, signedBytes(record), signatureOf(record));
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }
}
