package io.provability.fabric.schemas.tlog;

/**
 * Object names of a C2SP tlog-tiles log, relative to the log's prefix: {@code checkpoint}, {@code
 * tile/<L>/<N>[.p/<W>]} and {@code tile/entries/<N>[.p/<W>]}.
 *
 * <p>{@code <N>} is written as zero-padded 3-digit path elements, all but the last prefixed with
 * {@code x} (1234067 becomes {@code x001/x234/067}), so that a file system never needs a file and a
 * directory of the same name. {@code .p/<W>} marks a partial tile of width 1 to 255. Parsing is
 * strict: a path is accepted only in the one spelling this class writes.
 */
public final class TlogPaths {

  /** Levels of the Merkle tree one tile spans. */
  public static final int TILE_HEIGHT = 8;

  /** Hashes in a full tile and entries in a full bundle. */
  public static final int TILE_WIDTH = 1 << TILE_HEIGHT;

  /** The highest tile level the format allows. */
  public static final int MAX_LEVEL = 63;

  /** Name of the signed checkpoint. */
  public static final String CHECKPOINT = "checkpoint";

  private static final String TILE = "tile/";
  private static final String ENTRIES = "tile/entries/";

  private TlogPaths() {}

  /**
   * Returns the checkpoint's name.
   *
   * @return {@code checkpoint}
   */
  public static String checkpoint() {
    return CHECKPOINT;
  }

  /**
   * Returns the name of a hash tile.
   *
   * @param level tile level, 0 (leaf hashes) to 63
   * @param index tile index within the level
   * @param partialWidth hashes in a partial tile (1 to 255); 0 or 256 for a full tile
   * @return {@code tile/<L>/<N>[.p/<W>]}
   */
  public static String tile(int level, long index, int partialWidth) {
    if (level < 0 || level > MAX_LEVEL) {
      throw new TlogException("tile level " + level + " is outside 0.." + MAX_LEVEL);
    }
    return TILE + level + "/" + encodeIndex(index) + suffix(partialWidth);
  }

  /**
   * Returns the name of an entry bundle.
   *
   * @param index bundle index (entry index / 256)
   * @param partialWidth entries in a partial bundle (1 to 255); 0 or 256 for a full bundle
   * @return {@code tile/entries/<N>[.p/<W>]}
   */
  public static String entries(long index, int partialWidth) {
    return ENTRIES + encodeIndex(index) + suffix(partialWidth);
  }

  /**
   * Encodes a tile index as path elements.
   *
   * @param index the index, from 0
   * @return e.g. {@code 000}, {@code 255}, {@code x001/x234/067}
   */
  public static String encodeIndex(long index) {
    if (index < 0) {
      throw new TlogException("tile index " + index + " is negative");
    }
    String last = String.format("%03d", index % 1000);
    StringBuilder prefix = new StringBuilder();
    for (long rest = index / 1000; rest > 0; rest /= 1000) {
      prefix.insert(0, String.format("x%03d/", rest % 1000));
    }
    return prefix + last;
  }

  /**
   * Parses a tile or bundle path (relative to the log prefix) back into its coordinates.
   *
   * @param path e.g. {@code tile/0/x001/x234/067.p/8} or {@code tile/entries/000}
   * @return the coordinates; width 256 for a full tile
   * @throws TlogException naming the path and what is wrong with it
   */
  public static TilePath parse(String path) {
    if (path == null || !path.startsWith(TILE)) {
      throw bad(path, "does not start with tile/");
    }
    String rest = path.substring(TILE.length());
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw bad(path, "has no tile index");
    }
    String levelText = rest.substring(0, slash);
    int level;
    if (levelText.equals("entries")) {
      level = TilePath.ENTRIES;
    } else {
      level = (int) parseDecimal(path, levelText, "level", MAX_LEVEL);
    }
    rest = rest.substring(slash + 1);
    int width = TILE_WIDTH;
    int partial = rest.indexOf(".p/");
    if (partial >= 0) {
      width = (int) parseDecimal(path, rest.substring(partial + 3), "width", TILE_WIDTH - 1);
      if (width == 0) {
        throw bad(path, "has partial width 0 (empty tiles do not exist)");
      }
      rest = rest.substring(0, partial);
    }
    long index = parseIndex(path, rest);
    TilePath parsed = new TilePath(level, index, width);
    // The format has exactly one spelling per tile; anything else (x000 elements, "+7") is refused.
    if (!parsed.path().equals(path)) {
      throw bad(path, "is not in canonical form (expected " + parsed.path() + ")");
    }
    return parsed;
  }

  private static long parseIndex(String path, String elements) {
    String[] parts = elements.split("/", -1);
    long index = 0;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (!last) {
        if (!part.startsWith("x")) {
          throw bad(path, "has index element '" + part + "' without the x prefix");
        }
        part = part.substring(1);
      }
      if (part.length() != 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw bad(path, "has index element '" + parts[i] + "' that is not 3 digits");
      }
      if (index > (Long.MAX_VALUE - 999) / 1000) {
        throw bad(path, "has a tile index too large");
      }
      index = index * 1000 + Integer.parseInt(part);
    }
    return index;
  }

  private static long parseDecimal(String path, String text, String what, long max) {
    if (text.isEmpty()
        || text.length() > 3
        || !text.chars().allMatch(c -> c >= '0' && c <= '9')
        || (text.length() > 1 && text.charAt(0) == '0')) {
      throw bad(path, "has " + what + " '" + text + "' that is not a plain decimal");
    }
    long value = Long.parseLong(text);
    if (value > max) {
      throw bad(path, "has " + what + " " + value + " above " + max);
    }
    return value;
  }

  private static String suffix(int partialWidth) {
    if (partialWidth < 0 || partialWidth > TILE_WIDTH) {
      throw new TlogException("tile width " + partialWidth + " is outside 0.." + TILE_WIDTH);
    }
    return partialWidth == 0 || partialWidth == TILE_WIDTH ? "" : ".p/" + partialWidth;
  }

  private static TlogException bad(String path, String why) {
    return new TlogException("tile path '" + path + "' " + why);
  }
}
