package io.provability.fabric.schemas.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provability.fabric.schemas.merkle.MerkleTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TileLogAppenderTest {

  static List<byte[]> entries(int from, int to) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(("entry " + i).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void rootMatchesTheReferenceTreeAfterEveryChunk() {
    Random random = new Random(7);
    TileLogAppender appender = new TileLogAppender();
    Map<String, byte[]> store = new HashMap<>();
    int size = 0;
    while (size < 70_000) {
      int chunk = random.nextInt(size < 2000 ? 40 : 3000) + 1;
      TileLogAppender.AppendResult result = appender.append(entries(size, size + chunk));
      size += chunk;
      store.putAll(result.writes());
      assertEquals(size, result.size());
      if (size < 3000 || random.nextInt(5) == 0) {
        byte[] expected = MerkleTree.fromLeaves(entries(0, size)).root();
        assertArrayEquals(expected, result.root(), "root at size " + size);
        TileReader reader = new TileReader(p -> Optional.ofNullable(store.get(p)), size);
        assertArrayEquals(expected, reader.root(), "root from tiles at size " + size);
        TileLogAppender resumed = TileLogAppender.resume(size, store::get);
        assertArrayEquals(expected, resumed.root(), "resumed root at size " + size);
      }
    }
  }

  @Test
  void sameEntriesGiveSameBytesHoweverSplitAndAfterResume() {
    Map<String, byte[]> oneByOne = new HashMap<>();
    TileLogAppender a = new TileLogAppender();
    for (byte[] entry : entries(0, 1000)) {
      oneByOne.putAll(a.append(List.of(entry)).writes());
    }
    Map<String, byte[]> chunked = new HashMap<>();
    TileLogAppender b = new TileLogAppender();
    chunked.putAll(b.append(entries(0, 300)).writes());
    TileLogAppender c = TileLogAppender.resume(300, chunked::get);
    chunked.putAll(c.append(entries(300, 1000)).writes());
    for (Map.Entry<String, byte[]> write : chunked.entrySet()) {
      assertArrayEquals(oneByOne.get(write.getKey()), write.getValue(), write.getKey());
    }
    assertTrue(chunked.containsKey("tile/0/003.p/232"));
    assertTrue(chunked.containsKey("tile/entries/002"));
    assertTrue(chunked.containsKey("tile/1/000.p/3"));
  }

  @Test
  void refusesOversizedEntryWithoutAppending() {
    TileLogAppender appender = new TileLogAppender();
    assertThrows(TlogException.class,
        () -> appender.append(List.of(new byte[1], new byte[65_536])));
    assertEquals(0, appender.size());
  }
}
