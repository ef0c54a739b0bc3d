package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One positive with its exact span, and look-alikes that must not match, per detector. */
class EgressDetectorTest {
  private final EgressScanner scanner = new EgressScanner();

  /** Asserts {@code text} yields exactly one finding, of {@code type}, covering {@code expected}. */
  private void assertSingle(String text, FindingType type, String expected) {
    List<Finding> findings = scanner.scan(text);
    assertThat(findings).as(text).hasSize(1);
    Finding f = findings.get(0);
    assertThat(f.type()).isEqualTo(type);
    assertThat(text.substring(f.start(), f.end())).isEqualTo(expected);
  }

  private void assertNone(String text) {
    assertThat(scanner.scan(text)).as(text).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "EMAIL|mail bob.smith+x@mail.example.org, thanks|bob.smith+x@mail.example.org",
    "EMAIL|End: a@example.com.|a@example.com",
    "PHONE|call (415) 555-0132 now|(415) 555-0132",
    "PHONE|call +44 20 7946 0958.|+44 20 7946 0958",
    "PHONE|tel:+14155550132|+14155550132",
    "SSN|ssn 078-05-1120 ok|078-05-1120",
    "PAYMENT_CARD|visa 4111 1111 1111 1111 exp|4111 1111 1111 1111",
    "PAYMENT_CARD|amex 378282246310005|378282246310005",
    "PAYMENT_CARD|mc 5555-5555-5555-4444.|5555-5555-5555-4444",
    "IBAN|to GB82 WEST 1234 5698 7654 32 by Friday|GB82 WEST 1234 5698 7654 32",
    "IBAN|to DE89370400440532013000.|DE89370400440532013000",
    "IP_ADDRESS|host 192.168.10.254.|192.168.10.254",
    "IP_ADDRESS|peer [2001:db8::ff00:42:8329]:443|2001:db8::ff00:42:8329",
    "IP_ADDRESS|loopback ::1 only|::1",
    "CLOUD_KEY|AWS_ACCESS_KEY_ID=AKIAUJZDEGXDNCF32EPF|AKIAUJZDEGXDNCF32EPF",
    "CLOUD_KEY|key=AIza2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm|AIza2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm",
    "GITHUB_TOKEN|t 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 x|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",
    "SLACK_TOKEN|xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx|xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "STRIPE_KEY|sk_live_4eC39HqLyjWDarjtT1zdp7dc!|sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "HIGH_ENTROPY|secret = 'q8Zr2LmX7vT4kP9wB3nC6yD1' ;|q8Zr2LmX7vT4kP9wB3nC6yD1",
    "HIGH_ENTROPY|b64 Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MEFCQ0RFRg== end|Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MEFCQ0RFRg==",
  })
  void detectsWithExactSpan(FindingType type, String text, String expected) {
    assertSingle(text, type, expected);
  }

  /** A credential name makes the value a secret even when it is hex or full of punctuation; the span is the value. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
    "password: \"Xk9#mP2$vL5@qR8!wT3&\"|Xk9#mP2$vL5@qR8!wT3&",
    "SECRET_KEY=4f9c2a7e1b8d6f3a0c5e9b2d7f4a1c8e|4f9c2a7e1b8d6f3a0c5e9b2d7f4a1c8e",
    "export AWS_SECRET_ACCESS_KEY='n0t+A/real-Key9'|n0t+A/real-Key9",
    "<server><password>h7K$2mPq9!xZ</password></server>|h7K$2mPq9!xZ",
    "Пароль: password := Zz9!уникальный; ok|Zz9!уникальный",
  })
  void keyedSecretValue(String text, String expected) {
    assertSingle(text, FindingType.HIGH_ENTROPY, expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
    "password: ${DB_PASSWORD}",
    "password = os.getenv(\"PW1\")",
    "max_tokens: 4096",
    "passwordMinLength=12",
    "api_key: YOUR_API_KEY_HERE",
    "token: '12345678",
    "password: short1!",
  })
  void keyedSecretLookAlikes(String text) {
    assertNone(text);
  }

  @Test
  void jwtNeedsAHeaderWithAlg() {
    String jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assertSingle("Bearer " + jwt + ".", FindingType.JWT, jwt);
    assertSingle("alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", FindingType.JWT, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
    assertNone("eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.abc");
  }

  @Test
  void pemPrivateKeyWithAndWithoutEnd() {
    String body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
        + "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";
    String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----";
    assertSingle("key:\n" + pem + "\nbye", FindingType.PEM_PRIVATE_KEY, pem);
    String open = "-----BEGIN PRIVATE KEY-----\n" + body.strip();
    assertSingle("truncated:\n" + open + "\n\nregards, ops", FindingType.PEM_PRIVATE_KEY, open);
    assertNone("-----BEGIN PUBLIC KEY-----\n" + body + "-----END PUBLIC KEY-----");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "card 4111 1111 1111 1112 exp",          // Luhn fails
    "card 1234 5678 9012 3452",             // Luhn ok, no card network issues 1234
    "IBAN GB83 WEST 1234 5698 7654 32",      // check digits wrong
    "IBAN DE89 3704 0044 0532 0130",         // too short for DE
    "id 000-12-3456", "id 666-12-3456", "id 912-34-5678", "id 123-00-4567",
    "user@localhost", "@Override", "a@b.c",
    "released 2024-01-15 12:30:45", "ISBN 978-3-16-148410-0",
    "upgrade to version 1.2.3.4", "v1.2.3.4", "256.1.1.1", "1.2.3.4.5", "std::vector", "cafe::beef",
    "AKIAIOSFODNN7EXAMPL", "ghp_short", "sk_live_short", "xoxb-not-a-token",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b", "id 123e4567-e89b-12d3-a456-426614174000",
    "def base64EncodeUTF8String(s)", "getUserAccountBalanceForTenant2024",
  })
  void lookAlikesAreNotFindings(String text) {
    assertNone(text);
  }

  @Test
  void overlapsResolveToTheMoreSpecificType() {
    String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assertThat(scanner.scan(jwt)).extracting(Finding::type).containsExactly(FindingType.JWT);
    assertThat(scanner.scan("sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ12345"))
        .extracting(Finding::type).containsExactly(FindingType.STRIPE_KEY);
  }

  @Test
  void checksums() {
    assertThat(Checksums.luhn("79927398713")).isTrue();
    assertThat(Checksums.luhn("79927398710")).isFalse();
    assertThat(Checksums.ibanMod97("GB82WEST12345698765432")).isTrue();
    assertThat(Checksums.ibanMod97("GB82WEST12345698765433")).isFalse();
    assertThat(Checksums.shannon("aaaa", 0, 4)).isZero();
    assertThat(Checksums.shannon("abcd", 0, 4)).isEqualTo(2.0);
  }
}
