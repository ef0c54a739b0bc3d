package io.provability.fabric.processors.egress;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The detectors. Every pattern here is bounded: each quantifier has an upper limit or is possessive,
 * and each pattern begins with a look-behind that stops it from restarting inside the run it just
 * rejected, so {@code find()} does a bounded amount of work per start position and the whole scan is
 * linear in the text. The PEM and IBAN detectors are hand-written scanners. Candidates are checked
 * further in code (Luhn, mod-97, JWT header, entropy) before they become findings.
 */
final class Detectors {
  /** A detector's raw answer, before overlaps are resolved and code points counted. */
  record Candidate(FindingType type, int start, int end, double confidence) {}

  private static final Pattern EMAIL = Pattern.compile(
      "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}+@[A-Za-z0-9-]{1,63}+(?:\\.[A-Za-z0-9-]{1,63}+){1,8}+");
  private static final Pattern PHONE_NANP = Pattern.compile(
      "(?<![\\w+.-])(?:\\+1[ .-]?)?(?:\\(\\d{3}\\) ?|\\d{3}[.-])\\d{3}[.-]\\d{4}(?![\\w-]|\\.\\d)");
  private static final Pattern PHONE_INTL = Pattern.compile(
      "(?<![\\w+.-])\\+[1-9]\\d{0,2}+(?:[ .-]?+\\(?\\d{1,4}+\\)?){2,6}+(?![\\w-]|\\.\\d)");
  private static final Pattern SSN = Pattern.compile(
      "(?<![\\w-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\w-])");
  private static final Pattern CARD = Pattern.compile(
      "(?<![\\w+.-]|\\d[ -])\\d(?:[ -]?+\\d){12,18}+(?![\\w]|[ -]\\d)");
  private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  private static final Pattern IPV4 = Pattern.compile(
      "(?<![\\w.])" + OCTET + "(?:\\." + OCTET + "){3}(?![\\w]|\\.\\w)");
  private static final Pattern IPV6_CANDIDATE = Pattern.compile(
      "(?<![\\w:.])[0-9A-Fa-f:.]{2,45}+(?![\\w:])");
  private static final Pattern VERSION_CONTEXT = Pattern.compile(
      "(?i)(?:\\bv|version\\s{0,3}+|release\\s{0,3}+|build\\s{0,3}+)$");
  private static final Pattern AWS_KEY = Pattern.compile(
      "(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])");
  private static final Pattern GCP_KEY = Pattern.compile(
      "(?<![\\w-])AIza[0-9A-Za-z_-]{35}(?![\\w-])");
  private static final Pattern GITHUB = Pattern.compile(
      "(?<!\\w)(?:gh[pousr]_[A-Za-z0-9]{36,251}+|github_pat_[A-Za-z0-9_]{22,244}+)(?!\\w)");
  private static final Pattern SLACK = Pattern.compile(
      "(?<![\\w-])xox[abposr]-\\d{6,20}+-(?:[0-9A-Za-z]{1,64}+-){0,4}+[0-9A-Za-z]{8,64}+(?![\\w-])");
  private static final Pattern STRIPE = Pattern.compile(
      "(?<!\\w)(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}+(?!\\w)");
  private static final Pattern JWT = Pattern.compile(
      "(?<![\\w-])eyJ[A-Za-z0-9_-]{5,4096}+\\.[A-Za-z0-9_-]{2,8192}+\\.[A-Za-z0-9_-]{0,4096}+(?![\\w-]|\\.[\\w-])");

  /** Names that say their value is a credential; they must not run on into a letter. */
  private static final String SECRET_NAMES =
      "(?:password|passwd|pwd|secret(?:[_-]?(?:access[_-]?)?key)?|api[_-]?key|access[_-]?key"
          + "|private[_-]?key|client[_-]?secret|(?:auth|access|refresh|bearer|api)[_-]?token|token)(?![A-Za-z])";
  /**
   * A credential name, then an assignment: {@code password=}, {@code "client_secret": }, {@code
   * AWS_SECRET_ACCESS_KEY=}, {@code api-key: }. ({@code passwordPolicy}, {@code max_tokens} and {@code
   * tokenizer} are not credential names.) Bounded quantifiers only: linear on any input.
   */
  private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
      "(?i)" + SECRET_NAMES + "[\"']?[ \t]{0,4}+(?::=|=>|[:=])[ \t]{0,4}+");
  /** A credential name as an XML element, as in Maven's settings.xml: {@code <password>…</password>}. */
  private static final Pattern SECRET_ELEMENT = Pattern.compile("(?i)<" + SECRET_NAMES + ">");
  /** Longest value the keyed-secret detector reads after a credential name. */
  static final int MAX_KEYED_VALUE = 256;
  /** Shortest value it reports: shorter ones are too weak to tell from ordinary words. */
  static final int MIN_KEYED_VALUE = 8;
  /** Longest credential name ({@code secret_access_key}) plus a quote, 4 blanks and a 2-char operator, with room. */
  private static final int NAME_REACH = 32;

  // What each pattern's matches are made of (see findInRuns).
  private static final Scope EMAIL_SCOPE = new Scope(chars("._%+-@", true, true), holds("@"));
  private static final Scope PHONE_SCOPE = new Scope(chars("+(). -", false, true), atLeastDigits(10));
  private static final Scope PHONE_INTL_SCOPE = new Scope(chars("+(). -", false, true),
      (t, from, to) -> holds("+").test(t, from, to) && atLeastDigits(3).test(t, from, to));
  private static final Scope SSN_SCOPE = new Scope(chars("-", false, true), atLeastDigits(9));
  private static final Scope CARD_SCOPE = new Scope(chars(" -", false, true), atLeastDigits(13));
  private static final Scope IPV4_SCOPE = new Scope(chars(".", false, true),
      (t, from, to) -> atLeastDigits(4).test(t, from, to) && holds(".").test(t, from, to));
  private static final Scope IPV6_SCOPE = new Scope(chars(":.abcdefABCDEF", false, true), holds(":"));
  private static final Scope JWT_SCOPE = new Scope(chars("_.-", true, true), holds("eyJ"));
  private static final Scope AWS_SCOPE = new Scope(chars("", true, true), (t, from, to) -> to - from >= 20);
  private static final Scope GCP_SCOPE = new Scope(chars("_-", true, true), holds("AIza"));
  private static final Scope GITHUB_SCOPE = new Scope(chars("_", true, true),
      (t, from, to) -> holds("gh").test(t, from, to) || holds("github_pat_").test(t, from, to));
  private static final Scope SLACK_SCOPE = new Scope(chars("-", true, true), holds("xox"));
  private static final Scope STRIPE_SCOPE = new Scope(chars("_", true, true), holds("k_"));

  /** Token-like runs longer than this are encoded data (images, archives), not credentials. */
  static final int MAX_SECRET_RUN = 1024;
  /** Shortest run the entropy detector looks at. */
  static final int MIN_SECRET_RUN = 20;
  /** Minimum share of adjacent char pairs, in percent, that change class; see classSwitches. */
  static final int MIN_SWITCH_PERCENT = 40;

  private Detectors() {}

  /** Runs every detector over {@code text}, appending raw candidates (overlaps included). */
  static void scanAll(String text, List<Candidate> out) {
    List<int[]> armoured = new ArrayList<>();
    pem(text, out, armoured);
    jwt(text, out);
    simple(AWS_KEY, AWS_SCOPE, FindingType.CLOUD_KEY, 0.99, text, out);
    simple(GCP_KEY, GCP_SCOPE, FindingType.CLOUD_KEY, 0.95, text, out);
    simple(GITHUB, GITHUB_SCOPE, FindingType.GITHUB_TOKEN, 0.99, text, out);
    simple(SLACK, SLACK_SCOPE, FindingType.SLACK_TOKEN, 0.97, text, out);
    simple(STRIPE, STRIPE_SCOPE, FindingType.STRIPE_KEY, 0.98, text, out);
    iban(text, out);
    card(text, out);
    ssn(text, out);
    email(text, out);
    ipv4(text, out);
    ipv6(text, out);
    simple(PHONE_NANP, PHONE_SCOPE, FindingType.PHONE, 0.85, text, out);
    phoneIntl(text, out);
    keyedSecret(text, out);
    int before = out.size();
    highEntropy(text, out);
    if (!armoured.isEmpty()) {
      List<Candidate> entropy = new ArrayList<>(out.subList(before, out.size()));
      out.subList(before, out.size()).clear();
      int a = 0;
      for (Candidate c : entropy) {
        while (a < armoured.size() && armoured.get(a)[1] <= c.start()) {
          a++;
        }
        if (a == armoured.size() || armoured.get(a)[0] >= c.end()) {
          out.add(c);
        }
      }
    }
  }

  private static void simple(Pattern p, Scope scope, FindingType type, double confidence, String text,
                             List<Candidate> out) {
    findInRuns(p, scope, text, m -> out.add(new Candidate(type, m.start(), m.end(), confidence)));
  }

  /** A run filter: can the run {@code text[from, to)} hold a match at all? */
  @FunctionalInterface
  interface RunTest {
    boolean test(String text, int from, int to);
  }

  /**
   * What a pattern's matches are made of: every char of a match is in {@code alphabet}, and a maximal
   * run of such chars can hold a match only if it passes {@code worth} (enough digits, a marker).
   */
  record Scope(IntPredicate alphabet, RunTest worth) {}

  /**
   * Reports {@code p}'s matches, running the regex only inside maximal runs of {@code scope}'s alphabet
   * that pass its test. The result is what {@code find()} over the whole text gives — no match can
   * hold a char outside the alphabet, and transparent bounds let look-arounds see past the run — at a
   * fraction of the cost: java.util.regex pays tens of nanoseconds for every start position it tries,
   * and most of a text is not in any detector's alphabet.
   */
  static void findInRuns(Pattern p, Scope scope, String text, Consumer<Matcher> onMatch) {
    Matcher m = p.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    int n = text.length();
    int i = 0;
    while (i < n) {
      if (!scope.alphabet().test(text.charAt(i))) {
        i++;
        continue;
      }
      int j = i + 1;
      while (j < n && scope.alphabet().test(text.charAt(j))) {
        j++;
      }
      if (scope.worth().test(text, i, j)) {
        m.region(i, j);
        while (m.find()) {
          onMatch.accept(m);
        }
      }
      i = j;
    }
  }

  private static RunTest atLeastDigits(int min) {
    return (t, from, to) -> {
      int d = 0;
      for (int k = from; k < to && d < min; k++) {
        if (isDigit(t.charAt(k))) {
          d++;
        }
      }
      return d >= min;
    };
  }

  private static RunTest holds(String needle) {
    return (t, from, to) -> {
      for (int k = from; k + needle.length() <= to; k++) {
        if (t.startsWith(needle, k)) {
          return true;
        }
      }
      return false;
    };
  }

  private static IntPredicate chars(String extra, boolean letters, boolean digits) {
    return c -> (digits && c >= '0' && c <= '9') || (letters && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        || extra.indexOf(c) >= 0;
  }

  static void email(String text, List<Candidate> out) {
    findInRuns(EMAIL, EMAIL_SCOPE, text, m -> {
      int at = text.indexOf('@', m.start());
      int lastDot = text.lastIndexOf('.', m.end() - 1);
      boolean tldOk = m.end() - lastDot - 1 >= 2;
      for (int i = lastDot + 1; i < m.end() && tldOk; i++) {
        tldOk = Character.isLetter(text.charAt(i));
      }
      char first = text.charAt(m.start());
      char beforeAt = text.charAt(at - 1);
      if (tldOk && first != '.' && beforeAt != '.') {
        out.add(new Candidate(FindingType.EMAIL, m.start(), m.end(), 0.95));
      }
    });
  }

  static void phoneIntl(String text, List<Candidate> out) {
    findInRuns(PHONE_INTL, PHONE_INTL_SCOPE, text, m -> {
      int digits = 0;
      for (int i = m.start(); i < m.end(); i++) {
        if (Character.isDigit(text.charAt(i))) {
          digits++;
        }
      }
      int end = m.end();
      while (end > m.start() && !Character.isDigit(text.charAt(end - 1)) && text.charAt(end - 1) != ')') {
        end--;
      }
      if (digits >= 8 && digits <= 15) {
        out.add(new Candidate(FindingType.PHONE, m.start(), end, 0.8));
      }
    });
  }

  static void ssn(String text, List<Candidate> out) {
    findInRuns(SSN, SSN_SCOPE, text, m -> {
      int area = Integer.parseInt(m.group(1));
      boolean valid = area != 0 && area != 666 && area < 900
          && !m.group(2).equals("00") && !m.group(3).equals("0000");
      if (valid) {
        out.add(new Candidate(FindingType.SSN, m.start(), m.end(), 0.9));
      }
    });
  }

  static void card(String text, List<Candidate> out) {
    StringBuilder digits = new StringBuilder(19);
    findInRuns(CARD, CARD_SCOPE, text, m -> {
      digits.setLength(0);
      boolean space = false;
      boolean dash = false;
      for (int i = m.start(); i < m.end(); i++) {
        char c = text.charAt(i);
        if (c >= '0' && c <= '9') {
          digits.append(c);
        } else if (c == ' ') {
          space = true;
        } else {
          dash = true;
        }
      }
      String d = digits.toString();
      if (!(space && dash) && d.length() >= 13 && Checksums.knownCardBrand(d) && Checksums.luhn(d)) {
        out.add(new Candidate(FindingType.PAYMENT_CARD, m.start(), m.end(), 0.95));
      }
    });
  }

  /**
   * Hand-written: two letters and two check digits, then exactly the country's length of letters and
   * digits, optionally in space-separated groups of four. Letters may be lower case (IBANs are
   * case-insensitive when pasted); the mod-97 check runs on the upper-cased form.
   */
  static void iban(String text, List<Candidate> out) {
    int n = text.length();
    StringBuilder compact = new StringBuilder(34);
    int i = 0;
    while (i + 4 <= n) {
      if (!(isLetter(text.charAt(i)) && isLetter(text.charAt(i + 1)) && isDigit(text.charAt(i + 2))
          && isDigit(text.charAt(i + 3))) || (i > 0 && isAlnum(text.charAt(i - 1)))) {
        i++;
        continue;
      }
      Integer len = Checksums.IBAN_LENGTHS.get(text.substring(i, i + 2).toUpperCase(Locale.ROOT));
      if (len == null) {
        i++;
        continue;
      }
      compact.setLength(0);
      int j = i;
      while (j < n && compact.length() < len) {
        char c = text.charAt(j);
        if (isAlnum(c)) {
          compact.append(Character.toUpperCase(c));
          j++;
        } else if (c == ' ' && j + 1 < n && isAlnum(text.charAt(j + 1)) && compact.length() % 4 == 0) {
          j++;
        } else {
          break;
        }
      }
      if (compact.length() == len && (j == n || !isAlnum(text.charAt(j))) && Checksums.ibanMod97(compact)) {
        out.add(new Candidate(FindingType.IBAN, i, j, 0.97));
        i = j;
      } else {
        i++;
      }
    }
  }

  static void ipv4(String text, List<Candidate> out) {
    findInRuns(IPV4, IPV4_SCOPE, text, m -> {
      int from = Math.max(0, m.start() - 12);
      if (!VERSION_CONTEXT.matcher(text.substring(from, m.start())).find()) {
        out.add(new Candidate(FindingType.IP_ADDRESS, m.start(), m.end(), 0.9));
      }
    });
  }

  static void ipv6(String text, List<Candidate> out) {
    findInRuns(IPV6_CANDIDATE, IPV6_SCOPE, text, m -> {
      int end = m.end();
      while (end > m.start() && text.charAt(end - 1) == '.') {
        end--;
      }
      if (validIpv6(text.substring(m.start(), end))) {
        out.add(new Candidate(FindingType.IP_ADDRESS, m.start(), end, 0.9));
      }
    });
  }

  /** RFC 4291 text form: eight groups, or fewer with one "::", optionally ending in IPv4. */
  static boolean validIpv6(String s) {
    if (s.indexOf(':') < 0 || s.indexOf(':') == s.lastIndexOf(':')) {
      return false;
    }
    int dc = s.indexOf("::");
    if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
      return false;
    }
    String[] parts = s.split(":", -1);
    int groups = 0;
    int empties = 0;
    for (int k = 0; k < parts.length; k++) {
      String p = parts[k];
      if (p.isEmpty()) {
        empties++;
        continue;
      }
      if (k == parts.length - 1 && p.indexOf('.') >= 0) {
        if (!IPV4.matcher(p).matches()) {
          return false;
        }
        groups += 2;
        continue;
      }
      if (p.length() > 4 || p.indexOf('.') >= 0) {
        return false;
      }
      groups++;
    }
    if (dc < 0) {
      return empties == 0 && groups == 8;
    }
    boolean edgesOk = (s.startsWith(":") == s.startsWith("::")) && (s.endsWith(":") == s.endsWith("::"));
    // "cafe::beef" reads as code (a path or scope), so a compressed address must contain a digit
    return edgesOk && groups < 8 && (groups >= 2 || s.equals("::1")) && s.chars().anyMatch(Detectors::isDigitInt);
  }

  static void jwt(String text, List<Candidate> out) {
    findInRuns(JWT, JWT_SCOPE, text, m -> {
      int dot = text.indexOf('.', m.start());
      if (jwtHeaderOk(text.substring(m.start(), dot))) {
        out.add(new Candidate(FindingType.JWT, m.start(), m.end(), 0.97));
      }
    });
  }

  private static boolean jwtHeaderOk(String b64) {
    try {
      String json = new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8).strip();
      return json.startsWith("{") && json.endsWith("}") && json.contains("\"alg\"");
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  /**
   * Hand-written: "-----BEGIN ... PRIVATE KEY-----" up to the first "-----END " line after it (PEM
   * blocks do not nest) when that line names the same label, or, without one, to the end of the
   * base64 body that follows. Blocks with other labels (public keys, certificates) are returned in
   * {@code armoured} so the entropy detector leaves their bodies alone. The next END marker is found
   * with a pointer that only moves forward, so the scan is linear.
   */
  static void pem(String text, List<Candidate> out, List<int[]> armoured) {
    final String begin = "-----BEGIN ";
    final String endPrefix = "-----END ";
    final String dashes = "-----";
    int from = 0;
    int nextEnd = -2;
    while (true) {
      int b = text.indexOf(begin, from);
      if (b < 0) {
        return;
      }
      int labelStart = b + begin.length();
      int labelEnd = -1;
      for (int k = labelStart; k < Math.min(text.length(), labelStart + 48); k++) {
        char c = text.charAt(k);
        if (c == '-') {
          labelEnd = text.startsWith(dashes, k) ? k : -1;
          break;
        }
        if (!(isUpper(c) || c == ' ')) {
          break;
        }
      }
      if (labelEnd < 0) {
        from = labelStart;
        continue;
      }
      String label = text.substring(labelStart, labelEnd);
      int bodyStart = labelEnd + dashes.length();
      if (nextEnd != -1 && nextEnd < bodyStart) {
        nextEnd = text.indexOf(endPrefix, bodyStart);
      }
      String end = endPrefix + label + dashes;
      boolean closed = nextEnd >= 0 && text.startsWith(end, nextEnd);
      if (!label.endsWith("PRIVATE KEY")) {
        if (closed) {
          armoured.add(new int[] {b, nextEnd + end.length()});
          from = nextEnd + end.length();
        } else {
          from = bodyStart;
        }
      } else if (closed) {
        out.add(new Candidate(FindingType.PEM_PRIVATE_KEY, b, nextEnd + end.length(), 0.99));
        from = nextEnd + end.length();
      } else {
        int k = pemBodyEnd(text, bodyStart);
        out.add(new Candidate(FindingType.PEM_PRIVATE_KEY, b, Math.max(k, labelEnd + dashes.length()), 0.9));
        from = Math.max(k, bodyStart);
      }
    }
  }

  /**
   * Hand-written: maximal runs of base64/base64url characters, {@value #MIN_SECRET_RUN} to
   * {@value #MAX_SECRET_RUN} long, that mix upper case, lower case and at least two digits and whose
   * Shannon entropy reaches {@link #entropyThreshold(int)}. Pure hex runs (hashes, UUIDs, commit ids)
   * cannot qualify (no upper-and-lower mix), which is the deliberate trade-off: hex-encoded secrets
   * are left to the typed detectors.
   */
  static void highEntropy(String text, List<Candidate> out) {
    int n = text.length();
    int i = 0;
    while (i < n) {
      if (!isTokenChar(text.charAt(i))) {
        i++;
        continue;
      }
      int end = i;
      while (end < n && isTokenChar(text.charAt(end))) {
        end++;
      }
      int j = end;
      while (j < n && j - end < 3 && text.charAt(j) == '=') {
        j++; // base64 padding belongs to the run; any other '=' is an assignment and ends it
      }
      int len = end - i;
      if (len >= MIN_SECRET_RUN && len <= MAX_SECRET_RUN && mixed(text, i, end)
          && classSwitches(text, i, end) * 100 >= MIN_SWITCH_PERCENT * (len - 1)
          && Checksums.shannon(text, i, end) >= entropyThreshold(len)) {
        out.add(new Candidate(FindingType.HIGH_ENTROPY, i, j, 0.75));
      }
      i = j;
    }
  }

  /**
   * Hand-written: the literal value assigned to a credential name ({@link #SECRET_ASSIGNMENT}), or
   * held by an element of that name ({@link #SECRET_ELEMENT}), quoted or bare, {@value #MIN_KEYED_VALUE} to {@value #MAX_KEYED_VALUE} chars with no whitespace. The name
   * is the evidence the bare entropy detector lacks, so the value may be hex or contain punctuation;
   * it must still look random rather than like a word, a placeholder or an expression: letters and
   * digits, and either three character classes or 16+ chars of 3+ bits/char. References ({@code
   * ${DB_PASSWORD}}, {@code <your-key>}, {@code os.environ["X"]}, {@code ****}) never qualify.
   */
  static void keyedSecret(String text, List<Candidate> out) {
    int n = text.length();
    // Assignments: look for the operator first (':' and '=' are rare in prose), then match the name
    // in the few chars before it; a name, an optional quote and up to 4 blanks fit in NAME_REACH.
    Matcher assignment = SECRET_ASSIGNMENT.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    int resume = 0;
    for (int op = 0; op < n; op++) {
      char c = text.charAt(op);
      if ((c != ':' && c != '=') || op < resume || !credentialNameMayEndBefore(text, op)) {
        continue;
      }
      assignment.region(Math.max(resume, op - NAME_REACH), Math.min(n, op + NAME_REACH));
      while (assignment.find() && assignment.start() <= op) {
        if (assignment.end() > op) { // this match's operator is the one at op
          resume = Math.max(op + 1, readKeyedValue(text, assignment.end(), out));
          break;
        }
      }
    }
    Matcher element = SECRET_ELEMENT.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    resume = 0;
    for (int lt = text.indexOf('<'); lt >= 0; lt = text.indexOf('<', lt + 1)) {
      if (lt >= resume && element.region(lt, Math.min(n, lt + NAME_REACH)).lookingAt()) {
        resume = readKeyedValue(text, element.end(), out);
      }
    }
  }

  /**
   * Cheap test before the regex: every credential name ends in d, t, y or n ({@code password},
   * {@code secret}, {@code key}, {@code token}), followed by an optional quote and up to 4 blanks.
   */
  private static boolean credentialNameMayEndBefore(String text, int op) {
    int k = op - 1;
    while (k >= 0 && op - k <= 4 && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
      k--;
    }
    if (k >= 0 && (text.charAt(k) == '"' || text.charAt(k) == '\'')) {
      k--;
    }
    if (k < 0) {
      return false;
    }
    char last = (char) (text.charAt(k) | 0x20);
    return last == 'd' || last == 't' || last == 'y' || last == 'n';
  }

  /**
   * Reads the value starting at {@code start} (quoted, or bare up to a delimiter), reports it if it
   * looks like a secret, and returns where scanning may resume.
   */
  private static int readKeyedValue(String text, int start, List<Candidate> out) {
    int n = text.length();
    int end;
    int resume;
    char q = start < n ? text.charAt(start) : ' ';
    if (q == '"' || q == '\'') {
      start++;
      end = start;
      while (end < n && end - start <= MAX_KEYED_VALUE && text.charAt(end) != q && text.charAt(end) != '\n') {
        end++;
      }
      boolean closed = end < n && text.charAt(end) == q;
      resume = closed ? end + 1 : end;
      if (!closed) {
        end = start; // an unterminated quote is not a literal we can delimit
      }
    } else {
      end = start;
      while (end < n && end - start <= MAX_KEYED_VALUE && !endsBareValue(text.charAt(end))) {
        end++;
      }
      resume = end;
    }
    if (looksLikeSecretValue(text, start, end)) {
      out.add(new Candidate(FindingType.HIGH_ENTROPY, start, end, 0.8));
    }
    return resume;
  }

  private static boolean endsBareValue(char c) {
    return Character.isWhitespace(c) || c == ',' || c == ';' || c == '"' || c == '\'' || c == ')' || c == '}'
        || c == ']' || c == '<' || c == '>';
  }

  private static boolean looksLikeSecretValue(String s, int from, int to) {
    int len = to - from;
    if (len < MIN_KEYED_VALUE || len > MAX_KEYED_VALUE) {
      return false;
    }
    char first = s.charAt(from);
    if (first == '$' || first == '%' || first == '{' || first == '<' || first == '*') {
      return false; // ${VAR}, %(name)s, {{ template }}, <your-key>, ****
    }
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    boolean other = false;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (Character.isWhitespace(c) || c == '(' || c == '[') {
        return false; // prose or an expression: getenv("X"), environ["X"]
      }
      if (isUpper(c)) {
        upper = true;
      } else if (c >= 'a' && c <= 'z') {
        lower = true;
      } else if (isDigit(c)) {
        digit = true;
      } else {
        other = true;
      }
    }
    int classes = (upper ? 1 : 0) + (lower ? 1 : 0) + (digit ? 1 : 0) + (other ? 1 : 0);
    if (!(digit && (upper || lower))) {
      return false; // YOUR_API_KEY_HERE, settings.SECRET, changeme
    }
    return classes >= 3 || (len >= 16 && Checksums.shannon(s, from, to) >= 3.0);
  }

  /** Bits per char a run of {@code len} chars must reach: about 85% of the most it could have. */
  static double entropyThreshold(int len) {
    return Math.min(4.3, 0.85 * (Math.log(len) / Math.log(2)));
  }

  /**
   * How often adjacent chars change class (upper, lower, digit, other). Random tokens over
   * [A-Za-z0-9] switch on roughly 60% of pairs; identifiers and words ("base64EncodeUTF8String")
   * switch on a third or less, which is what keeps code from reading as secrets.
   */
  static int classSwitches(String s, int from, int to) {
    int switches = 0;
    for (int k = from + 1; k < to; k++) {
      if (charClass(s.charAt(k)) != charClass(s.charAt(k - 1))) {
        switches++;
      }
    }
    return switches;
  }

  private static int charClass(char c) {
    return isUpper(c) ? 0 : isDigit(c) ? 1 : (c >= 'a' && c <= 'z') ? 2 : 3;
  }

  private static boolean mixed(String s, int from, int to) {
    int upper = 0;
    int lower = 0;
    int digit = 0;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (isUpper(c)) {
        upper++;
      } else if (c >= 'a' && c <= 'z') {
        lower++;
      } else if (isDigit(c)) {
        digit++;
      }
    }
    return upper >= 2 && lower >= 2 && digit >= 2;
  }

  private static boolean isTokenChar(char c) {
    return isAlnum(c) || c == '+' || c == '/' || c == '_' || c == '-';
  }

  /**
   * End of the PEM body starting at {@code from}: the lines after the header that consist only of
   * base64 (or of RFC 1421 header fields such as {@code Proc-Type: 4,ENCRYPTED}), up to the first
   * blank or other line. Returns {@code from} if there is none.
   */
  private static int pemBodyEnd(String text, int from) {
    int n = text.length();
    int end = from;
    int k = from;
    if (k < n && text.charAt(k) == '\r') {
      k++;
    }
    if (k < n && text.charAt(k) == '\n') {
      k++;
    }
    while (k < n) {
      int lineEnd = k;
      while (lineEnd < n && text.charAt(lineEnd) != '\n') {
        lineEnd++;
      }
      int contentEnd = lineEnd > k && text.charAt(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
      if (contentEnd == k || text.startsWith("-----", k)) {
        break;
      }
      for (int c = k; c < contentEnd; c++) {
        if (!isPemBodyChar(text.charAt(c))) {
          return end;
        }
      }
      end = contentEnd;
      k = lineEnd + 1;
    }
    return end;
  }

  private static boolean isPemBodyChar(char c) {
    return isAlnum(c) || c == '+' || c == '/' || c == '=' || c == ':' || c == ',' || c == '-' || c == ' ';
  }

  private static boolean isLetter(char c) {
    return isUpper(c) || (c >= 'a' && c <= 'z');
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isDigitInt(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAlnum(char c) {
    return isUpper(c) || isDigit(c) || (c >= 'a' && c <= 'z');
  }
}
