package io.provability.fabric.processors.egress.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Random-looking runs that are public by design: the entropy detector asks here before it reports a
 * run. Each test is a prefix or a bounded decode, so the cost per run is constant or linear in it.
 */
final class EncodedData {
  /**
   * Prefixes of ids and keys that vendors publish or send to browsers: Stripe publishable keys and
   * object ids (a PaymentIntent's client secret {@code pi_…_secret_…} is meant for the browser
   * too), Subresource Integrity digests ({@code sha512-…}, as in npm lock files) and
   * Content-Security-Policy nonces ({@code nonce-…}, sent in every page).
   */
  private static final String[] PUBLIC_PREFIXES = {
    "pk_live_",
    "pk_test_",
    "pi_",
    "ch_",
    "evt_",
    "cus_",
    "in_",
    "sub_",
    "price_",
    "prod_",
    "pm_",
    "seti_",
    "txn_",
    "re_",
    "acct_",
    "po_",
    "tr_",
    "py_",
    "src_",
    "card_",
    "ba_",
    "cs_live_",
    "cs_test_",
    "si_",
    "ii_",
    "il_",
    "plan_",
    "tok_",
    "btok_",
    "file_",
    "link_",
    "req_",
    "sess_",
    "prc_",
    "cbtxn_",
    "dp_",
    "du_",
    "sha1-",
    "sha256-",
    "sha384-",
    "sha512-",
    "nonce-"
  };

  /** Base64 of file signatures: PNG, JPEG, GIF, WebP/RIFF, PDF, ICO, ZIP. */
  private static final String[] FILE_MAGIC = {
    "iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "AAABAA", "UEsDB"
  };

  private EncodedData() {}

  /**
   * Whether the run {@code text[from, end)} (padding up to {@code padded}) is public or encoded
   * data rather than a credential: a placeholder, a public id, inline file data, an SSH public key,
   * or base64 of ordinary prose.
   */
  static boolean notASecret(String text, int from, int end, int padded) {
    if (Placeholders.token(text, from, end)) {
      return true;
    }
    for (String p : PUBLIC_PREFIXES) {
      if (text.startsWith(p, from)) {
        return true;
      }
    }
    if (from >= 7 && text.startsWith("base64,", from - 7)) {
      return true; // a data: URI's payload
    }
    for (String m : FILE_MAGIC) {
      if (text.startsWith(m, from)) {
        return true;
      }
    }
    return publicQueryValue(text, from)
        || urlPath(text, from, padded)
        || sshPublicKey(text, from, end)
        || base64OfText(text, from, padded);
  }

  /**
   * A run inside the path of a URL ({@code https://docs.google.com/document/d/1W7K…/edit}):
   * document, video and gist ids are public. Paths that name a webhook, token, key or secret stay
   * suspects (Discord and Teams webhooks carry their credential in the path).
   */
  static boolean urlPath(String text, int from, int padded) {
    int k = from - 1;
    int floor = Math.max(0, from - 256);
    while (k >= floor
        && !Character.isWhitespace(text.charAt(k))
        && text.charAt(k) != '"'
        && text.charAt(k) != '\''
        && text.charAt(k) != '('
        && text.charAt(k) != '<') {
      k--;
    }
    int scheme = indexOf(text, "://", k + 1, from);
    if (scheme < 0) {
      return false;
    }
    String url = text.substring(scheme, padded).toLowerCase(Locale.ROOT);
    return url.indexOf('?') < 0
        && !(url.contains("webhook")
            || url.contains("token")
            || url.contains("key")
            || url.contains("secret")
            || url.contains("@"));
  }

  /**
   * First index of {@code needle} in {@code text[from, to)}, or -1; never looks past {@code to}.
   */
  static int indexOf(String text, String needle, int from, int to) {
    for (int i = Math.max(0, from); i + needle.length() <= to; i++) {
      if (text.startsWith(needle, i)) {
        return i;
      }
    }
    return -1;
  }

  /** Query parameters whose values are credentials (presigned URLs, OAuth redirects, API keys). */
  private static final String[] SECRET_PARAMS = {
    "key",
    "token",
    "secret",
    "sig",
    "pass",
    "pwd",
    "auth",
    "credential",
    "code",
    "session",
    "jwt",
    "hmac"
  };

  /**
   * The value of a URL query parameter whose name is not credential-like ({@code ?v=…}, {@code
   * &list=…}, {@code ?id=…}): a public id in a link. {@code ?access_token=…}, {@code
   * &X-Amz-Signature=…} and {@code ?key=…} stay suspects.
   */
  static boolean publicQueryValue(String text, int from) {
    if (from < 3 || text.charAt(from - 1) != '=') {
      return false;
    }
    int k = from - 2;
    while (k >= 0
        && from - k <= 40
        && (Character.isLetterOrDigit(text.charAt(k))
            || text.charAt(k) == '_'
            || text.charAt(k) == '-'
            || text.charAt(k) == '.')) {
      k--;
    }
    if (k < 0 || (text.charAt(k) != '?' && text.charAt(k) != '&') || k == from - 2) {
      return false;
    }
    String name = text.substring(k + 1, from - 1).toLowerCase(Locale.ROOT);
    for (String p : SECRET_PARAMS) {
      if (name.contains(p)) {
        return false;
      }
    }
    return true;
  }

  /**
   * An SSH public key blob (RFC 4253 §6.6): base64 of a 4-byte length and then the key type name,
   * {@code ssh-rsa}, {@code ssh-ed25519}, {@code ecdsa-sha2-…} or {@code sk-…}.
   */
  static boolean sshPublicKey(String text, int from, int end) {
    if (end - from < 32 || !text.startsWith("AAAA", from)) {
      return false;
    }
    byte[] head;
    try {
      head = Base64.getDecoder().decode(text.substring(from, from + 32));
    } catch (IllegalArgumentException e) {
      return false;
    }
    int len =
        ((head[0] & 0xFF) << 24)
            | ((head[1] & 0xFF) << 16)
            | ((head[2] & 0xFF) << 8)
            | (head[3] & 0xFF);
    if (len < 5 || len > 40) {
      return false;
    }
    String name = new String(head, 4, Math.min(len, head.length - 4), StandardCharsets.ISO_8859_1);
    return name.startsWith("ssh-") || name.startsWith("ecdsa-") || name.startsWith("sk-");
  }

  /**
   * Base64 that decodes to printable text: a sentence (with blanks and no {@code :}, so not a
   * Basic-auth pair {@code user:password}) or a JSON object or array (a config, a cursor).
   */
  static boolean base64OfText(String text, int from, int padded) {
    String run = text.substring(from, padded);
    byte[] bytes;
    try {
      bytes =
          run.indexOf('-') >= 0 || run.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(run)
              : Base64.getDecoder().decode(run);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int printable = 0;
    int blanks = 0;
    int colons = 0;
    for (byte b : bytes) {
      if (b == ':') {
        colons++;
      }
      if ((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t' || b == '\r') {
        printable++;
      }
      if (b == ' ') {
        blanks++;
      }
    }
    if (bytes.length == 0 || printable * 100 < 95 * bytes.length) {
      return false;
    }
    boolean json = bytes[0] == '{' || bytes[0] == '[';
    return json || (colons == 0 && blanks * 12 >= bytes.length);
  }
}
