package io.provability.fabric.processors.egress.internal;

import io.provability.fabric.processors.egress.FindingType;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Phone numbers in national format after a label ({@code Mobile: 07700 900123}, {@code Tel. 030
 * 1234567}, {@code 電話番号：03-1234-5678}, {@code Телефон: 8 (495) 123-45-67}). Without a label, a
 * national number ({@code 07700 900123}) cannot be told from an order number or a quantity, so the
 * unlabelled detectors only read NANP and {@code +CC} forms. Every label is found with {@link
 * String#indexOf}, and the number after it is read by a bounded pattern, so work is linear in the
 * text.
 */
final class Phones {
  /**
   * Labels, lower case. ASCII ones must stand alone as words; the others are matched as written.
   */
  private static final String[] LABELS = {
    "phone",
    "telephone",
    "tel",
    "mobile",
    "mob",
    "cell",
    "cellphone",
    "fax",
    "whatsapp",
    "call me at",
    "call me on",
    "text me at",
    "reach me at",
    "contact number",
    "handy",
    "telefon",
    "telefonnummer",
    "mobil",
    "mobilnummer",
    "téléphone",
    "tél",
    "portable",
    "teléfono",
    "telefono",
    "móvil",
    "movil",
    "celular",
    "telefone",
    "telemóvel",
    "cellulare",
    "telefoon",
    "mobiel",
    "телефон",
    "тел",
    "моб",
    "мобильный",
    "電話番号",
    "電話",
    "携帯電話",
    "携帯",
    "手机号码",
    "手机号",
    "手机",
    "电话号码",
    "电话",
    "手機",
    "電話號碼",
    "연락처",
    "전화번호",
    "전화",
    "휴대폰",
    "핸드폰"
  };

  private static final Pattern AFTER_LABEL =
      Pattern.compile(
          "(?iu)(?:[ \\t]{0,3}+(?:number|no\\.?|nr\\.?|num\\.?|#|番号|号码|號碼|번호))?[ \\t]{0,3}+"
              + "(?:\\([\\p{L} ]{1,12}+\\))?[ \\t]{0,3}+[:\\uFF1A=#.\\-]?[ \\t\\u3000]{0,3}+"
              + "(\\+?(?:\\(\\d{1,5}+\\)|\\d{1,8}+)(?:[ .\\-]?\\(\\d{1,5}+\\))?(?:[ .\\-]{1,2}+\\d{1,8}+){0,6}+)"
              + "(?![\\w.\\-]\\d|\\w)");
  private static final Pattern DATE =
      Pattern.compile("\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}");

  private Phones() {}

  /** Appends a PHONE candidate (0.80) for each labelled number of 7 to 15 digits. */
  static void labelled(String text, List<Detectors.Candidate> out) {
    int n = text.length();
    char[] low = new char[n];
    boolean any = false;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      low[i] = Character.toLowerCase(c);
      any |= c >= '0' && c <= '9';
    }
    if (!any) {
      return;
    }
    String lower = new String(low);
    Matcher m = AFTER_LABEL.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    for (String label : LABELS) {
      boolean ascii = label.chars().allMatch(c -> c < 0x80);
      for (int at = lower.indexOf(label); at >= 0; at = lower.indexOf(label, at + 1)) {
        int after = at + label.length();
        if (ascii
            && ((at > 0 && Character.isLetter(text.charAt(at - 1)))
                || (after < n && Character.isLetter(text.charAt(after))))) {
          continue;
        }
        m.region(after, Math.min(n, after + 64));
        if (m.lookingAt() && plausible(m.group(1))) {
          out.add(new Detectors.Candidate(FindingType.PHONE, m.start(1), m.end(1), 0.8));
        }
      }
    }
  }

  private static boolean plausible(String number) {
    int digits = 0;
    for (int i = 0; i < number.length(); i++) {
      if (Character.isDigit(number.charAt(i))) {
        digits++;
      }
    }
    return digits >= 7 && digits <= 15 && !DATE.matcher(number).matches();
  }
}
