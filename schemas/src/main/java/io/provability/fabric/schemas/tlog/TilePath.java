package io.provability.fabric.schemas.tlog;

/**
 * One tile or entry bundle of a tiled log, as named by a {@code tile/...} path.
 *
 * @param level the tile level, 0 to 63; {@link #ENTRIES} for an entry bundle
 * @param index the tile's index within its level, from 0
 * @param width how many hashes (or entries) it holds: 1 to 255 for a partial tile, 256 for a full
 *     one
 */
public record TilePath(int level, long index, int width) {

  /** The {@link #level()} of an entry bundle ({@code tile/entries/...}). */
  public static final int ENTRIES = -1;

  /** Checks the ranges; a width of 0 is not a tile (empty tiles are never served). */
  public TilePath {
    if (level < ENTRIES || level > TlogPaths.MAX_LEVEL) {
      throw new TlogException("tile level " + level + " is outside 0.." + TlogPaths.MAX_LEVEL);
    }
    if (index < 0) {
      throw new TlogException("tile index " + index + " is negative");
    }
    if (width < 1 || width > TlogPaths.TILE_WIDTH) {
      throw new TlogException("tile width " + width + " is outside 1.." + TlogPaths.TILE_WIDTH);
    }
  }

  /**
   * Tells whether this names an entry bundle rather than a hash tile.
   *
   * @return true for {@code tile/entries/...}
   */
  public boolean isEntries() {
    return level == ENTRIES;
  }

  /**
   * Tells whether this is a partial tile (fewer than 256 hashes or entries).
   *
   * @return true when the path carries a {@code .p/<W>} suffix
   */
  public boolean isPartial() {
    return width < TlogPaths.TILE_WIDTH;
  }

  /**
   * Returns the path relative to the log's prefix.
   *
   * @return {@code tile/<L>/<N>[.p/<W>]} or {@code tile/entries/<N>[.p/<W>]}
   */
  public String path() {
    return isEntries() ? TlogPaths.entries(index, width) : TlogPaths.tile(level, index, width);
  }

  @Override
  public String toString() {
    return path();
  }
}
