package io.provability.fabric.processors.egress.internal;

import java.util.Map;
import java.util.zip.CRC32;

/** Check-digit algorithms and tables the detectors use to reject look-alikes. */
public final class Checksums {
  /** IBAN length per country (ISO 13616 registry, the countries most often seen). */
  public static final Map<String, Integer> IBAN_LENGTHS =
      Map.ofEntries(
          Map.entry("AD", 24),
          Map.entry("AT", 20),
          Map.entry("BE", 16),
          Map.entry("BG", 22),
          Map.entry("CH", 21),
          Map.entry("CY", 28),
          Map.entry("CZ", 24),
          Map.entry("DE", 22),
          Map.entry("DK", 18),
          Map.entry("EE", 20),
          Map.entry("ES", 24),
          Map.entry("FI", 18),
          Map.entry("FR", 27),
          Map.entry("GB", 22),
          Map.entry("GR", 27),
          Map.entry("HR", 21),
          Map.entry("HU", 28),
          Map.entry("IE", 22),
          Map.entry("IS", 26),
          Map.entry("IT", 27),
          Map.entry("LI", 21),
          Map.entry("LT", 20),
          Map.entry("LU", 20),
          Map.entry("LV", 21),
          Map.entry("MC", 27),
          Map.entry("MT", 31),
          Map.entry("NL", 18),
          Map.entry("NO", 15),
          Map.entry("PL", 28),
          Map.entry("PT", 25),
          Map.entry("RO", 24),
          Map.entry("SA", 24),
          Map.entry("SE", 24),
          Map.entry("SI", 19),
          Map.entry("SK", 24),
          Map.entry("SM", 27),
          Map.entry("TR", 26),
          Map.entry("AE", 23),
          Map.entry("IL", 23),
          Map.entry("BR", 29));

  private Checksums() {}

  /** Luhn check over ASCII digits. */
  public static boolean luhn(CharSequence digits) {
    int sum = 0;
    boolean dbl = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  /** ISO 7064 mod-97-10 over an IBAN without spaces (upper-case letters and digits). */
  static boolean ibanMod97(CharSequence iban) {
    int n = iban.length();
    int rem = 0;
    for (int k = 0; k < n; k++) {
      char c = iban.charAt((k + 4) % n);
      if (c >= '0' && c <= '9') {
        rem = (rem * 10 + (c - '0')) % 97;
      } else if (c >= 'A' && c <= 'Z') {
        rem = (rem * 100 + (c - 'A' + 10)) % 97;
      } else {
        return false;
      }
    }
    return rem == 1;
  }

  /** Whether a card number (digits only) starts with a prefix a card network issues. */
  static boolean knownCardBrand(String d) {
    int len = d.length();
    int p2 = Integer.parseInt(d.substring(0, 2));
    int p4 = Integer.parseInt(d.substring(0, 4));
    int p3 = p4 / 10;
    if (d.charAt(0) == '4') {
      return len == 13 || len == 16 || len == 19; // Visa
    }
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
      return len == 16; // Mastercard
    }
    if (p2 == 34 || p2 == 37) {
      return len == 15; // American Express
    }
    if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) {
      return len >= 16 && len <= 19; // Discover
    }
    if (p4 >= 3528 && p4 <= 3589) {
      return len >= 16 && len <= 19; // JCB
    }
    if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38) {
      return len >= 14 && len <= 19; // Diners Club
    }
    if (p2 == 62) {
      return len >= 16 && len <= 19; // UnionPay
    }
    return false;
  }

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  /**
   * GitHub's token checksum (github.blog, "Behind GitHub's new authentication token formats",
   * 2021): after the {@code ghp_}-style prefix come 30 random base62 chars and then 6 chars that
   * are the CRC32 of those 30 chars, in base62 (digits, upper case, lower case), left-padded with
   * zeros.
   *
   * @param body the 36 chars after the prefix
   */
  static boolean githubChecksum(CharSequence body) {
    if (body.length() != 36) {
      return false;
    }
    CRC32 crc = new CRC32();
    for (int i = 0; i < 30; i++) {
      crc.update(body.charAt(i) & 0xFF);
    }
    long expected = 0;
    for (int i = 30; i < 36; i++) {
      int v = BASE62.indexOf(body.charAt(i));
      if (v < 0) {
        return false;
      }
      expected = expected * 62 + v;
    }
    return expected == crc.getValue();
  }

  /**
   * The 6-char base62 checksum of a 30-char GitHub token body (tests use it to make valid tokens).
   */
  public static String githubChecksumOf(CharSequence random30) {
    CRC32 crc = new CRC32();
    for (int i = 0; i < random30.length(); i++) {
      crc.update(random30.charAt(i) & 0xFF);
    }
    long v = crc.getValue();
    char[] out = new char[6];
    for (int i = 5; i >= 0; i--) {
      out[i] = BASE62.charAt((int) (v % 62));
      v /= 62;
    }
    return new String(out);
  }

  /** Shannon entropy in bits per char of {@code s[from, to)}. */
  static double shannon(CharSequence s, int from, int to) {
    int[] counts = new int[128];
    int n = to - from;
    for (int i = from; i < to; i++) {
      counts[s.charAt(i) & 0x7F]++;
    }
    double h = 0;
    for (int c : counts) {
      if (c > 0) {
        double p = (double) c / n;
        h -= p * (Math.log(p) / Math.log(2));
      }
    }
    return h;
  }
}
