package io.provability.fabric.schemas.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provability.fabric.schemas.merkle.internal.MerkleTree;
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

  /**
   * A sequencer killed after any number of its writes, restarted from its last published
   * checkpoint, and fed the same entries again, leaves exactly the objects of a run that never
   * crashed: same paths, same bytes, nothing extra.
   */
  @Test
  void crashAtAnyWriteThenResumeFromTheCheckpointGivesTheSameObjects() {
    List<byte[]> entries = entries(0, 1300);
    int[] batches = {100, 200, 300, 50, 400, 250};
    Map<String, byte[]> clean = new HashMap<>();
    TileLogAppender uninterrupted = new TileLogAppender();
    for (int from = 0, b = 0; from < entries.size(); from += batches[b++]) {
      clean.putAll(uninterrupted.append(entries.subList(from, from + batches[b])).writes());
    }
    // Crash in the fourth batch (entries 600..650 -> size 650), after k of its writes.
    TileLogAppender probe = TileLogAppender.resume(600, clean::get);
    int writesInBatch = probe.append(entries.subList(600, 650)).writes().size();
    for (int k = 0; k <= writesInBatch; k++) {
      Map<String, byte[]> store = new HashMap<>();
      TileLogAppender first = new TileLogAppender();
      for (int from = 0, b = 0; from < 600; from += batches[b++]) {
        store.putAll(first.append(entries.subList(from, from + batches[b])).writes());
      }
      Checkpoint published = new Checkpoint("o", first.size(), first.root());
      first.append(entries.subList(600, 650)).writes().entrySet().stream()
          .limit(k)
          .forEach(w -> store.put(w.getKey(), w.getValue()));
      TileLogAppender restarted = TileLogAppender.resume(published, store::get);
      for (int from = 600, b = 3; from < entries.size(); from += batches[b++]) {
        store.putAll(restarted.append(entries.subList(from, from + batches[b])).writes());
      }
      assertEquals(clean.keySet(), store.keySet(), "objects after a crash at write " + k);
      for (Map.Entry<String, byte[]> object : clean.entrySet()) {
        assertArrayEquals(
            object.getValue(),
            store.get(object.getKey()),
            object.getKey() + " after crash at " + k);
      }
    }
  }

  @Test
  void refusesOversizedEntryWithoutAppending() {
    TileLogAppender appender = new TileLogAppender();
    assertThrows(
        TlogException.class, () -> appender.append(List.of(new byte[1], new byte[65_536])));
    assertEquals(0, appender.size());
  }
}
