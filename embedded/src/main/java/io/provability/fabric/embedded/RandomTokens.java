package io.provability.fabric.embedded;

import java.security.SecureRandom;

/** Credentials made up per start, so that nothing outside this JVM's caller can guess them. */
final class RandomTokens {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
  private static final char[] ALNUM =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private RandomTokens() {}

  /**
   * Letters and digits only: the values end up inside SQL literals, Redis and S3 signing strings
   * and URLs, where nothing then needs quoting.
   */
  static String alphanumeric(int length) {
    return draw(ALNUM, length);
  }

  /** Shaped like an AWS access key id (20 upper-case letters and digits). */
  static String accessKeyId() {
    return "AKIA" + draw(UPPER_ALNUM, 16);
  }

  private static String draw(char[] alphabet, int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = alphabet[RANDOM.nextInt(alphabet.length)];
    }
    return new String(out);
  }
}
