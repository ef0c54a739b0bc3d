package io.provability.fabric.schemas.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HexAndSha256Test {

  @Test
  void hexRoundTripsEveryByteValueInLowercase() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    String hex = Hex.encode(all);

    assertThat(hex).hasSize(512).startsWith("000102").endsWith("fdfeff").isLowerCase();
    assertThat(Hex.decode(hex)).isEqualTo(all);
    assertThat(Hex.decode(hex.toUpperCase())).isEqualTo(all);
    assertThat(Hex.encode(new byte[0])).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "abc", "0g", "zz", "0x00", "ab cd", "\uff10\uff10"})
  void hexRejectsAnythingButPairsOfAsciiHexDigits(String bad) {
    assertThatThrownBy(() -> Hex.decode(bad)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sha256MatchesTheFips180Vectors() {
    assertThat(Hex.encode(Sha256.digest(ascii("abc"))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Hex.encode(Sha256.digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void sha256OfPartsIsSha256OfTheirConcatenation() {
    assertThat(Sha256.digest(ascii("a"), ascii(""), ascii("bc")))
        .isEqualTo(Sha256.digest(ascii("abc")));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
