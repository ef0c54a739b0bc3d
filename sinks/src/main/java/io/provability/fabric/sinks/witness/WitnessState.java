package io.provability.fabric.sinks.witness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The witness's memory: for each log origin, the size, root and full note of the last checkpoint it
 * cosigned. Kept in one JSON file, rewritten atomically (temporary file, fsync, rename) before
 * every cosignature is published, so a crash never leaves the witness having cosigned something it
 * does not remember.
 *
 * <pre>
 * {"version": 1, "logs": {"&lt;origin&gt;": {"size": 1000, "root": "&lt;base64&gt;",
 *   "cosigned_at": 1764700000, "checkpoint": "&lt;the cosigned note&gt;"}}}
 * </pre>
 */
public final class WitnessState {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Map<String, Cosigned> logs = new TreeMap<>();

  private WitnessState(Path file) {
    this.file = file;
  }

  /**
   * Loads the state, or starts empty if the file does not exist.
   *
   * @param file the state file
   * @return the state
   * @throws IllegalStateException if the file exists but is not a valid state
   */
  public static WitnessState load(Path file) {
    WitnessState state = new WitnessState(file);
    if (!Files.exists(file)) {
      return state;
    }
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || root.path("version").asInt() != 1 || !root.path("logs").isObject()) {
        throw new IllegalStateException("witness state " + file + " is not a version 1 state file");
      }
      for (Map.Entry<String, JsonNode> log : root.path("logs").properties()) {
        JsonNode v = log.getValue();
        byte[] rootHash = Base64.getDecoder().decode(v.path("root").asText());
        if (!v.path("size").canConvertToLong() || rootHash.length != 32) {
          throw new IllegalStateException(
              "witness state " + file + ": bad entry for " + log.getKey());
        }
        state.logs.put(
            log.getKey(),
            new Cosigned(
                v.path("size").asLong(),
                rootHash,
                v.path("cosigned_at").asLong(),
                v.path("checkpoint").asText()));
      }
      return state;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "witness state " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Returns what was last cosigned for a log.
   *
   * @param origin the log's origin
   * @return the last cosigned checkpoint, if any
   */
  public Optional<Cosigned> get(String origin) {
    return Optional.ofNullable(logs.get(origin));
  }

  /**
   * Records a cosigned checkpoint and writes the file atomically before returning.
   *
   * @param origin the log's origin
   * @param cosigned what was cosigned
   */
  public void put(String origin, Cosigned cosigned) {
    logs.put(origin, cosigned);
    save();
  }

  private void save() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", 1);
    ObjectNode out = root.putObject("logs");
    logs.forEach(
        (origin, c) -> {
          ObjectNode log = out.putObject(origin);
          log.put("size", c.size());
          log.put("root", Base64.getEncoder().encodeToString(c.root()));
          log.put("cosigned_at", c.cosignedAt());
          log.put("checkpoint", c.note());
        });
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      byte[] bytes =
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsString(root)
              .getBytes(StandardCharsets.UTF_8);
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(ByteBuffer.wrap(bytes));
        channel.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing witness state " + file + " failed", e);
    }
  }

  /**
   * One cosigned checkpoint.
   *
   * @param size its size
   * @param root its root hash
   * @param cosignedAt POSIX seconds of the cosignature
   * @param note the published note (log signature and cosignature)
   */
  public record Cosigned(long size, byte[] root, long cosignedAt, String note) {
    /** Copies the root. */
    public Cosigned {
      root = root.clone();
    }

    @Override
    public byte[] root() {
      return root.clone();
    }
  }
}
