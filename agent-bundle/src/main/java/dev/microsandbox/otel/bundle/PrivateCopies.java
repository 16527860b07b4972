package dev.microsandbox.otel.bundle;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The private directories under {@code java.io.tmpdir} that the bundle copies its nested jars into:
 * one per running JVM, holding a lock file the JVM keeps locked while it lives. Every start first
 * removes the directories of JVMs that died without running their exit hooks (SIGKILL, the OOM
 * killer, a crash): their lock is free. So the copies on disk are bounded by the JVMs running,
 * whatever ended the others. A directory is locked before it takes its final name, so a start never
 * mistakes another's directory, caught between creation and locking, for a dead one. Compiled for
 * Java 8, like {@link BundleMain}.
 */
final class PrivateCopies {

  /** The directories' name prefixes, one per command. */
  static final String SIDECAR = "msb-otel-sidecar-";

  static final String SNAPSHOT = "msb-otel-snapshot-";

  /** Where a directory is made and locked before it is renamed to its prefix. */
  static final String STARTING = ".msb-otel-starting-";

  static final String LOCK = ".lock";

  /**
   * A directory without a lock (an earlier version's, or a start killed before it locked) this old
   * is left over.
   */
  static final long UNLOCKED_GRACE_MS = 10 * 60 * 1000L;

  /** The locks of this JVM's directories: never closed, released when the process ends. */
  private static final List<FileChannel> HELD = new ArrayList<FileChannel>();

  private PrivateCopies() {}

  /** An unusable {@code java.io.tmpdir}, with what to do about it. */
  static final class Unusable extends IOException {
    private static final long serialVersionUID = 1L;

    Unusable(String tmp, String why) {
      super(
          "java.io.tmpdir ("
              + tmp
              + ") "
              + why
              + ": the bundle copies its jars there. Point -Djava.io.tmpdir at a directory this"
              + " user can write (in the unit, for example a StateDirectory= or /var/tmp), or"
              + " create this one");
    }
  }

  /**
   * A new directory only this user may enter, named {@code prefix…}, locked for this JVM's life and
   * removed with what is put in it when the JVM exits (by {@link File#deleteOnExit}, after every
   * shutdown hook, so a last export can still load classes from the copies). Removes the
   * directories of dead JVMs first.
   */
  static File create(String prefix) throws IOException {
    String tmpName = System.getProperty("java.io.tmpdir", "");
    File tmp = new File(tmpName);
    if (!tmp.isDirectory()) {
      throw new Unusable(tmpName, tmp.exists() ? "is not a directory" : "does not exist");
    }
    if (!tmp.canWrite()) {
      throw new Unusable(tmpName, "is not writable by this user");
    }
    sweep(tmp);
    Path starting;
    try {
      starting = Files.createTempDirectory(tmp.toPath(), STARTING); // mode 0700
    } catch (IOException e) {
      throw new Unusable(tmpName, "refused a new directory (" + e + ")");
    }
    FileChannel lock =
        FileChannel.open(
            starting.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    lock.lock();
    HELD.add(lock);
    Path dir =
        Files.move(
            starting,
            starting.resolveSibling(
                prefix + starting.getFileName().toString().substring(STARTING.length())),
            StandardCopyOption.ATOMIC_MOVE);
    File made = dir.toFile();
    made.deleteOnExit(); // registered first, deleted last: after the files in it
    new File(made, LOCK).deleteOnExit();
    return made;
  }

  /** Removes the directories in {@code tmp} of JVMs that are gone; how many. */
  static int sweep(File tmp) {
    File[] entries = tmp.listFiles();
    int removed = 0;
    if (entries == null) {
      return 0;
    }
    for (File entry : entries) {
      String name = entry.getName();
      boolean ours = name.startsWith(SIDECAR) || name.startsWith(SNAPSHOT);
      if ((ours || name.startsWith(STARTING)) && entry.isDirectory() && abandoned(entry)) {
        removed += delete(entry.toPath()) ? 1 : 0;
      }
    }
    return removed;
  }

  /** Whether no live JVM holds {@code dir}: its lock is free, or it never had one for long. */
  static boolean abandoned(File dir) {
    File lock = new File(dir, LOCK);
    if (!lock.exists()) {
      return System.currentTimeMillis() - dir.lastModified() > UNLOCKED_GRACE_MS;
    }
    try (FileChannel channel = FileChannel.open(lock.toPath(), StandardOpenOption.WRITE)) {
      FileLock free = channel.tryLock();
      return free != null; // released as the channel closes
    } catch (OverlappingFileLockException e) {
      return false; // this JVM's own
    } catch (IOException e) {
      return false; // not this user's to judge
    }
  }

  /** Deletes {@code dir} and what it holds, following no link; whether it is gone. */
  private static boolean delete(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path visited, IOException e)
                throws IOException {
              Files.deleteIfExists(visited);
              return FileVisitResult.CONTINUE;
            }
          });
      return true;
    } catch (IOException e) {
      return false; // another's, or in use: left for a later start
    }
  }
}
