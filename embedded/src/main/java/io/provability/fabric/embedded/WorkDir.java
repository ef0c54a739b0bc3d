package io.provability.fabric.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * The directory a stack keeps its data in, one subdirectory per service, emptied at every start.
 *
 * <p>A lock file marks it as the stack's own: a directory without one is used only when empty, so
 * that a mistyped path never has its contents deleted, and a directory whose lock is held by a
 * running stack is refused, so that two stacks never wipe each other's data.
 */
final class WorkDir {

  private static final String LOCK_FILE = ".embedded-stack.lock";

  private final Path root;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final boolean deleteOnRelease;

  private WorkDir(Path root, FileChannel lockChannel, FileLock lock, boolean deleteOnRelease) {
    this.root = root;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.deleteOnRelease = deleteOnRelease;
  }

  /**
   * Takes {@code root} for one stack.
   *
   * @param deleteOnRelease whether {@link #release()} deletes the whole directory (for a temporary
   *     one)
   * @throws IllegalArgumentException if it holds files but no lock file
   * @throws IllegalStateException if another running stack holds it
   */
  static WorkDir claim(Path root, boolean deleteOnRelease) throws IOException {
    Path dir = root.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Path lockFile = dir.resolve(LOCK_FILE);
    if (Files.notExists(lockFile) && !isEmpty(dir)) {
      throw new IllegalArgumentException(
          "work dir "
              + dir
              + " is not empty and was not made by an EmbeddedStack: give an empty or a new directory");
    }
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by a stack in this JVM
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "work dir " + dir + " is in use by another running EmbeddedStack");
    }
    return new WorkDir(dir, channel, lock, deleteOnRelease);
  }

  Path root() {
    return root;
  }

  /** An empty subdirectory for one service, after deleting what an earlier start left there. */
  Path serviceDir(String name) throws IOException {
    Path dir = root.resolve(name);
    deleteRecursively(dir);
    return Files.createDirectories(dir);
  }

  /** Releases the lock, and deletes the directory if it was temporary. */
  void release() throws IOException {
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
    if (deleteOnRelease) {
      deleteRecursively(root);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (Files.notExists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException failure)
              throws IOException {
            if (failure instanceof NoSuchFileException) {
              return FileVisitResult
                  .CONTINUE; // removed meanwhile, e.g. by PostgreSQL as it stopped
            }
            throw failure;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path directory, IOException failure)
              throws IOException {
            if (failure != null && !(failure instanceof NoSuchFileException)) {
              throw failure;
            }
            Files.deleteIfExists(directory);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
