package io.provability.fabric.schemas.evidence;

import io.provability.fabric.events.EvidenceBundle;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The exact bytes an evidence bundle's signature covers.
 *
 * <p>Not the root alone: a signed bare root could be re-attached to another session or window, and
 * an inclusion proof alone cannot always tell a tree of 15 leaves from one of 16. So the statement
 * binds the root to the tree size, the session, the tenant and the window:
 *
 * <pre>
 * "provability-fabric/evidence-bundle/v1\n"   (UTF-8, 38 bytes)
 * root                                         (32 bytes)
 * tree size                                    (8 bytes, big-endian)
 * session id, tenant                           (each: 4-byte big-endian length + UTF-8)
 * window start, window end                     (each: 8 bytes, big-endian epoch milliseconds)
 * </pre>
 */
public final class BundleStatement {
  /** The domain-separation prefix. */
  public static final String PREFIX = "provability-fabric/evidence-bundle/v1\n";

  private BundleStatement() {}

  /** The statement of {@code bundle}. */
  public static byte[] of(EvidenceBundle bundle) {
    ByteBuffer root = bundle.getRoot().duplicate();
    byte[] rootBytes = new byte[root.remaining()];
    root.get(rootBytes);
    return of(rootBytes, bundle.getLeaves().size(), bundle.getSessionId(), bundle.getTenant(),
        bundle.getWindowStart().toEpochMilli(), bundle.getWindowEnd().toEpochMilli());
  }

  /** The statement from its parts. */
  public static byte[] of(byte[] root, long treeSize, String sessionId, String tenant, long windowStartMillis,
                          long windowEndMillis) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
         DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(PREFIX.getBytes(StandardCharsets.UTF_8));
      out.write(root);
      out.writeLong(treeSize);
      writeString(out, sessionId);
      writeString(out, tenant);
      out.writeLong(windowStartMillis);
      out.writeLong(windowEndMillis);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }
}
