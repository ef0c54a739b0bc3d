package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.Rfc6962;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The right edge of one tiled log, in memory: what a sequencer needs to append entries and to say
 * which tiles and entry bundles to write. Not thread-safe; a log has exactly one writer.
 *
 * <p>It keeps the partial tile of every level, the partial entry bundle and the RFC 6962 compact
 * range (the roots of the perfect subtrees that make up the tree), so an append costs one leaf hash
 * plus one node hash per completed subtree, and the root follows from the compact range.
 *
 * <p><b>Deterministic.</b> The same entries appended in the same order from the same state give
 * byte-identical objects under identical paths, however they are split into calls. A sequencer that
 * crashed after writing tiles but before publishing a checkpoint can therefore {@link #resume} from
 * its last checkpoint and append the same entries again: it overwrites what it wrote with the same
 * bytes, with no gap and no duplicate.
 *
 * <p><b>Stale partials.</b> Once a full tile or bundle is written, the partials of the same index
 * are stale. tlog-tiles allows deleting them but does not require it, and readers fall back to the
 * full tile; this class never asks for a delete, so a log's objects only ever grow (which also
 * keeps old checkpoints' partial tiles available to auditors).
 */
public final class TileLogAppender {

  private static final int WIDTH = TlogPaths.TILE_WIDTH;
  private static final int HEIGHT = TlogPaths.TILE_HEIGHT;

  /** Largest log this class writes: 2^56 entries keeps every tile-index shift below 64 bits. */
  public static final long MAX_SIZE = 1L << 56;

  private long size;

  /** Roots of the perfect subtrees of the tree, leftmost (largest) first. */
  private final List<byte[]> range = new ArrayList<>();

  /** For each tile level, the hashes of the current partial tile. */
  private final List<List<byte[]>> tiles = new ArrayList<>();

  /** Entries of the current partial bundle. */
  private final List<byte[]> bundle = new ArrayList<>();

  /** Tile levels whose partial tile changed since partials were last handed out. */
  private final BitSet dirtyLevels = new BitSet();

  private boolean dirtyBundle;

  /** Creates the appender of an empty log. */
  public TileLogAppender() {}

  /**
   * Rebuilds the right edge of a log of {@code size} entries from its stored tiles and its last
   * partial bundle (what a restarted sequencer does). Reads the partial tile of each level and the
   * partial entry bundle; where a partial is gone, the full tile of the same index is used.
   *
   * @param size the log's size, normally that of its last published checkpoint
   * @param fetch reads an object by its path relative to the log prefix; null if it does not exist
   * @return the appender, positioned at {@code size}
   * @throws TlogException if an object needed is missing or malformed, or the partial bundle's
   *     entries do not hash to the level-0 tile
   */
  public static TileLogAppender resume(long size, Function<String, byte[]> fetch) {
    Objects.requireNonNull(fetch, "fetch");
    if (size < 0 || size > MAX_SIZE) {
      throw new TlogException("cannot resume at size " + size + ": outside 0.." + MAX_SIZE);
    }
    TileLogAppender appender = new TileLogAppender();
    appender.size = size;
    for (int level = 0; (size >>> (HEIGHT * level)) > 0; level++) {
      int width = (int) ((size >>> (HEIGHT * level)) & (WIDTH - 1));
      long index = size >>> (HEIGHT * (level + 1));
      List<byte[]> hashes = new ArrayList<>();
      if (width > 0) {
        byte[] tile =
            fetchPrefix(
                fetch,
                TlogPaths.tile(level, index, width),
                TlogPaths.tile(level, index, 0),
                width * Rfc6962.HASH_LENGTH,
                size);
        for (int i = 0; i < width; i++) {
          hashes.add(Arrays.copyOfRange(tile, i * 32, i * 32 + 32));
        }
      }
      appender.tiles.add(hashes);
    }
    int bundleWidth = (int) (size & (WIDTH - 1));
    if (bundleWidth > 0) {
      long index = size >>> HEIGHT;
      String partial = TlogPaths.entries(index, bundleWidth);
      byte[] bytes = fetch.apply(partial);
      List<byte[]> entries;
      if (bytes != null) {
        entries = EntryBundle.decode(bytes, bundleWidth);
      } else {
        byte[] full = fetch.apply(TlogPaths.entries(index, 0));
        if (full == null) {
          throw new TlogException("cannot resume at size " + size + ": " + partial + " is missing");
        }
        entries = EntryBundle.decode(full, WIDTH).subList(0, bundleWidth);
      }
      List<byte[]> leafHashes = appender.tiles.get(0);
      for (int i = 0; i < bundleWidth; i++) {
        if (!MessageDigest.isEqual(Rfc6962.leafHash(entries.get(i)), leafHashes.get(i))) {
          throw new TlogException(
              "cannot resume at size "
                  + size
                  + ": entry "
                  + i
                  + " of "
                  + partial
                  + " does not hash to "
                  + TlogPaths.tile(0, index, bundleWidth));
        }
      }
      appender.bundle.addAll(entries);
    }
    // The compact range: within each level's partial tile, the perfect groups of 2^j hashes
    // (largest first) are the subtrees of height 8 * level + j; higher levels lie further left.
    for (int level = appender.tiles.size() - 1; level >= 0; level--) {
      List<byte[]> hashes = appender.tiles.get(level);
      int at = 0;
      for (int j = HEIGHT - 1; j >= 0; j--) {
        if ((hashes.size() & (1 << j)) != 0) {
          appender.range.add(perfectRoot(hashes.subList(at, at + (1 << j))));
          at += 1 << j;
        }
      }
    }
    return appender;
  }

  /**
   * Like {@link #resume(long, Function)}, and also checks that the rebuilt root is the
   * checkpoint's.
   *
   * @param checkpoint the last published checkpoint
   * @param fetch reads an object by its path; null if it does not exist
   * @return the appender, positioned at the checkpoint's size
   * @throws TlogException if the stored tiles do not give the checkpoint's root
   */
  public static TileLogAppender resume(Checkpoint checkpoint, Function<String, byte[]> fetch) {
    TileLogAppender appender = resume(checkpoint.size(), fetch);
    if (!MessageDigest.isEqual(appender.root(), checkpoint.rootHash())) {
      throw new TlogException(
          "cannot resume at size "
              + checkpoint.size()
              + ": the stored tiles give root "
              + Hex.encode(appender.root())
              + ", the checkpoint says "
              + Hex.encode(checkpoint.rootHash()));
    }
    return appender;
  }

  /**
   * Returns the number of entries appended.
   *
   * @return the log's size
   */
  public long size() {
    return size;
  }

  /**
   * Returns the RFC 6962 root of the log at its current size.
   *
   * @return 32 bytes; the empty tree's hash for an empty log
   */
  public byte[] root() {
    if (range.isEmpty()) {
      return Rfc6962.emptyRoot();
    }
    byte[] root = range.get(range.size() - 1);
    for (int i = range.size() - 2; i >= 0; i--) {
      root = Rfc6962.nodeHash(range.get(i), root);
    }
    return root.clone();
  }

  /**
   * Appends entries and returns every object to write: full bundles and tiles completed by these
   * entries, and the partial bundle and partial tiles (at every level that changed) of the new
   * size. Write them all before publishing a checkpoint of {@link AppendResult#size()}.
   *
   * @param entries the entries, in log order, each at most {@link EntryBundle#MAX_ENTRY_BYTES}
   * @return the new size and root, and the objects to write
   * @throws TlogException if an entry is too large (then nothing is appended)
   */
  public AppendResult append(List<byte[]> entries) {
    Map<String, byte[]> writes = new LinkedHashMap<>();
    integrate(entries, writes);
    addPartials(writes);
    return new AppendResult(size, root(), writes);
  }

  /**
   * Appends entries but returns only the full bundles and tiles they complete; the partials are
   * handed out by the next {@link #append} or {@link #partials()}. For a sequencer that integrates
   * often but publishes a checkpoint (which needs the partials of its size) less often.
   *
   * @param entries the entries, in log order
   * @return the new size and root, and the full objects to write
   */
  public AppendResult appendDeferringPartials(List<byte[]> entries) {
    Map<String, byte[]> writes = new LinkedHashMap<>();
    integrate(entries, writes);
    return new AppendResult(size, root(), writes);
  }

  /**
   * Returns the partial bundle and partial tiles that changed since partials were last handed out,
   * for the current size.
   *
   * @return the current size and root, and those partial objects
   */
  public AppendResult partials() {
    Map<String, byte[]> writes = new LinkedHashMap<>();
    addPartials(writes);
    return new AppendResult(size, root(), writes);
  }

  /**
   * Returns every partial object of the current size, changed or not (to re-publish a log's edge,
   * for example after its partials were deleted).
   *
   * @return the current size and root, and all its partial objects
   */
  public AppendResult allPartials() {
    dirtyBundle = true;
    dirtyLevels.set(0, tiles.size());
    return partials();
  }

  private void integrate(List<byte[]> entries, Map<String, byte[]> writes) {
    Objects.requireNonNull(entries, "entries");
    if (entries.size() > MAX_SIZE - size) {
      throw new TlogException(
          "appending "
              + entries.size()
              + " entries to a log of size "
              + size
              + " would pass the maximum size "
              + MAX_SIZE);
    }
    for (int i = 0; i < entries.size(); i++) {
      byte[] entry = Objects.requireNonNull(entries.get(i), "entry");
      if (entry.length > EntryBundle.MAX_ENTRY_BYTES) {
        throw new TlogException(
            "entry "
                + i
                + " of the append is "
                + entry.length
                + " bytes; a log entry holds at most "
                + EntryBundle.MAX_ENTRY_BYTES);
      }
    }
    for (byte[] entry : entries) {
      long index = size;
      size++;
      bundle.add(entry.clone());
      dirtyBundle = true;
      if (bundle.size() == WIDTH) {
        writes.put(TlogPaths.entries(index >>> HEIGHT, 0), EntryBundle.encode(bundle));
        bundle.clear();
      }
      byte[] hash = Rfc6962.leafHash(entry);
      addTileHash(0, hash, writes);
      range.add(hash);
      // Merge equal-height subtrees: the lowest set bits of the new size say how many merges.
      for (int height = 0; ((size >>> height) & 1) == 0; height++) {
        byte[] right = range.remove(range.size() - 1);
        byte[] left = range.remove(range.size() - 1);
        byte[] node = Rfc6962.nodeHash(left, right);
        range.add(node);
        if ((height + 1) % HEIGHT == 0) {
          addTileHash((height + 1) / HEIGHT, node, writes);
        }
      }
    }
  }

  private void addTileHash(int level, byte[] hash, Map<String, byte[]> writes) {
    while (tiles.size() <= level) {
      tiles.add(new ArrayList<>());
    }
    List<byte[]> tile = tiles.get(level);
    tile.add(hash);
    dirtyLevels.set(level);
    if (tile.size() == WIDTH) {
      long index = (size >>> (HEIGHT * (level + 1))) - 1;
      writes.put(TlogPaths.tile(level, index, 0), concat(tile));
      tile.clear();
    }
  }

  private void addPartials(Map<String, byte[]> writes) {
    if (dirtyBundle && !bundle.isEmpty()) {
      writes.put(TlogPaths.entries(size >>> HEIGHT, bundle.size()), EntryBundle.encode(bundle));
    }
    for (int level = dirtyLevels.nextSetBit(0);
        level >= 0;
        level = dirtyLevels.nextSetBit(level + 1)) {
      List<byte[]> tile = tiles.get(level);
      if (!tile.isEmpty()) {
        writes.put(
            TlogPaths.tile(level, size >>> (HEIGHT * (level + 1)), tile.size()), concat(tile));
      }
    }
    dirtyBundle = false;
    dirtyLevels.clear();
  }

  private static byte[] fetchPrefix(
      Function<String, byte[]> fetch, String partial, String full, int length, long size) {
    byte[] tile = fetch.apply(partial);
    if (tile == null) {
      tile = fetch.apply(full);
      if (tile == null) {
        throw new TlogException(
            "cannot resume at size "
                + size
                + ": "
                + partial
                + " and "
                + full
                + " are both missing");
      }
      if (tile.length != WIDTH * Rfc6962.HASH_LENGTH) {
        throw new TlogException(
            full + " is " + tile.length + " bytes, a full tile has " + WIDTH * Rfc6962.HASH_LENGTH);
      }
      return Arrays.copyOf(tile, length);
    }
    if (tile.length != length) {
      throw new TlogException(partial + " is " + tile.length + " bytes, expected " + length);
    }
    return tile;
  }

  /** MTH of a power-of-two number of hashes. */
  static byte[] perfectRoot(List<byte[]> hashes) {
    List<byte[]> level = new ArrayList<>(hashes);
    while (level.size() > 1) {
      List<byte[]> up = new ArrayList<>(level.size() / 2);
      for (int i = 0; i < level.size(); i += 2) {
        up.add(Rfc6962.nodeHash(level.get(i), level.get(i + 1)));
      }
      level = up;
    }
    return level.get(0);
  }

  private static byte[] concat(List<byte[]> hashes) {
    byte[] out = new byte[hashes.size() * Rfc6962.HASH_LENGTH];
    for (int i = 0; i < hashes.size(); i++) {
      System.arraycopy(hashes.get(i), 0, out, i * Rfc6962.HASH_LENGTH, Rfc6962.HASH_LENGTH);
    }
    return out;
  }

  /**
   * What an append produced.
   *
   * @param size the log's size after the append
   * @param root the RFC 6962 root at that size
   * @param writes objects to write, path (relative to the log prefix) to bytes, in a fixed order:
   *     bundles and tiles as they completed, then partials from the bundle up
   */
  public record AppendResult(long size, byte[] root, Map<String, byte[]> writes) {

    /** Copies; the map keeps its order. */
    public AppendResult {
      root = root.clone();
      writes = Collections.unmodifiableMap(new LinkedHashMap<>(writes));
    }

    @Override
    public byte[] root() {
      return root.clone();
    }

    /**
     * Returns the checkpoint of this size and root (to sign and publish after the writes).
     *
     * @param origin the log's origin line
     * @return the checkpoint body
     */
    public Checkpoint checkpoint(String origin) {
      return new Checkpoint(origin, size, root);
    }
  }
}
