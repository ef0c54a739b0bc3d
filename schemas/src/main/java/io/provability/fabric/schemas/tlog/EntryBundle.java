package io.provability.fabric.schemas.tlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The entry bundle of C2SP tlog-tiles: entries in log order, each as a big-endian uint16 length
 * followed by that many bytes, nothing else. A full bundle holds 256 entries.
 */
public final class EntryBundle {

  /** Largest entry the format can carry: the length prefix is 16 bits. */
  public static final int MAX_ENTRY_BYTES = 0xFFFF;

  private EntryBundle() {}

  /**
   * Encodes entries as a bundle.
   *
   * @param entries the entries, in log order
   * @return the bundle's bytes
   * @throws TlogException if an entry is longer than {@link #MAX_ENTRY_BYTES}
   */
  public static byte[] encode(List<byte[]> entries) {
    Objects.requireNonNull(entries, "entries");
    int total = 0;
    for (int i = 0; i < entries.size(); i++) {
      byte[] entry = Objects.requireNonNull(entries.get(i), "entry");
      if (entry.length > MAX_ENTRY_BYTES) {
        throw new TlogException(
            "entry "
                + i
                + " of the bundle is "
                + entry.length
                + " bytes; an entry holds at most "
                + MAX_ENTRY_BYTES);
      }
      total += 2 + entry.length;
    }
    byte[] out = new byte[total];
    int at = 0;
    for (byte[] entry : entries) {
      out[at++] = (byte) (entry.length >>> 8);
      out[at++] = (byte) entry.length;
      System.arraycopy(entry, 0, out, at, entry.length);
      at += entry.length;
    }
    return out;
  }

  /**
   * Decodes a bundle.
   *
   * @param bundle the bundle's bytes
   * @return its entries, in order
   * @throws TlogException if the last entry is cut short (which also catches trailing garbage
   *     shorter than a length prefix plus its bytes)
   */
  public static List<byte[]> decode(byte[] bundle) {
    Objects.requireNonNull(bundle, "bundle");
    List<byte[]> entries = new ArrayList<>();
    int at = 0;
    while (at < bundle.length) {
      if (bundle.length - at < 2) {
        throw new TlogException(
            "entry bundle has "
                + (bundle.length - at)
                + " trailing byte(s) after entry "
                + (entries.size() - 1)
                + " at offset "
                + at);
      }
      int length = ((bundle[at] & 0xFF) << 8) | (bundle[at + 1] & 0xFF);
      at += 2;
      if (bundle.length - at < length) {
        throw new TlogException(
            "entry bundle is truncated: entry "
                + entries.size()
                + " at offset "
                + (at - 2)
                + " declares "
                + length
                + " bytes, "
                + (bundle.length - at)
                + " remain");
      }
      byte[] entry = new byte[length];
      System.arraycopy(bundle, at, entry, 0, length);
      entries.add(entry);
      at += length;
    }
    return entries;
  }

  /**
   * Decodes a bundle that must hold exactly {@code expected} entries (its width).
   *
   * @param bundle the bundle's bytes
   * @param expected the number of entries its path promises, 1 to 256
   * @return its entries
   * @throws TlogException if it is malformed or holds another number of entries (a bundle with an
   *     extra well-formed record appended is refused here)
   */
  public static List<byte[]> decode(byte[] bundle, int expected) {
    List<byte[]> entries = decode(bundle);
    if (entries.size() != expected) {
      throw new TlogException(
          "entry bundle holds " + entries.size() + " entries, expected " + expected);
    }
    return entries;
  }
}
