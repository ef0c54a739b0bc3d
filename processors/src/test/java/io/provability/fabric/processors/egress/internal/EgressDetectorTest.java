package io.provability.fabric.processors.egress.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.egress.EgressScanner;
import io.provability.fabric.processors.egress.Finding;
import io.provability.fabric.processors.egress.FindingType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One positive with its exact span, and look-alikes that must not match, per detector. */
class EgressDetectorTest {
  private final EgressScanner scanner = new EgressScanner();

  /**
   * Asserts {@code text} yields exactly one finding, of {@code type}, covering {@code expected}.
   */
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
  @CsvSource(
      delimiter = '|',
      value = {
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
        "IP_ADDRESS|connect to redis 10.0.0.5:6379|10.0.0.5",
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

  /**
   * A credential name makes the value a secret even when it is hex or full of punctuation; the span
   * is the value.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "password: \"Xk9#mP2$vL5@qR8!wT3&\"|Xk9#mP2$vL5@qR8!wT3&",
        "SECRET_KEY=4f9c2a7e1b8d6f3a0c5e9b2d7f4a1c8e|4f9c2a7e1b8d6f3a0c5e9b2d7f4a1c8e",
        "export AWS_SECRET_ACCESS_KEY='n0t+A/real-Key9'|n0t+A/real-Key9",
        "<server><password>h7K$2mPq9!xZ</password></server>|h7K$2mPq9!xZ",
        "Пароль: password := Zz9!уникальный; ok|Zz9!уникальный",
        "SECRET_KEY_BASE=7f3c9a1b2d4e5f60718293a4b5c6d7e8|7f3c9a1b2d4e5f60718293a4b5c6d7e8",
      })
  void keyedSecretValue(String text, String expected) {
    assertSingle(text, FindingType.HIGH_ENTROPY, expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "password: ${DB_PASSWORD}",
        "password = os.getenv(\"PW1\")",
        "max_tokens: 4096",
        "passwordMinLength=12",
        "api_key: YOUR_API_KEY_HERE",
        "token: '12345678",
        "password: short1!",
        "secret: my-app-secret-v2",
        "password: correct-horse-battery-staple",
        "The session token is valid for 24 hours",
        "db_password_file: /run/secrets/db",
      })
  void keyedSecretLookAlikes(String text) {
    assertNone(text);
  }

  @Test
  void jwtNeedsAHeaderWithAlg() {
    String jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assertSingle("Bearer " + jwt + ".", FindingType.JWT, jwt);
    assertSingle(
        "alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
        FindingType.JWT,
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
    assertNone("eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.abc");
  }

  @Test
  void pemPrivateKeyWithAndWithoutEnd() {
    String body =
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
            + "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";
    String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----";
    assertSingle("key:\n" + pem + "\nbye", FindingType.PEM_PRIVATE_KEY, pem);
    String open = "-----BEGIN PRIVATE KEY-----\n" + body.strip();
    assertSingle("truncated:\n" + open + "\n\nregards, ops", FindingType.PEM_PRIVATE_KEY, open);
    assertNone("-----BEGIN PUBLIC KEY-----\n" + body + "-----END PUBLIC KEY-----");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "card 4111 1111 1111 1112 exp", // Luhn fails
        "card 1234 5678 9012 3452", // Luhn ok, no card network issues 1234
        "IBAN GB83 WEST 1234 5698 7654 32", // check digits wrong
        "IBAN DE89 3704 0044 0532 0130", // too short for DE
        "id 000-12-3456",
        "id 666-12-3456",
        "id 912-34-5678",
        "id 123-00-4567",
        "user@localhost",
        "@Override",
        "a@b.c",
        "released 2024-01-15 12:30:45",
        "ISBN 978-3-16-148410-0",
        "upgrade to version 1.2.3.4",
        "v1.2.3.4",
        "256.1.1.1",
        "1.2.3.4.5",
        "std::vector",
        "cafe::beef",
        "AKIAIOSFODNN7EXAMPL",
        "ghp_short",
        "sk_live_short",
        "xoxb-not-a-token",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "id 123e4567-e89b-12d3-a456-426614174000",
        "def base64EncodeUTF8String(s)",
        "getUserAccountBalanceForTenant2024",
        "see icon@2x.png",
        "Python 3.11.4.1",
        "Firefox/121.0.1.2",
        "git clone git@github.com:acme/app.git",
      })
  void lookAlikesAreNotFindings(String text) {
    assertNone(text);
  }

  /** Documentation values and placeholders have the shape of keys but are not secrets. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "AKIAXXXXXXXXXXXXXXXX",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a", // GitHub's docs example: CRC32 checksum fails
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", // right shape, checksum fails
        "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
        "STRIPE_SECRET_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "xoxb-xxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx",
      })
  void documentationValuesAndPlaceholdersAreNotSecrets(String text) {
    assertNone(text);
  }

  @Test
  void githubTokensNeedTheirChecksum() {
    String random30 = "hf4VucSmEHgaKwVJ7faC9qEwjky40U";
    String token = "ghp_" + random30 + Checksums.githubChecksumOf(random30);
    assertThat(token).isEqualTo("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");
    assertSingle("token " + token, FindingType.GITHUB_TOKEN, token);
    String oneCharOff =
        token.substring(0, 10) + (token.charAt(10) == 'a' ? 'b' : 'a') + token.substring(11);
    assertNone("token " + oneCharOff);
  }

  /** A private key needs a base64 body; a header alone, a skeleton or a template is not one. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "-----BEGIN RSA PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n<paste your key here>\n-----END OPENSSH PRIVATE KEY-----",
        "The file must start with -----BEGIN PRIVATE KEY----- and end with -----END PRIVATE KEY-----.",
        "-----BEGIN PRIVATE KEY-----\nHere is where the key goes when you have one\nand more words about it\n",
      })
  void pemSkeletonsAreNotKeys(String escaped) {
    assertNone(escaped.replace("\\n", "\n"));
  }

  @Test
  void pemWithEscapedLineBreaksInJson() {
    String body =
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\\n"
            + "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK";
    String pem = "-----BEGIN PRIVATE KEY-----\\n" + body + "\\n-----END PRIVATE KEY-----";
    assertSingle("{\"private_key\": \"" + pem + "\\n\"}", FindingType.PEM_PRIVATE_KEY, pem);
  }

  /** Formats the detectors once missed, each with its exact span. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "SLACK_TOKEN|token xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c ok|xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c",
        "SLACK_TOKEN|xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575a3634791acb9a9ead051da879eb5b55e|xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575a3634791acb9a9ead051da879eb5b55e",
        "SLACK_TOKEN|url https://hooks.slack.com/services/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 end|https://hooks.slack.com/services/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",
        "JWT|Bearer eyAiYWxnIjogIkhTMjU2IiwgInR5cCI6ICJKV1QiIH0.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIzNDU2|eyAiYWxnIjogIkhTMjU2IiwgInR5cCI6ICJKV1QiIH0.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIzNDU2",
        "SSN|SSN: 078 05 1120.|078 05 1120",
        "SSN|my ssn is 078051120|078051120",
        "PHONE|Mobile: 07700 900123|07700 900123",
        "PHONE|電話番号：03-1234-5678|03-1234-5678",
        "PHONE|Téléphone : 01 23 45 67 89|01 23 45 67 89",
        "HIGH_ENTROPY|パスワード：Tk7mQ2xL9p|Tk7mQ2xL9p",
        "HIGH_ENTROPY|contraseña=Sol2024!Mar|Sol2024!Mar",
        "HIGH_ENTROPY|the password is hunter2-Blue-Orbit|hunter2-Blue-Orbit",
        "HIGH_ENTROPY|Das Passwort lautet Sommer2025!X.|Sommer2025!X",
        "HIGH_ENTROPY|auth_token => \"a81f9c2e7b4d\"|a81f9c2e7b4d",
        "HIGH_ENTROPY|webhook_secret: 9f86d081884c7d659a2feaa0c55ad015|9f86d081884c7d659a2feaa0c55ad015",
        "HIGH_ENTROPY|postgres://app:Xk9mP2vL5q@db.internal:5432/prod|Xk9mP2vL5q",
        "CLOUD_KEY|AWS_SECRET_ACCESS_KEY=q8Zr2LmX7vT4kP9wB3nC6yD1/aF5gH0jK2lM4nP6|q8Zr2LmX7vT4kP9wB3nC6yD1/aF5gH0jK2lM4nP6",
      })
  void formatsOnceMissed(FindingType type, String text, String expected) {
    assertSingle(text, type, expected);
  }

  /** Strings that look random but are public or harmless by design. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "PaymentIntent pi_3MtwBwLkdIwHu7ix28a3tqPa succeeded",
        "charge ch_3MmlLrLkdIwHu7ix0snN0B15, event evt_1NG8Du2eZvKYlo2CUI79vXWy",
        "Stripe('pk_live_51HqLyjWDarjtT1zdp7dcXyZ12345abcDEF')",
        "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl deploy",
        "<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\">",
        "\"integrity\": \"sha512-3u7s8y2NvK1w9QxZqL0pT5mB4cR6eD8fG2hJ9kL1nM3oP5qR7sT9uV1wX3yZ5aB7cD9eF1gH3iJ5kL7mN9oP1q==\"",
        "msg: SGVsbG8gV29ybGQsIHRoaXMgaXMgYSBwbGFpbiBtZXNzYWdlIGZvciB0aGUgdGVhbS4=",
      })
  void publicLookAlikesAreNotFindings(String text) {
    assertNone(text);
  }

  @Test
  void stripeTestKeysAreFoundBelowTheDefaultThreshold() {
    List<Finding> findings = scanner.scan("key sk_test_4eC39HqLyjWDarjtT1zdp7dcQ2");
    assertThat(findings)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.type()).isEqualTo(FindingType.STRIPE_KEY);
              assertThat(f.confidence()).isEqualTo(Detectors.STRIPE_TEST_CONFIDENCE);
            });
    assertThat(scanner.scan("key sk_live_4eC39HqLyjWDarjtT1zdp7dcQ2"))
        .singleElement()
        .satisfies(f -> assertThat(f.confidence()).isEqualTo(0.98));
  }

  @Test
  void overlapsResolveToTheMoreSpecificType() {
    String jwt =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assertThat(scanner.scan(jwt)).extracting(Finding::type).containsExactly(FindingType.JWT);
    assertThat(scanner.scan("sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ12345"))
        .extracting(Finding::type)
        .containsExactly(FindingType.STRIPE_KEY);
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
