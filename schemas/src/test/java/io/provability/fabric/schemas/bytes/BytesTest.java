package io.provability.fabric.schemas.bytes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BytesTest {

  @Test
  void copiesTheRemainingBytesAndLeavesTheBufferWhereItWas() {
    ByteBuffer buffer = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
    buffer.position(1).limit(4);

    byte[] copy = Bytes.toArray(buffer);

    assertThat(copy).containsExactly(2, 3, 4);
    assertThat(buffer.position()).isEqualTo(1);
    assertThat(buffer.limit()).isEqualTo(4);
    assertThat(Bytes.toArray(buffer)).containsExactly(2, 3, 4);
  }

  @Test
  void theCopyIsIndependentOfTheBuffer() {
    byte[] backing = {7, 8};
    byte[] copy = Bytes.toArray(ByteBuffer.wrap(backing));

    copy[0] = 0;

    assertThat(backing).containsExactly(7, 8);
  }

  @Test
  void readsDirectAndEmptyBuffers() {
    ByteBuffer direct = ByteBuffer.allocateDirect(3).put(new byte[] {9, 8, 7}).flip();

    assertThat(Bytes.toArray(direct)).containsExactly(9, 8, 7);
    assertThat(direct.remaining()).isEqualTo(3);
    assertThat(Bytes.toArray(ByteBuffer.allocate(0))).isEmpty();
  }
}
