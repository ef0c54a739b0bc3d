package io.provability.fabric.schemas.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogEntryTest {
  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void smallEntryIsInlineByteForByte() {
    byte[] entry = LogEntry.inline(new byte[] {1, 2, 3}, new byte[] {9}).forLog().encode();
    assertThat(Hex.encode(entry)).isEqualTo("0100" + "00000003" + "010203" + "00000001" + "09");
    LogEntry back = LogEntry.decode(entry);
    assertThat(back.decisionBytes()).containsExactly(1, 2, 3);
    assertThat(back.requestBytes()).containsExactly(9);
    assertThat(back.requestIsReference()).isFalse();
  }

  @Test
  void largeRequestBecomesAReferenceAndResolvesFromItsObject() {
    byte[] decision = filled(500, 7);
    byte[] request = filled(256 * 1024, 3);
    LogEntry log = LogEntry.inline(decision, request).forLog();
    byte[] encoded = log.encode();
    assertThat(encoded).hasSize(10 + 500 + 32);
    assertThat(encoded[1]).isEqualTo((byte) 2);
    LogEntry decoded = LogEntry.decode(encoded);
    assertThat(decoded.requestReference()).isEqualTo(Sha256.digest(request));
    assertThat(decoded.requestLength()).isEqualTo(request.length);
    Map<String, byte[]> objects = Map.of(Hex.encode(Sha256.digest(request)), request);
    LogEntry resolved = decoded.resolve(h -> objects.get(Hex.encode(h)));
    assertThat(resolved.requestBytes()).isEqualTo(request);
    assertThat(resolved.decisionBytes()).isEqualTo(decision);
  }

  @Test
  void largeDecisionAndRequestAreBothReferences() {
    LogEntry log = LogEntry.inline(filled(200_000, 1), filled(256 * 1024, 2)).forLog();
    assertThat(log.encode()).hasSize(10 + 32 + 32);
    assertThat(log.decisionIsReference()).isTrue();
  }

  @Test
  void anObjectThatDoesNotHashToItsNameIsRefused() {
    LogEntry decoded =
        LogEntry.decode(LogEntry.inline(filled(10, 1), filled(70_000, 2)).forLog().encode());
    assertThatThrownBy(() -> decoded.resolve(h -> filled(70_000, 3)))
        .hasMessageContaining("request object")
        .hasMessageContaining("does not hash to its name");
    assertThatThrownBy(() -> decoded.resolve(h -> null)).hasMessageContaining("is missing");
  }

  @Test
  void malformedEntriesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> LogEntry.decode(new byte[] {2, 0}))
        .hasMessageContaining("entry version 2");
    assertThatThrownBy(() -> LogEntry.decode(new byte[] {1, 4, 0, 0, 0, 0}))
        .hasMessageContaining("unknown bits");
    assertThatThrownBy(() -> LogEntry.decode(new byte[] {1, 0, 0, 0, 0, 5, 1}))
        .hasMessageContaining("truncated");
    byte[] ok = LogEntry.inline(new byte[] {1}, new byte[] {2}).encode();
    byte[] trailing = Arrays.copyOf(ok, ok.length + 1);
    assertThatThrownBy(() -> LogEntry.decode(trailing)).hasMessageContaining("1 trailing byte");
  }
}
