package io.provability.fabric.processors.egress.internal;

import io.provability.fabric.processors.egress.FindingType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The detectors. Every pattern here is bounded: each quantifier has an upper limit or is
 * possessive, and each pattern begins with a look-behind that stops it from restarting inside the
 * run it just rejected, so {@code find()} does a bounded amount of work per start position and the
 * whole scan is linear in the text. The PEM, IBAN and entropy detectors are hand-written scanners;
 * keyed values, labelled phones, placeholders and public data have their own classes ({@link
 * KeyedSecrets}, {@link Phones}, {@link Placeholders}, {@link EncodedData}). Candidates are checked
 * further in code (Luhn, mod-97, GitHub's CRC32, JWT header, key body, entropy) before they become
 * findings.
 */
public final class Detectors {
  /** A detector's raw answer, before overlaps are resolved and code points counted. */
  public record Candidate(FindingType type, int start, int end, double confidence) {}

  private static final Pattern EMAIL =
      Pattern.compile(
          "(?<![A-Za-z0-9._%+-]|[A-Za-z0-9]')[A-Za-z0-9._%+-]{1,64}+(?:'[A-Za-z0-9._%+-]{1,63}+)?@[A-Za-z0-9-]{1,63}+(?:\\.[A-Za-z0-9-]{1,63}+){1,8}+");
  private static final Pattern PHONE_NANP =
      Pattern.compile(
          "(?<![\\w+.-])(?:\\+1[ .-]?)?(?:\\(\\d{3}\\) ?|\\d{3}[.-])\\d{3}[.-]\\d{4}(?![\\w-]|\\.\\d)");
  private static final Pattern PHONE_INTL =
      Pattern.compile(
          "(?<![\\w+.-])\\+[1-9]\\d{0,2}+(?:[ .-]?+\\(?\\d{1,4}+\\)?){2,6}+(?![\\w-]|\\.\\d)");
  private static final Pattern SSN =
      Pattern.compile("(?<![\\w-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\w-])");

  /**
   * {@code 078 05 1120}: the SSA's grouping with spaces; not inside a longer run of digit groups.
   */
  private static final Pattern SSN_SPACED =
      Pattern.compile("(?<![\\w-]|\\d )(\\d{3}) (\\d{2}) (\\d{4})(?![\\w-]| \\d)");

  /** A label that says the next number is an SSN; then any grouping, or none, is read. */
  private static final Pattern SSN_LABEL =
      Pattern.compile(
          "(?i)\\b(?:ssn|ss#|social[ \\t]{1,3}+security(?:[ \\t]{1,3}+(?:number|no\\.?|#))?)[ \\t]{0,3}+"
              + "(?:is[ \\t]{1,3}+|[:#=\\uFF1A][ \\t]{0,3}+)?(\\d{3})[ .-]?(\\d{2})[ .-]?(\\d{4})(?![\\w-])");

  private static final Pattern CARD =
      Pattern.compile("(?<![\\w+.-]|\\d[ -])\\d(?:[ -]?+\\d){12,18}+(?![\\w]|[ -]\\d)");
  private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  private static final Pattern IPV4 =
      Pattern.compile("(?<![\\w.])" + OCTET + "(?:\\." + OCTET + "){3}(?![\\w]|\\.\\w)");
  private static final Pattern IPV6_CANDIDATE =
      Pattern.compile("(?<![\\w:.])[0-9A-Fa-f:.]{2,45}+(?![\\w:])");

  /**
   * What precedes a dotted quad that is a version, not an address: {@code v}, {@code version},
   * {@code release}, {@code build}, a language, browser, OS or tool whose versions have four parts
   * ({@code Python 3.11.4.1}, {@code Chrome 120.0.6099.1}; not servers such as {@code redis
   * 10.0.0.5}, which are followed by their host), or a user-agent's {@code Product/}.
   */
  private static final Pattern VERSION_CONTEXT =
      Pattern.compile(
          "(?i)(?:\\bv|\\bver\\.?\\s{0,3}+|version\\s{0,3}+|release\\s{0,3}+|build\\s{0,3}+|[a-z]/"
              + "|\\b(?:python|node|java|jdk|jre|ruby|php|perl|rust|dotnet|chrome|chromium|firefox|safari|windows|android"
              + "|ios|macos|ubuntu|debian|kernel|gcc|clang|openssl|npm|pip|gradle|maven|terraform|helm|firmware|bios)"
              + "\\s{1,3}+)$");

  private static final Pattern AWS_KEY =
      Pattern.compile(
          "(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])");
  private static final Pattern GCP_KEY =
      Pattern.compile("(?<![\\w-])AIza[0-9A-Za-z_-]{35}(?![\\w-])");

  /** Classic GitHub tokens: a prefix, 30 random chars and a 6-char checksum (verified in code). */
  private static final Pattern GITHUB =
      Pattern.compile("(?<!\\w)gh[pousr]_([A-Za-z0-9]{36})(?!\\w)");

  /** Fine-grained personal access tokens: {@code github_pat_}, 22 chars, {@code _}, 59 chars. */
  private static final Pattern GITHUB_PAT =
      Pattern.compile("(?<!\\w)github_pat_([A-Za-z0-9]{20,30}+_[A-Za-z0-9]{40,80}+)(?!\\w)");

  /**
   * Slack's token families (api.slack.com "Token types"): {@code xoxb-}, {@code xoxp-}, {@code
   * xoxe-}, legacy {@code xoxa-}/{@code xoxr-}/{@code xoxo-}/{@code xoxs-} (some with a one-digit
   * version such as {@code xoxa-2-}), configuration tokens {@code xoxe.xoxp-1-…} and app-level
   * {@code xapp-1-…}. The segments are checked in code (see slack).
   */
  private static final Pattern SLACK =
      Pattern.compile(
          "(?<![\\w.-])(?:xox[abposre]-[0-9A-Za-z]{1,64}+(?:-[0-9A-Za-z]{1,128}+){0,5}+"
              + "|xoxe\\.xox[bp]-\\d-[0-9A-Za-z]{100,200}+|xapp-\\d-[0-9A-Za-z]{4,32}+-\\d{4,20}+-[0-9A-Za-z]{16,128}+)"
              + "(?![\\w-])");

  /** Incoming-webhook URLs: the path is the credential. */
  private static final Pattern SLACK_WEBHOOK =
      Pattern.compile(
          "(?<![\\w.-])(?:https?://)?hooks\\.slack\\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+-]{20,120}+)");

  /**
   * Secret and restricted keys, live or test mode, and webhook signing secrets; never {@code pk_}.
   */
  private static final Pattern STRIPE =
      Pattern.compile(
          "(?<!\\w)(?:(?:sk|rk)_(live|test|prod)_([0-9A-Za-z]{16,247}+)|whsec_([0-9A-Za-z]{24,128}+))(?!\\w)");

  /**
   * A JWS in compact form. The header is base64url of a JSON object, so it starts {@code ey} ({@code {"})
   * or {@code ew} ({@code {} and a space, tab or line break); it is decoded and must name an {@code alg}.
   */
  private static final Pattern JWT =
      Pattern.compile(
          "(?<![\\w-])e[wy][A-Za-z0-9_-]{5,4096}+\\.[A-Za-z0-9_-]{2,8192}+\\.[A-Za-z0-9_-]{0,4096}+(?![\\w-]|\\.[\\w-])");

  // What each pattern's matches are made of (see findInRuns).
  private static final Scope EMAIL_SCOPE = new Scope(chars("._%+-@'", true, true), holds("@"));
  private static final Scope PHONE_SCOPE =
      new Scope(chars("+(). -", false, true), atLeastDigits(10));
  private static final Scope PHONE_INTL_SCOPE =
      new Scope(
          chars("+(). -", false, true),
          (t, from, to) -> holds("+").test(t, from, to) && atLeastDigits(3).test(t, from, to));
  private static final Scope SSN_SCOPE = new Scope(chars("-", false, true), atLeastDigits(9));
  private static final Scope CARD_SCOPE = new Scope(chars(" -", false, true), atLeastDigits(13));
  private static final Scope IPV4_SCOPE =
      new Scope(
          chars(".", false, true),
          (t, from, to) -> atLeastDigits(4).test(t, from, to) && holds(".").test(t, from, to));
  private static final Scope IPV6_SCOPE =
      new Scope(chars(":.abcdefABCDEF", false, true), holds(":"));
  private static final Scope SSN_SPACED_SCOPE =
      new Scope(chars(" ", false, true), atLeastDigits(9));
  private static final Scope JWT_SCOPE =
      new Scope(
          chars("_.-", true, true),
          (t, from, to) -> holds("ey").test(t, from, to) || holds("ew").test(t, from, to));
  private static final Scope AWS_SCOPE =
      new Scope(chars("", true, true), (t, from, to) -> to - from >= 20);
  private static final Scope GCP_SCOPE = new Scope(chars("_-", true, true), holds("AIza"));
  private static final Scope GITHUB_SCOPE = new Scope(chars("_", true, true), holds("gh"));
  private static final Scope GITHUB_PAT_SCOPE =
      new Scope(chars("_", true, true), holds("github_pat_"));
  private static final Scope SLACK_SCOPE =
      new Scope(
          chars("-.", true, true),
          (t, from, to) -> holds("xox").test(t, from, to) || holds("xapp-").test(t, from, to));
  private static final Scope SLACK_WEBHOOK_SCOPE =
      new Scope(chars(":/._+-", true, true), holds("hooks.slack.com/"));
  private static final Scope STRIPE_SCOPE =
      new Scope(
          chars("_", true, true),
          (t, from, to) -> holds("k_").test(t, from, to) || holds("whsec_").test(t, from, to));

  /**
   * Confidence of a Stripe test-mode key: below {@code default}'s threshold, above {@code
   * strict}'s.
   */
  static final double STRIPE_TEST_CONFIDENCE = 0.60;

  /** Token-like runs longer than this are encoded data (images, archives), not credentials. */
  static final int MAX_SECRET_RUN = 1024;

  /** Shortest run the entropy detector looks at. */
  static final int MIN_SECRET_RUN = 20;

  /** Minimum share of adjacent char pairs, in percent, that change class; see classSwitches. */
  static final int MIN_SWITCH_PERCENT = 40;

  private Detectors() {}

  /**
   * Runs every detector over {@code text}, appending raw candidates (overlaps included). Spans that
   * are known not to be secrets although they look random (public-key and certificate PEM bodies,
   * SSH public keys, JWT-shaped strings without an {@code alg}, tokens that fail their checksum,
   * placeholders, publishable keys and object ids, inline images) are collected as {@code inert}:
   * the generic entropy and keyed-secret detectors report nothing inside them.
   */
  public static void scanAll(String text, List<Candidate> out) {
    List<int[]> inert = new ArrayList<>();
    pem(text, out, inert);
    jwt(text, out, inert);
    aws(text, out, inert);
    gcp(text, out, inert);
    github(text, out, inert);
    slack(text, out, inert);
    stripe(text, out, inert);
    iban(text, out);
    card(text, out);
    ssn(text, out);
    email(text, out);
    ipv4(text, out);
    ipv6(text, out);
    simple(PHONE_NANP, PHONE_SCOPE, FindingType.PHONE, 0.85, text, out);
    phoneIntl(text, out);
    Phones.labelled(text, out);
    int before = out.size();
    KeyedSecrets.scan(text, out);
    highEntropy(text, out, inert);
    dropInside(out, before, inert);
  }

  /** Removes the candidates from index {@code from} on that overlap an inert span. */
  private static void dropInside(List<Candidate> out, int from, List<int[]> inert) {
    if (inert.isEmpty() || from == out.size()) {
      return;
    }
    inert.sort((a, b) -> Integer.compare(a[0], b[0]));
    List<int[]> merged = new ArrayList<>();
    for (int[] span : inert) {
      int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && span[0] <= last[1]) {
        last[1] = Math.max(last[1], span[1]);
      } else {
        merged.add(new int[] {span[0], span[1]});
      }
    }
    List<Candidate> tail = new ArrayList<>(out.subList(from, out.size()));
    out.subList(from, out.size()).clear();
    tail.sort((a, b) -> Integer.compare(a.start(), b.start()));
    int a = 0;
    for (Candidate c : tail) {
      while (a < merged.size() && merged.get(a)[1] <= c.start()) {
        a++;
      }
      if (a == merged.size() || merged.get(a)[0] >= c.end()) {
        out.add(c);
      }
    }
  }

  static void aws(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        AWS_KEY,
        AWS_SCOPE,
        text,
        m -> {
          int bodyStart = m.end() - 16;
          if (Placeholders.token(text, bodyStart, m.end())) {
            inert.add(new int[] {m.start(), m.end()});
          } else {
            out.add(new Candidate(FindingType.CLOUD_KEY, m.start(), m.end(), 0.99));
          }
        });
  }

  static void gcp(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        GCP_KEY,
        GCP_SCOPE,
        text,
        m -> {
          if (Placeholders.token(text, m.start() + 4, m.end())) {
            inert.add(new int[] {m.start(), m.end()});
          } else {
            out.add(new Candidate(FindingType.CLOUD_KEY, m.start(), m.end(), 0.95));
          }
        });
  }

  /**
   * Classic tokens count only when their CRC32 checksum holds, so shapes made up for documentation
   * ({@code ghp_XXXX…}, {@code gho_16C7e42F292c6912E7710c838347Ae178B4a}) are not reported, and
   * they are inert for the entropy detector too. Fine-grained tokens have no published checksum;
   * they are checked for placeholders only.
   */
  static void github(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        GITHUB,
        GITHUB_SCOPE,
        text,
        m -> {
          if (Checksums.githubChecksum(m.group(1))) {
            out.add(new Candidate(FindingType.GITHUB_TOKEN, m.start(), m.end(), 0.99));
          } else {
            inert.add(new int[] {m.start(), m.end()});
          }
        });
    findInRuns(
        GITHUB_PAT,
        GITHUB_PAT_SCOPE,
        text,
        m -> {
          if (Placeholders.token(text, m.start(1), m.end(1))) {
            inert.add(new int[] {m.start(), m.end()});
          } else {
            out.add(new Candidate(FindingType.GITHUB_TOKEN, m.start(), m.end(), 0.97));
          }
        });
  }

  /**
   * Slack tokens: after the family prefix and an optional one-digit version, the workspace-scoped
   * families ({@code b p o s e}) start with a numeric id of 8-14 digits; legacy {@code xoxa}/{@code
   * xoxr} may be one random segment. The last segment is the secret part: at least 8 chars, not a
   * placeholder.
   */
  static void slack(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        SLACK,
        SLACK_SCOPE,
        text,
        m -> {
          String t = m.group();
          if (slackTokenOk(t)) {
            out.add(new Candidate(FindingType.SLACK_TOKEN, m.start(), m.end(), 0.97));
          } else {
            inert.add(new int[] {m.start(), m.end()});
          }
        });
    findInRuns(
        SLACK_WEBHOOK,
        SLACK_WEBHOOK_SCOPE,
        text,
        m -> {
          int end = m.end();
          while (end > m.start(1) && (text.charAt(end - 1) == '/' || text.charAt(end - 1) == '-')) {
            end--;
          }
          if (end - m.start(1) >= 20
              && !Placeholders.token(text, m.start(1), end)
              && text.substring(m.start(1), end).chars().filter(c -> c == '/').count() >= 2) {
            out.add(new Candidate(FindingType.SLACK_TOKEN, m.start(), end, 0.97));
          } else {
            inert.add(new int[] {m.start(), end});
          }
        });
  }

  static boolean slackTokenOk(String t) {
    if (t.startsWith("xapp-") || t.startsWith("xoxe.")) {
      int last = t.lastIndexOf('-');
      return !Placeholders.token(t, last + 1, t.length());
    }
    char family = t.charAt(3);
    String[] segs = t.substring(5).split("-");
    int first = segs.length > 1 && segs[0].length() == 1 && isDigit(segs[0].charAt(0)) ? 1 : 0;
    String last = segs[segs.length - 1];
    if (last.length() < 8 || Placeholders.token(last, 0, last.length())) {
      return false;
    }
    boolean lastHasDigit = last.chars().anyMatch(Detectors::isDigitInt);
    boolean lastHasLetter = last.chars().anyMatch(Character::isLetter);
    if (family == 'a' || family == 'r') {
      boolean numericId =
          segs.length - first >= 2 && allDigits(segs[first]) && segs[first].length() >= 6;
      return numericId
          ? lastHasDigit || lastHasLetter
          : lastHasDigit && lastHasLetter && last.length() >= 10;
    }
    if (family == 'o' || family == 's') { // legacy: three numeric ids, then hex
      if (segs.length - first < 4) {
        return false;
      }
      for (int k = first; k < segs.length - 1; k++) {
        if (!allDigits(segs[k])) {
          return false;
        }
      }
      return true;
    }
    if (segs.length - first < 2) {
      return false;
    }
    String id = segs[first];
    return allDigits(id) && id.length() >= 8 && id.length() <= 14 && lastHasLetter;
  }

  private static boolean allDigits(String s) {
    return !s.isEmpty() && s.chars().allMatch(Detectors::isDigitInt);
  }

  /**
   * Secret ({@code sk_}) and restricted ({@code rk_}) keys and webhook secrets. Live-mode keys move
   * money: 0.98. Test-mode keys reach only test data, which is a policy choice: they are reported
   * at {@link #STRIPE_TEST_CONFIDENCE}, under the {@code default} policy's threshold and over
   * {@code strict}'s (docs/egress.md). Publishable keys ({@code pk_}) and object ids ({@code pi_},
   * {@code ch_}, …) are public by design and never match.
   */
  static void stripe(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        STRIPE,
        STRIPE_SCOPE,
        text,
        m -> {
          int bodyStart = m.group(2) != null ? m.start(2) : m.start(3);
          if (Placeholders.token(text, bodyStart, m.end())) {
            inert.add(new int[] {m.start(), m.end()});
          } else {
            boolean test = "test".equals(m.group(1));
            out.add(
                new Candidate(
                    FindingType.STRIPE_KEY,
                    m.start(),
                    m.end(),
                    test ? STRIPE_TEST_CONFIDENCE : 0.98));
          }
        });
  }

  private static void simple(
      Pattern p,
      Scope scope,
      FindingType type,
      double confidence,
      String text,
      List<Candidate> out) {
    findInRuns(p, scope, text, m -> out.add(new Candidate(type, m.start(), m.end(), confidence)));
  }

  /** A run filter: can the run {@code text[from, to)} hold a match at all? */
  @FunctionalInterface
  interface RunTest {
    boolean test(String text, int from, int to);
  }

  /**
   * What a pattern's matches are made of: every char of a match is in {@code alphabet}, and a
   * maximal run of such chars can hold a match only if it passes {@code worth} (enough digits, a
   * marker).
   */
  record Scope(IntPredicate alphabet, RunTest worth) {}

  /**
   * Reports {@code p}'s matches, running the regex only inside maximal runs of {@code scope}'s
   * alphabet that pass its test. The result is what {@code find()} over the whole text gives — no
   * match can hold a char outside the alphabet, and transparent bounds let look-arounds see past
   * the run — at a fraction of the cost: java.util.regex pays tens of nanoseconds for every start
   * position it tries, and most of a text is not in any detector's alphabet.
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
    return c ->
        (digits && c >= '0' && c <= '9')
            || (letters && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            || extra.indexOf(c) >= 0;
  }

  /**
   * "TLDs" that are file extensions: {@code icon@2x.png}, {@code logo@3x.webp} are asset names. (A
   * few are also real gTLDs, {@code .zip} and {@code .mov}; addresses there are rare.)
   */
  private static final Set<String> FILE_EXTENSIONS =
      Set.of(
          "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "pdf", "js",
          "mjs", "css", "html", "htm", "json", "txt", "zip", "gz", "tgz", "mp3", "mp4", "mov",
          "wav", "yml", "yaml", "xml", "csv", "exe", "dll", "jsx", "tsx", "scss", "woff", "woff2",
          "ttf", "map", "lock");

  static void email(String text, List<Candidate> out) {
    findInRuns(
        EMAIL,
        EMAIL_SCOPE,
        text,
        m -> {
          int at = text.indexOf('@', m.start());
          int lastDot = text.lastIndexOf('.', m.end() - 1);
          boolean tldOk = m.end() - lastDot - 1 >= 2;
          for (int i = lastDot + 1; i < m.end() && tldOk; i++) {
            tldOk = Character.isLetter(text.charAt(i));
          }
          char first = text.charAt(m.start());
          char beforeAt = text.charAt(at - 1);
          boolean fileName =
              FILE_EXTENSIONS.contains(
                  text.substring(lastDot + 1, m.end()).toLowerCase(Locale.ROOT));
          boolean sshRemote =
              m.end() < text.length()
                  && text.charAt(m.end()) == ':'
                  && at - m.start() == 3
                  && text.startsWith(
                      "git",
                      m.start()); // git@github.com:org/repo.git is a service account, not a person
          if (tldOk
              && first != '.'
              && first != '\''
              && beforeAt != '.'
              && !sshRemote
              && !fileName
              && !urlUserinfo(text, m.start())) {
            out.add(new Candidate(FindingType.EMAIL, m.start(), m.end(), 0.95));
          }
        });
  }

  /**
   * Whether {@code at} starts the userinfo of a URL ({@code https://TOKEN@host}, {@code
   * postgres://app:PASSWORD@db}): a credential in a URL, not an e-mail address.
   */
  private static boolean urlUserinfo(String text, int at) {
    int scheme = -1;
    for (int i = at - 3; i >= Math.max(0, at - 130) && scheme < 0; i--) {
      if (text.startsWith("://", i)) {
        scheme = i;
      }
    }
    if (scheme < 0) {
      return false;
    }
    int k = scheme + 3;
    if (k == at) {
      return true;
    }
    for (int i = k; i < at; i++) {
      char c = text.charAt(i);
      if (c == '/' || c == '@' || Character.isWhitespace(c)) {
        return false;
      }
    }
    return text.charAt(at - 1) == ':';
  }

  static void phoneIntl(String text, List<Candidate> out) {
    findInRuns(
        PHONE_INTL,
        PHONE_INTL_SCOPE,
        text,
        m -> {
          int digits = 0;
          for (int i = m.start(); i < m.end(); i++) {
            if (Character.isDigit(text.charAt(i))) {
              digits++;
            }
          }
          int end = m.end();
          while (end > m.start()
              && !Character.isDigit(text.charAt(end - 1))
              && text.charAt(end - 1) != ')') {
            end--;
          }
          if (digits >= 8 && digits <= 15) {
            out.add(new Candidate(FindingType.PHONE, m.start(), end, 0.8));
          }
        });
  }

  /**
   * US Social Security numbers: {@code ddd-dd-dddd} anywhere (0.90), {@code ddd dd dddd} anywhere
   * (0.85), and any grouping or none right after a label ({@code SSN: 078051120}, 0.90). The SSA
   * never issues area 000, 666 or 900-999, group 00 or serial 0000.
   */
  static void ssn(String text, List<Candidate> out) {
    findInRuns(SSN, SSN_SCOPE, text, m -> addSsn(m, 0.9, out));
    findInRuns(SSN_SPACED, SSN_SPACED_SCOPE, text, m -> addSsn(m, 0.85, out));
    int from = 0;
    while (true) {
      int hit = indexOfSsnLabel(text, from);
      if (hit < 0) {
        return;
      }
      Matcher m = SSN_LABEL.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
      m.region(hit, Math.min(text.length(), hit + 64));
      if (m.lookingAt()) {
        addSsn(m, 0.9, out, m.start(1));
      }
      from = hit + 1;
    }
  }

  /** Next index of "ssn", "ss#" or "social" (any case), or -1. */
  private static int indexOfSsnLabel(String text, int from) {
    for (int i = from; i + 3 <= text.length(); i++) {
      char c = (char) (text.charAt(i) | 0x20);
      if (c == 's') {
        char c1 = (char) (text.charAt(i + 1) | 0x20);
        char c2 = text.charAt(i + 2);
        if ((c1 == 's' && ((c2 | 0x20) == 'n' || c2 == '#'))
            || (c1 == 'o' && text.regionMatches(true, i, "social", 0, 6))) {
          return i;
        }
      }
    }
    return -1;
  }

  private static void addSsn(Matcher m, double confidence, List<Candidate> out) {
    addSsn(m, confidence, out, m.start());
  }

  private static void addSsn(Matcher m, double confidence, List<Candidate> out, int start) {
    int area = Integer.parseInt(m.group(1));
    boolean valid =
        area != 0
            && area != 666
            && area < 900
            && !m.group(2).equals("00")
            && !m.group(3).equals("0000");
    if (valid) {
      out.add(new Candidate(FindingType.SSN, start, m.end(), confidence));
    }
  }

  static void card(String text, List<Candidate> out) {
    StringBuilder digits = new StringBuilder(19);
    findInRuns(
        CARD,
        CARD_SCOPE,
        text,
        m -> {
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
          if (!(space && dash)
              && d.length() >= 13
              && Checksums.knownCardBrand(d)
              && Checksums.luhn(d)) {
            out.add(new Candidate(FindingType.PAYMENT_CARD, m.start(), m.end(), 0.95));
          }
        });
  }

  /**
   * Hand-written: two letters and two check digits, then exactly the country's length of letters
   * and digits, optionally in space-separated groups of four. Letters may be lower case (IBANs are
   * case-insensitive when pasted); the mod-97 check runs on the upper-cased form.
   */
  static void iban(String text, List<Candidate> out) {
    int n = text.length();
    StringBuilder compact = new StringBuilder(34);
    int i = 0;
    while (i + 4 <= n) {
      if (!(isLetter(text.charAt(i))
              && isLetter(text.charAt(i + 1))
              && isDigit(text.charAt(i + 2))
              && isDigit(text.charAt(i + 3)))
          || (i > 0 && isAlnum(text.charAt(i - 1)))) {
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
        } else if (c == ' '
            && j + 1 < n
            && isAlnum(text.charAt(j + 1))
            && compact.length() % 4 == 0) {
          j++;
        } else {
          break;
        }
      }
      if (compact.length() == len
          && (j == n || !isAlnum(text.charAt(j)))
          && Checksums.ibanMod97(compact)) {
        out.add(new Candidate(FindingType.IBAN, i, j, 0.97));
        i = j;
      } else {
        i++;
      }
    }
  }

  static void ipv4(String text, List<Candidate> out) {
    findInRuns(
        IPV4,
        IPV4_SCOPE,
        text,
        m -> {
          int from = Math.max(0, m.start() - 16);
          if (!VERSION_CONTEXT.matcher(text.substring(from, m.start())).find()) {
            out.add(new Candidate(FindingType.IP_ADDRESS, m.start(), m.end(), 0.9));
          }
        });
  }

  static void ipv6(String text, List<Candidate> out) {
    findInRuns(
        IPV6_CANDIDATE,
        IPV6_SCOPE,
        text,
        m -> {
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
    boolean edgesOk =
        (s.startsWith(":") == s.startsWith("::")) && (s.endsWith(":") == s.endsWith("::"));
    // "cafe::beef" reads as code (a path or scope), so a compressed address must contain a digit
    return edgesOk
        && groups < 8
        && (groups >= 2 || s.equals("::1"))
        && s.chars().anyMatch(Detectors::isDigitInt);
  }

  static void jwt(String text, List<Candidate> out, List<int[]> inert) {
    findInRuns(
        JWT,
        JWT_SCOPE,
        text,
        m -> {
          int dot = text.indexOf('.', m.start());
          if (jwtHeaderOk(text.substring(m.start(), dot))) {
            out.add(new Candidate(FindingType.JWT, m.start(), m.end(), 0.97));
          } else {
            inert.add(
                new int[] {m.start(), m.end()}); // JWT-shaped, but no JOSE header: not a token
          }
        });
  }

  /** The header decodes to a JSON object with an {@code "alg"} member whose value is a string. */
  static boolean jwtHeaderOk(String b64) {
    String json;
    try {
      json = new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8).strip();
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
    if (!json.startsWith("{") || !json.endsWith("}")) {
      return false;
    }
    int alg = json.indexOf("\"alg\"");
    if (alg < 0) {
      return false;
    }
    int k = alg + 5;
    while (k < json.length() && Character.isWhitespace(json.charAt(k))) {
      k++;
    }
    if (k >= json.length() || json.charAt(k) != ':') {
      return false;
    }
    k++;
    while (k < json.length() && Character.isWhitespace(json.charAt(k))) {
      k++;
    }
    return k < json.length() && json.charAt(k) == '"';
  }

  /** Fewest base64 chars a private key body has (an Ed25519 PKCS#8 key is 64). */
  static final int MIN_PEM_BODY = 60;

  /** Fewest base64 chars a truncated body (no END line) needs to be reported. */
  static final int MIN_OPEN_PEM_BODY = 100;

  /** Longest body read (a 16384-bit RSA key is about 12 KiB of base64). */
  static final int MAX_PEM_BODY = 64 * 1024;

  /**
   * Hand-written: "-----BEGIN ... PRIVATE KEY-----" up to the first "-----END " line after it (PEM
   * blocks do not nest) when that line names the same label and the text between is a plausible key
   * body: at least {@value #MIN_PEM_BODY} base64 chars, nothing but base64, line breaks (also
   * written {@code \n}, as in JSON) and RFC 1421 header fields, and not a skeleton ({@code
   * MIIE...}, {@code <your key>}, {@code XXXXXX}). Without an END line, a body of at least {@value
   * #MIN_OPEN_PEM_BODY} base64 chars is reported (0.90): a truncated key still leaks key material.
   * A header alone is not a finding. Blocks with other labels (public keys, certificates) and
   * rejected skeletons are returned in {@code inert} so the entropy detector leaves them alone. The
   * next END marker is found with a pointer that only moves forward, and a body check stops at the
   * next "-----", so the scan is linear.
   */
  static void pem(String text, List<Candidate> out, List<int[]> inert) {
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
        if (!(isUpper(c) || isDigit(c) || c == ' ')) {
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
      if (!label.contains("PRIVATE KEY")) {
        if (closed) {
          inert.add(new int[] {b, nextEnd + end.length()});
          from = nextEnd + end.length();
        } else {
          from = bodyStart;
        }
      } else if (closed && plausibleKeyBody(text, bodyStart, nextEnd, MIN_PEM_BODY)) {
        out.add(new Candidate(FindingType.PEM_PRIVATE_KEY, b, nextEnd + end.length(), 0.99));
        from = nextEnd + end.length();
      } else if (closed && !text.startsWith(dashes, bodyEndOrDashes(text, bodyStart, nextEnd))) {
        inert.add(new int[] {b, nextEnd + end.length()}); // a skeleton: BEGIN, "...", END
        from = nextEnd + end.length();
      } else {
        int k = pemBodyEnd(text, bodyStart);
        if (plausibleKeyBody(text, bodyStart, k, MIN_OPEN_PEM_BODY)) {
          out.add(new Candidate(FindingType.PEM_PRIVATE_KEY, b, k, 0.9));
        }
        from = Math.max(k, bodyStart);
      }
    }
  }

  /** Where a body check from {@code from} stops: at {@code to} or at an earlier "-----". */
  private static int bodyEndOrDashes(String text, int from, int to) {
    int d = text.indexOf("-----", from);
    return d < 0 || d > to ? to : d;
  }

  private static boolean plausibleKeyBody(String text, int from, int to, int minBase64) {
    if (to - from > MAX_PEM_BODY || bodyEndOrDashes(text, from, to) < to) {
      return false;
    }
    int base64 = 0;
    int upper = 0;
    int lower = 0;
    int digit = 0;
    int dots = 0;
    boolean lineStarted =
        false; // a non-blank char seen on this line (blanks before it are indentation)
    boolean headerLine =
        false; // the line is an RFC 1421 field ("Proc-Type: 4,ENCRYPTED"), which has blanks
    for (int k = from; k < to; k++) {
      char c = text.charAt(k);
      dots = c == '.' ? dots + 1 : 0;
      if (dots >= 2) {
        return false; // "MIIE...", "…"
      }
      boolean escapedBreak =
          c == '\\' && k + 1 < to && (text.charAt(k + 1) == 'n' || text.charAt(k + 1) == 'r');
      if (c == '\n' || c == '\r' || escapedBreak) {
        lineStarted = false;
        headerLine = false;
        k += escapedBreak ? 1 : 0;
      } else if (c == ' ' || c == '\t') {
        if (lineStarted && !headerLine) {
          return false; // prose, not a key body
        }
      } else if (isAlnum(c) || c == '+' || c == '/' || c == '=') {
        lineStarted = true;
        base64++;
        upper += isUpper(c) ? 1 : 0;
        lower += (c >= 'a' && c <= 'z') ? 1 : 0;
        digit += isDigit(c) ? 1 : 0;
      } else if (c == ':') {
        lineStarted = true;
        headerLine = true;
      } else if (c == ',' || c == '-' || c == '.' || c == '"') {
        lineStarted = true;
      } else {
        return false;
      }
    }
    if (base64 < minBase64 || upper < 4 || lower < 4 || digit < 2) {
      return false;
    }
    String body = text.substring(from, to).toLowerCase(Locale.ROOT);
    return !(body.contains("xxxxxx") || body.contains("example"));
  }

  /**
   * Hand-written: maximal runs of base64/base64url characters, {@value #MIN_SECRET_RUN} to {@value
   * #MAX_SECRET_RUN} long, that mix upper case, lower case and at least two digits and whose
   * Shannon entropy reaches {@link #entropyThreshold(int)}. Pure hex runs (hashes, UUIDs, commit
   * ids) cannot qualify (no upper-and-lower mix), which is the deliberate trade-off: hex-encoded
   * secrets are left to the typed detectors.
   */
  static void highEntropy(String text, List<Candidate> out, List<int[]> inert) {
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
      if (len >= MIN_SECRET_RUN
          && len <= MAX_SECRET_RUN
          && mixed(text, i, end)
          && classSwitches(text, i, end) * 100 >= MIN_SWITCH_PERCENT * (len - 1)
          && Checksums.shannon(text, i, end) >= entropyThreshold(len)) {
        if (EncodedData.notASecret(text, i, end, j)) {
          inert.add(new int[] {i, j});
        } else {
          out.add(new Candidate(FindingType.HIGH_ENTROPY, i, j, 0.75));
        }
      }
      i = j;
    }
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
    return isAlnum(c)
        || c == '+'
        || c == '/'
        || c == '='
        || c == ':'
        || c == ','
        || c == '-'
        || c == ' ';
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
