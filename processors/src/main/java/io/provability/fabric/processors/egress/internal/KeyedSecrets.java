package io.provability.fabric.processors.egress.internal;

import io.provability.fabric.processors.egress.FindingType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Values that a credential name gives away: {@code password=…}, {@code "client_secret": "…"},
 * {@code AWS_SECRET_ACCESS_KEY=…}, {@code <password>…</password>}, {@code パスワード：…}, {@code
 * contraseña=…}, {@code Authorization: Bearer …}, {@code postgres://app:…@db}, and prose such as
 * "the password is …" or "das Passwort ist …". The name is the evidence the bare entropy detector
 * lacks, so the value may be hex or contain punctuation; it must still look like a secret rather
 * than a word, a placeholder, a reference or an expression (see {@link #looksLikeSecret}).
 *
 * <p>Bounded work: the scan looks for operators ({@code : = ： ＝}, a particle such as {@code は} or
 * {@code 是}, a verb such as " is ") and then walks back at most {@value #NAME_REACH} chars for a
 * name, so each char is looked at a bounded number of times.
 */
final class KeyedSecrets {
  /** Longest value read after a credential name. */
  static final int MAX_VALUE = 256;

  /** Shortest value reported: shorter ones are too weak to tell from ordinary words. */
  static final int MIN_VALUE = 8;

  /** How far back from an operator a name (with a quote and blanks) may start. */
  static final int NAME_REACH = 40;

  /**
   * Credential names, lower case, with separators ({@code _ - . space}) removed; a name matches
   * when the normalised words before the operator end with it ({@code DB_PASSWORD}, {@code
   * spring.datasource.password}, {@code x-api-key}). {@code key} alone is not a name ({@code
   * cache_key}, {@code primary key}).
   */
  private static final String[] NAMES = {
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "pwd",
    "dbpass",
    "secret",
    "secretkey",
    "secretaccesskey",
    "secretkeybase",
    "apikey",
    "accesskey",
    "accountkey",
    "privatekey",
    "signingkey",
    "encryptionkey",
    "hmackey",
    "masterkey",
    "authkey",
    "token",
    "credential",
    "credentials",
    "authorization",
    "パスワード",
    "暗証番号",
    "密码",
    "密碼",
    "口令",
    "비밀번호",
    "암호",
    "пароль",
    "contraseña",
    "contrasena",
    "clave",
    "senha",
    "motdepasse",
    "passwort",
    "kennwort",
    "wachtwoord",
    "parola",
    "hasło",
    "haslo",
    "lösenord",
    "losenord",
    "salasana",
    "heslo",
    "jelszó",
    "jelszo",
    "şifre",
    "sifre",
    "κωδικός",
    "סיסמה",
    "كلمةالمرور",
    "كلمةالسر",
    "पासवर्ड",
    "mậtkhẩu",
    "katasandi",
    "トークン",
    "令牌",
    "токен",
    "秘密鍵",
    "シークレット",
    "密钥",
    "密鑰",
    "clésecrète",
    "cléapi"
  };

  /** Verbs of "the password is …" in a few languages, with their blanks. */
  private static final String[] VERBS = {
    " is ",
    " was ",
    " is now ",
    " ist ",
    " lautet ",
    " est ",
    " es ",
    " é ",
    " è ",
    " är ",
    " er ",
    " is: "
  };

  /** Particles that follow a name directly: パスワードは…, 密码是…, 密码为…, 비밀번호는…. */
  private static final String PARTICLES = "は是为為는은";

  /** HTTP authentication schemes that precede the credential after {@code Authorization:}. */
  private static final Pattern AUTH_SCHEME =
      Pattern.compile("(?i)(?:bearer|basic|token|bot|apikey)[ \\t]{1,3}+");

  private static final Pattern IDENTIFIER_PATH =
      Pattern.compile("[A-Za-z_$][\\w$]*+(?:\\.[A-Za-z_$][\\w$]*+)++");

  private KeyedSecrets() {}

  /**
   * Appends a HIGH_ENTROPY (0.80) candidate, or CLOUD_KEY for an AWS secret key, for each keyed
   * value.
   */
  static void scan(String text, List<Detectors.Candidate> out) {
    int n = text.length();
    int resume = 0;
    for (int op = 0; op < n; op++) {
      char c = text.charAt(op);
      if (op < resume) {
        continue;
      }
      if (c == ':' || c == '=' || c == '\uFF1A' || c == '\uFF1D' || PARTICLES.indexOf(c) >= 0) {
        String name = nameBefore(text, op, true);
        if (name != null) {
          int v = op + 1;
          if (v < n
              && ((c == ':' && text.charAt(v) == '=') || (c == '=' && text.charAt(v) == '>'))) {
            v++;
          }
          resume = Math.max(op + 1, readValue(text, skipBlanks(text, v), name, false, out));
        }
      } else if (c == ' ') {
        for (String verb : VERBS) {
          if (text.regionMatches(true, op, verb, 0, verb.length())) {
            String name = nameBefore(text, op, false);
            if (name != null) {
              int v = skipBlanks(text, op + verb.length());
              if (v < n && text.charAt(v) == ':') {
                v = skipBlanks(text, v + 1);
              }
              resume = Math.max(op + 1, readValue(text, v, name, true, out));
            }
            break;
          }
        }
      } else if (c == '<') {
        resume = element(text, op, out);
      } else if (c == '/' && op >= 1 && text.startsWith("://", op - 1)) {
        resume = urlPassword(text, op + 2, out);
      }
    }
  }

  /** {@code <password>value</password>}, as in Maven's settings.xml. */
  private static int element(String text, int lt, List<Detectors.Candidate> out) {
    int k = lt + 1;
    StringBuilder name = new StringBuilder();
    while (k < text.length() && k - lt <= NAME_REACH && text.charAt(k) != '>') {
      char c = text.charAt(k);
      if (!(Character.isLetter(c) || c == '_' || c == '-' || c == '.')) {
        return lt + 1;
      }
      if (Character.isLetter(c)) {
        name.append(Character.toLowerCase(c));
      }
      k++;
    }
    if (k >= text.length() || text.charAt(k) != '>' || matchName(name) == null) {
      return lt + 1;
    }
    return readValue(text, k + 1, matchName(name), false, out);
  }

  /** The password of {@code scheme://user:password@host}. */
  private static int urlPassword(String text, int from, List<Detectors.Candidate> out) {
    int n = text.length();
    int colon = -1;
    int k = from;
    while (k < n && k - from <= 128) {
      char c = text.charAt(k);
      if (c == '@') {
        break;
      }
      if (c == '/' || Character.isWhitespace(c) || c == '"' || c == '\'' || c == '<' || c == '>') {
        return from;
      }
      if (c == ':' && colon < 0) {
        colon = k;
      }
      k++;
    }
    if (k >= n || text.charAt(k) != '@' || colon < 0 || k - colon - 1 < 6) {
      return from;
    }
    int start = colon + 1;
    if (looksLikeSecret(text, start, k, 6)) {
      out.add(new Detectors.Candidate(FindingType.HIGH_ENTROPY, start, k, 0.8));
    }
    return k;
  }

  private static int skipBlanks(String text, int k) {
    int limit = k + 4;
    while (k < text.length()
        && k < limit
        && (text.charAt(k) == ' ' || text.charAt(k) == '\t' || text.charAt(k) == '\u3000')) {
      k++;
    }
    return k;
  }

  /** Words that may stand between a name and its verb: "the password for the staging db is …". */
  private static final List<String> PREPOSITIONS =
      List.of(
          "for", "to", "of", "on", "at", "in", "für", "zu", "pour", "du", "de", "del", "para",
          "per", "для", "от");

  /**
   * The credential name that ends just before {@code op} (after an optional quote and up to 4
   * blanks), or null. Separators inside the name ({@code _ - .}, and blanks between words) are
   * ignored, so {@code DB_PASSWORD}, {@code spring.datasource.password} and {@code mot de passe}
   * are names. In prose ({@code strict} false) the name may be followed by a phrase that starts
   * with a preposition.
   */
  static String nameBefore(String text, int op, boolean strict) {
    int k = op - 1;
    int blanks = 0;
    while (k >= 0 && blanks < 4 && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
      k--;
      blanks++;
    }
    if (strict
        && k >= 0
        && (text.charAt(k) == '"' || text.charAt(k) == '\'' || text.charAt(k) == ']')) {
      k--;
    }
    // the words before op, nearest first, each lower case without separators
    List<StringBuilder> words = new ArrayList<>(8);
    StringBuilder word = new StringBuilder();
    int stop = Math.max(-1, k - NAME_REACH);
    for (; k > stop; k--) {
      char c = text.charAt(k);
      if (Character.isLetter(c)) {
        word.append(Character.toLowerCase(c));
      } else if (c == '_' || c == '-' || (strict && c == '.')) {
        continue;
      } else if (c == ' ' && word.length() > 0 && words.size() < 6) {
        words.add(word);
        word = new StringBuilder();
      } else {
        break;
      }
    }
    if (word.length() > 0) {
      words.add(word);
    }
    if (words.isEmpty()) {
      return null;
    }
    for (int j = 0; j < words.size(); j++) {
      if (j > 0
          && (strict
              || !PREPOSITIONS.contains(
                  new StringBuilder(words.get(j - 1)).reverse().toString()))) {
        continue;
      }
      StringBuilder normalised = new StringBuilder();
      for (int w = j; w < words.size(); w++) {
        normalised.append(words.get(w));
      }
      String found = matchName(normalised.reverse());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** The name {@code normalised} ends with, or null. */
  private static String matchName(CharSequence normalised) {
    String s = normalised.toString();
    for (String name : NAMES) {
      if (s.endsWith(name)) {
        return name;
      }
    }
    return null;
  }

  /**
   * Reads the value at {@code start} (quoted, or bare up to a delimiter), reports it if it looks
   * like a secret, and returns where scanning may resume.
   */
  private static int readValue(
      String text, int start, String name, boolean prose, List<Detectors.Candidate> out) {
    int n = text.length();
    if (name.equals("authorization")) {
      var m = AUTH_SCHEME.matcher(text).region(start, Math.min(n, start + 16));
      if (m.lookingAt()) {
        start = m.end();
      }
    }
    int end;
    int resume;
    char q = start < n ? text.charAt(start) : ' ';
    char close = closingQuote(q);
    if (close != 0) {
      start++;
      end = start;
      while (end < n
          && end - start <= MAX_VALUE
          && text.charAt(end) != close
          && text.charAt(end) != '\n') {
        end++;
      }
      boolean closed = end < n && text.charAt(end) == close;
      resume = closed ? end + 1 : end;
      if (!closed) {
        end = start; // an unterminated quote is not a literal we can delimit
      }
    } else {
      end = start;
      while (end < n && end - start <= MAX_VALUE && !endsBareValue(text.charAt(end))) {
        end++;
      }
      resume = end;
      while (prose && end > start && (text.charAt(end - 1) == '.' || text.charAt(end - 1) == ':')) {
        end--; // the sentence's full stop, not part of the value
      }
    }
    if (looksLikeSecret(text, start, end, MIN_VALUE)) {
      boolean awsSecret =
          (name.equals("secretaccesskey") || name.equals("secretkey"))
              && end - start == 40
              && awsSecretShape(text, start, end)
              && awsNamed(text, start);
      out.add(
          new Detectors.Candidate(
              awsSecret ? FindingType.CLOUD_KEY : FindingType.HIGH_ENTROPY,
              start,
              end,
              awsSecret ? 0.95 : 0.8));
    }
    return resume;
  }

  private static char closingQuote(char q) {
    return switch (q) {
      case '"', '\'', '`' -> q;
      case '\u201C' -> '\u201D';
      case '\u2018' -> '\u2019';
      case '\u300C' -> '\u300D';
      case '\u300E' -> '\u300F';
      case '\u00AB' -> '\u00BB';
      default -> 0;
    };
  }

  private static boolean awsSecretShape(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '/' && c != '+') {
        return false;
      }
    }
    return true;
  }

  /**
   * The name before the value mentions AWS ({@code AWS_SECRET_ACCESS_KEY}, {@code aws_secret_key}).
   */
  private static boolean awsNamed(String text, int valueStart) {
    int from = Math.max(0, valueStart - NAME_REACH - 8);
    return text.substring(from, valueStart).toLowerCase(Locale.ROOT).contains("aws");
  }

  private static boolean endsBareValue(char c) {
    return Character.isWhitespace(c)
        || c == ','
        || c == ';'
        || c == '"'
        || c == '\''
        || c == ')'
        || c == '}'
        || c == ']'
        || c == '<'
        || c == '>'
        || c == '\u3001'
        || c == '\u3002'
        || c == '\uFF0C'
        || c == '\uFF1B'
        || c == '\u300D'
        || c == '\u300F'
        || c == '\u201D'
        || c == '\u2019'
        || c == '\u00BB'
        || c == '`';
  }

  /**
   * A value that looks like a secret: {@code min}..{@value #MAX_VALUE} chars, letters and digits,
   * and either three character classes or 12+ chars of 3+ bits/char (hex keys); never a reference
   * ({@code ${DB_PASSWORD}}, {@code %(pw)s}, {@code {{ vault.pw }}}, {@code <your-key>}, {@code
   * ****}, {@code settings.SECRET_V2}, a path or a URL), an expression ({@code getenv("X")}, {@code
   * environ["X"]}) or a placeholder ({@code changeme123}, {@code xxxx1234}).
   */
  static boolean looksLikeSecret(String s, int from, int to, int min) {
    int len = to - from;
    if (len < min || len > MAX_VALUE) {
      return false;
    }
    char first = s.charAt(from);
    if (first == '$'
        || first == '%'
        || first == '{'
        || first == '<'
        || first == '*'
        || first == '/'
        || first == '~'
        || s.startsWith("./", from)
        || EncodedData.indexOf(s, "://", from, to) >= 0) {
      return false;
    }
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    boolean other = false;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (Character.isWhitespace(c) || c == '(' || c == '[') {
        return false;
      }
      if (Character.isUpperCase(c)) {
        upper = true;
      } else if (Character.isLowerCase(c) || Character.isLetter(c)) {
        lower = true;
      } else if (c >= '0' && c <= '9') {
        digit = true;
      } else {
        other = true;
      }
    }
    if (!(digit && (upper || lower))) {
      return false; // YOUR_API_KEY_HERE, settings.SECRET, changeme
    }
    if (Placeholders.value(s, from, to)
        || IDENTIFIER_PATH.matcher(s).region(from, to).matches()
        || kebabName(s, from, to)) {
      return false;
    }
    int classes = (upper ? 1 : 0) + (lower ? 1 : 0) + (digit ? 1 : 0) + (other ? 1 : 0);
    return classes >= 3
        || (len >= 12 && (hex(s, from, to) || Checksums.shannon(s, from, to) >= 3.0));
  }

  /**
   * A lower-case name of several words with at most two digits ({@code my-app-secret-v2}, {@code
   * db_credentials_prod}): the name of a secret in a vault or a cluster, not its value.
   */
  private static boolean kebabName(String s, int from, int to) {
    int separators = 0;
    int digits = 0;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (c == '-' || c == '_' || c == '.') {
        separators++;
      } else if (c >= '0' && c <= '9') {
        digits++;
      } else if (!(c >= 'a' && c <= 'z')) {
        return false;
      }
    }
    return separators >= 2 && digits <= 2;
  }

  /** Hex digits of one case only: a key or token printed as hex ({@code a81f9c2e7b4d}). */
  private static boolean hex(String s, int from, int to) {
    boolean lowerHex = true;
    boolean upperHex = true;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      boolean digit = c >= '0' && c <= '9';
      lowerHex &= digit || (c >= 'a' && c <= 'f');
      upperHex &= digit || (c >= 'A' && c <= 'F');
    }
    return lowerHex || upperHex;
  }
}
