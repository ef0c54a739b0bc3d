package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.InclusionProof;
import io.provability.fabric.schemas.merkle.Rfc6962;
import io.provability.fabric.schemas.merkle.internal.MerkleProofs;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a tiled log of a known size (normally a verified checkpoint's): entries, leaf hashes, the
 * root, inclusion and consistency proofs, all from the stored tiles. A node hash comes from the one
 * tile that holds it (at most 127 hashes to combine), never from rehashing the log.
 *
 * <p>Every tile read is checked for its exact length; a partial tile that is gone is replaced by
 * the prefix of the full tile of the same index, as tlog-tiles allows. {@link #verifyAll}
 * recomputes every tile from the entries for an auditor. Not thread-safe (it caches recent tiles).
 */
public final class TileReader {

  private static final int WIDTH = TlogPaths.TILE_WIDTH;
  private static final int HEIGHT = TlogPaths.TILE_HEIGHT;
  private static final int HASH = Rfc6962.HASH_LENGTH;
  private static final int CACHED_TILES = 64;
  private static final int CACHED_NODES = 8192;

  private final Function<String, Optional<byte[]>> fetch;
  private final long size;
  private final Map<String, byte[]> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
          return size() > CACHED_TILES;
        }
      };

  /** Perfect-subtree hashes already combined from a tile, keyed by height and index. */
  private final Map<Long, byte[]> nodes =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
          return size() > CACHED_NODES;
        }
      };

  /**
   * Creates a reader.
   *
   * @param fetch reads an object by its path relative to the log prefix; empty if it is missing
   * @param size the log size to read at (tiles beyond it are never read)
   */
  public TileReader(Function<String, Optional<byte[]>> fetch, long size) {
    this.fetch = Objects.requireNonNull(fetch, "fetch");
    if (size < 0) {
      throw new IllegalArgumentException("log size " + size + " is negative");
    }
    this.size = size;
  }

  /**
   * Returns the size this reader reads at.
   *
   * @return number of entries
   */
  public long size() {
    return size;
  }

  /**
   * Returns one entry.
   *
   * @param index zero-based entry index, below {@link #size()}
   * @return the entry's bytes
   * @throws TlogException if its bundle is missing or malformed
   */
  public byte[] entry(long index) {
    checkIndex(index, size);
    return bundle(index >>> HEIGHT).get((int) (index & (WIDTH - 1)));
  }

  /**
   * Returns the entries of one bundle, as stored for this size.
   *
   * @param bundleIndex index of the bundle (entry index / 256)
   * @return its entries: 256 for a full bundle, fewer for the last one
   */
  public List<byte[]> bundle(long bundleIndex) {
    int width = widthAt(-1, bundleIndex);
    String full = TlogPaths.entries(bundleIndex, 0);
    if (width == WIDTH) {
      return EntryBundle.decode(read(full), WIDTH);
    }
    String partial = TlogPaths.entries(bundleIndex, width);
    Optional<byte[]> bytes = fetchCached(partial);
    if (bytes.isPresent()) {
      return EntryBundle.decode(bytes.get(), width);
    }
    return EntryBundle.decode(readFallback(partial, full), WIDTH).subList(0, width);
  }

  /**
   * Returns the RFC 6962 leaf hash of one entry, from the level-0 tile.
   *
   * @param index zero-based entry index
   * @return 32 bytes
   */
  public byte[] leafHash(long index) {
    checkIndex(index, size);
    return nodeHash(0, index).clone();
  }

  /**
   * Returns the root at this reader's size, from the stored tiles.
   *
   * @return 32 bytes
   */
  public byte[] root() {
    return size == 0 ? Rfc6962.emptyRoot() : subtreeHash(0, size).clone();
  }

  /**
   * Returns the root of the tree of an older size, from the stored tiles.
   *
   * @param treeSize 0 to {@link #size()}
   * @return 32 bytes
   */
  public byte[] root(long treeSize) {
    checkSize(treeSize);
    return treeSize == 0 ? Rfc6962.emptyRoot() : subtreeHash(0, treeSize).clone();
  }

  /**
   * Returns the inclusion proof (RFC 6962 §2.1.1 audit path) of an entry in the tree of a size.
   *
   * @param index zero-based entry index
   * @param treeSize size of the tree, above {@code index} and at most {@link #size()}
   * @return the proof
   */
  public InclusionProof inclusionProof(long index, long treeSize) {
    checkSize(treeSize);
    checkIndex(index, treeSize);
    return new InclusionProof(
        index, treeSize, MerkleProofs.inclusionPath(this::nodeHash, index, treeSize));
  }

  /**
   * Returns the consistency proof between two sizes (RFC 9162 §2.1.4, {@code PROOF(m, D[n])}).
   *
   * @param oldSize the older size, at least 1
   * @param newSize the newer size, at least {@code oldSize} and at most {@link #size()}
   * @return the proof hashes; empty when the sizes are equal
   */
  public List<byte[]> consistencyProof(long oldSize, long newSize) {
    checkSize(newSize);
    if (oldSize < 1 || oldSize > newSize) {
      throw new IllegalArgumentException(
          "consistency proof from size "
              + oldSize
              + " to "
              + newSize
              + ": the older size must be between 1 and "
              + newSize);
    }
    List<byte[]> proof = MerkleProofs.consistencyProof(this::nodeHash, oldSize, newSize);
    proof.replaceAll(byte[]::clone);
    return proof;
  }

  /**
   * Recomputes every tile of the log from its entries and compares it with the stored tile, and the
   * recomputed root with {@code expectedRoot}: what an auditor runs over a whole log. Also hands
   * every entry to {@code visitor} (to check it against its database row) in index order.
   *
   * <p>A mismatch names the path, the level and the first differing hash, and says where the fault
   * lies: a stored tile that still agrees with the tile above it means the entries changed; one
   * that does not means the tile itself was altered. The walk stops at the first missing or
   * malformed bundle, since nothing after it can be recomputed.
   *
   * @param expectedRoot the root of the verified checkpoint of this size
   * @param visitor receives each entry; may be a no-op
   * @return the mismatches, the first being the earliest; empty if the log is intact
   */
  public List<TileMismatch> verifyAll(byte[] expectedRoot, EntryVisitor visitor) {
    Objects.requireNonNull(expectedRoot, "expectedRoot");
    Objects.requireNonNull(visitor, "visitor");
    List<TileMismatch> mismatches = new ArrayList<>();
    TileLogAppender recomputed = new TileLogAppender();
    long bundles = (size + WIDTH - 1) >>> HEIGHT;
    for (long b = 0; b < bundles; b++) {
      List<byte[]> entries;
      try {
        entries = bundle(b);
      } catch (TlogException e) {
        mismatches.add(
            new TileMismatch(
                TlogPaths.entries(b, widthAt(-1, b)), TilePath.ENTRIES, -1, e.getMessage()));
        return mismatches;
      }
      for (int i = 0; i < entries.size(); i++) {
        visitor.entry((b << HEIGHT) + i, entries.get(i));
      }
      boolean last = b == bundles - 1;
      TileLogAppender.AppendResult result =
          last ? recomputed.append(entries) : recomputed.appendDeferringPartials(entries);
      for (Map.Entry<String, byte[]> write : result.writes().entrySet()) {
        TilePath tile = TlogPaths.parse(write.getKey());
        if (!tile.isEntries()) {
          compareTile(tile, write.getValue(), mismatches);
        }
      }
    }
    byte[] root = recomputed.root();
    if (!MessageDigest.isEqual(root, expectedRoot)) {
      mismatches.add(
          new TileMismatch(
              TlogPaths.CHECKPOINT,
              -1,
              -1,
              "the root recomputed from the entries is "
                  + Hex.encode(root)
                  + ", the checkpoint says "
                  + Hex.encode(expectedRoot)));
    }
    return mismatches;
  }

  private void compareTile(TilePath tile, byte[] expected, List<TileMismatch> out) {
    byte[] stored;
    try {
      stored = tileHashes(tile.level(), tile.index());
    } catch (TlogException e) {
      out.add(new TileMismatch(tile.path(), tile.level(), -1, e.getMessage()));
      return;
    }
    if (Arrays.equals(stored, expected)) {
      return;
    }
    int first = 0;
    while (first < tile.width()
        && Arrays.equals(
            stored,
            first * HASH,
            first * HASH + HASH,
            expected,
            first * HASH,
            first * HASH + HASH)) {
      first++;
    }
    String where = diagnose(tile, stored);
    out.add(
        new TileMismatch(
            tile.path(),
            tile.level(),
            first,
            tile.path()
                + " hash "
                + first
                + " is "
                + Hex.encode(Arrays.copyOfRange(stored, first * HASH, first * HASH + HASH))
                + ", recomputed from the entries it is "
                + Hex.encode(Arrays.copyOfRange(expected, first * HASH, first * HASH + HASH))
                + "; "
                + where));
  }

  /** Says whether a stored full tile still agrees with the hash above it (in the next tile). */
  private String diagnose(TilePath tile, byte[] stored) {
    if (tile.isPartial()) {
      return "the tile differs from the log's entries";
    }
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < WIDTH; i++) {
      hashes.add(Arrays.copyOfRange(stored, i * HASH, i * HASH + HASH));
    }
    byte[] mth = TileLogAppender.perfectRoot(hashes);
    int parentLevel = tile.level() + 1;
    try {
      byte[] parent = nodeHash(HEIGHT * parentLevel, tile.index());
      String entries =
          tile.level() == 0 ? TlogPaths.entries(tile.index(), 0) : "the entries below it";
      return MessageDigest.isEqual(mth, parent)
          ? "the tile agrees with the level-"
              + parentLevel
              + " tile above it, so "
              + entries
              + " was altered"
          : "the tile does not agree with the level-"
              + parentLevel
              + " tile above it either: the tile itself was altered";
    } catch (TlogException e) {
      return "the level-" + parentLevel + " tile above it cannot be read (" + e.getMessage() + ")";
    }
  }

  /** MTH(D[lo:hi]) from the stored tiles. */
  private byte[] subtreeHash(long lo, long hi) {
    return MerkleProofs.subtreeHash(this::nodeHash, lo, hi);
  }

  /** The hash of the perfect subtree of height {@code height} at position {@code index}. */
  private byte[] nodeHash(int height, long index) {
    // Heights stay below 64 and indexes below 2^57 for any log of fewer than 2^63 entries.
    long key = (index << 6) | height;
    byte[] cached = nodes.get(key);
    if (cached == null) {
      cached = combine(height, index);
      nodes.put(key, cached);
    }
    return cached;
  }

  private byte[] combine(int height, long index) {
    int level = height / HEIGHT;
    int below = height % HEIGHT;
    long first = index << below;
    byte[] tile = tileHashes(level, first >>> HEIGHT);
    int offset = (int) (first & (WIDTH - 1));
    int count = 1 << below;
    if ((offset + count) * HASH > tile.length) {
      throw new TlogException(
          "node at height " + height + ", index " + index + " lies beyond the log's size " + size);
    }
    List<byte[]> hashes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int at = (offset + i) * HASH;
      hashes.add(Arrays.copyOfRange(tile, at, at + HASH));
    }
    return TileLogAppender.perfectRoot(hashes);
  }

  /** The stored hashes of tile {@code index} at {@code level} as of this size, length-checked. */
  private byte[] tileHashes(int level, long index) {
    int width = widthAt(level, index);
    String full = TlogPaths.tile(level, index, 0);
    if (width == WIDTH) {
      return checkLength(full, read(full), WIDTH);
    }
    String partial = TlogPaths.tile(level, index, width);
    Optional<byte[]> bytes = fetchCached(partial);
    if (bytes.isPresent()) {
      return checkLength(partial, bytes.get(), width);
    }
    return Arrays.copyOf(checkLength(full, readFallback(partial, full), WIDTH), width * HASH);
  }

  /** Width of a tile (level >= 0) or bundle (level -1) at this size; 1..256. */
  private int widthAt(int level, long index) {
    int shift = HEIGHT * Math.max(level, 0);
    long count = shift >= Long.SIZE ? 0 : size >>> shift;
    long width = count - (index << HEIGHT);
    if (index < 0 || width <= 0) {
      throw new TlogException(
          "there is no "
              + (level < 0 ? "entry bundle" : "level-" + level + " tile")
              + " "
              + index
              + " in a log of size "
              + size);
    }
    return (int) Math.min(width, WIDTH);
  }

  private static byte[] checkLength(String path, byte[] tile, int width) {
    if (tile.length != width * HASH) {
      throw new TlogException(path + " is " + tile.length + " bytes, expected " + width * HASH);
    }
    return tile;
  }

  private byte[] read(String path) {
    return fetchCached(path).orElseThrow(() -> new TlogException(path + " is missing"));
  }

  /** The full object that replaces a missing partial one; the error names the partial. */
  private byte[] readFallback(String partial, String full) {
    return fetchCached(full)
        .orElseThrow(
            () -> new TlogException(partial + " is missing (and so is the full " + full + ")"));
  }

  private Optional<byte[]> fetchCached(String path) {
    byte[] cached = cache.get(path);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<byte[]> fetched = Objects.requireNonNull(fetch.apply(path), "fetch result");
    fetched.ifPresent(bytes -> cache.put(path, bytes));
    return fetched;
  }

  private void checkSize(long treeSize) {
    if (treeSize < 0 || treeSize > size) {
      throw new IllegalArgumentException(
          "tree size " + treeSize + " is outside 0.." + size + " (the reader's size)");
    }
  }

  private static void checkIndex(long index, long treeSize) {
    if (index < 0 || index >= treeSize) {
      throw new IllegalArgumentException(
          "entry " + index + " is outside a tree of size " + treeSize);
    }
  }

  /** Receives the entries of a log in index order during {@link #verifyAll}. */
  @FunctionalInterface
  public interface EntryVisitor {
    /**
     * Called once per entry.
     *
     * @param index the entry's index
     * @param entry its bytes
     */
    void entry(long index, byte[] entry);
  }

  /**
   * One disagreement between a stored tile and the entries, found by {@link #verifyAll}.
   *
   * @param path the object at fault (relative to the log prefix), or {@code checkpoint}
   * @param level the tile level; -1 for an entry bundle or the checkpoint
   * @param hashIndex the first differing hash within the tile; -1 if not a hash comparison
   * @param reason one line saying what differs and where the fault lies
   */
  public record TileMismatch(String path, int level, int hashIndex, String reason) {}
}
