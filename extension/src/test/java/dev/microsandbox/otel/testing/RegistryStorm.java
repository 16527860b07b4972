package dev.microsandbox.otel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile host around a registry: a thread that, as fast as it can, cuts the file short (to
 * nothing, to one page, to half) and restores it, deletes and recreates it, and corrupts slots and
 * mends them, each step a few milliseconds apart. It writes with positional writes only, never
 * through a mapping, so the test's own JVM cannot fault. Readers of the file must survive it and
 * recover once it ends.
 */
public final class RegistryStorm implements AutoCloseable {

  private final Path file;
  private final byte[] good;
  private final Random random;
  private final Thread thread;
  private final AtomicLong steps = new AtomicLong();
  private volatile boolean stopping;
  private volatile Throwable failure;

  /** A storm over {@code file}, whose intact content is {@code good}; not started. */
  public RegistryStorm(Path file, byte[] good, long seed) {
    this.file = file;
    this.good = good.clone();
    this.random = new Random(seed);
    this.thread = new Thread(this::run, "registry-storm");
    this.thread.setDaemon(true);
  }

  /** Starts the storm. */
  public RegistryStorm start() {
    thread.start();
    return this;
  }

  /** Steps taken so far. */
  public long steps() {
    return steps.get();
  }

  /** Ends the storm and leaves the file intact (its good content, mode 0600). */
  @Override
  public void close() throws IOException {
    stopping = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw new IOException("the storm itself failed", failure);
    }
    restore();
  }

  private void run() {
    try {
      while (!stopping) {
        switch (random.nextInt(4)) {
          case 0:
            cutShortAndRestore();
            break;
          case 1:
            recreate();
            break;
          case 2:
            corruptAndMend();
            break;
          default:
            restore();
            pause();
        }
        steps.incrementAndGet();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
  }

  private void cutShortAndRestore() throws IOException {
    long[] sizes = {0, 4096, good.length / 2, good.length - 100};
    try (FileChannel channel = open()) {
      channel.truncate(sizes[random.nextInt(sizes.length)]);
    }
    pause();
    restore();
  }

  private void recreate() throws IOException {
    Files.deleteIfExists(file);
    pause();
    restore();
  }

  private void corruptAndMend() throws IOException {
    int at = 256 + random.nextInt(Math.max(1, good.length - 256 - 64));
    byte[] noise = new byte[64];
    random.nextBytes(noise);
    try (FileChannel channel = open()) {
      channel.write(ByteBuffer.wrap(noise), at);
    }
    pause();
    restore();
  }

  /** Writes the good content, creating the file (0600) if it is gone. */
  private void restore() throws IOException {
    try (FileChannel channel = open()) {
      channel.write(ByteBuffer.wrap(good), 0);
      channel.truncate(good.length);
    }
  }

  private FileChannel open() throws IOException {
    return FileChannel.open(
        file,
        java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
  }

  private void pause() {
    try {
      Thread.sleep(random.nextInt(3));
    } catch (InterruptedException e) {
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }
}
