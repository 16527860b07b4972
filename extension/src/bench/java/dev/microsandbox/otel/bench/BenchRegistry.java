package dev.microsandbox.otel.bench;

import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real registry under /dev/shm for benchmarks: 1024 slots, {@code active} live sandboxes owned by
 * this process, every optional flag set, names of realistic length.
 */
public final class BenchRegistry implements AutoCloseable {

  static final int CAPACITY = RegistryLayout.DEFAULT_CAPACITY;

  /** The registry file. */
  public final Path file;

  final RegistryWriter writer;
  final int[] slots;
  private final SandboxSample sample = new SandboxSample();

  /** A registry with {@code active} sandboxes, freshly sampled. */
  public BenchRegistry(int active) throws IOException {
    file = Files.createTempFile(Path.of("/dev/shm"), "msb-met-bench-", "-v3");
    Files.delete(file);
    // The runtime's capacity, or the next power of two that holds them all.
    writer =
        RegistryWriter.openOrCreate(
            file, Math.max(CAPACITY, Integer.highestOneBit(Math.max(1, active - 1)) << 1));
    slots = new int[active];
    int pid = (int) ProcessHandle.current().pid();
    for (int i = 0; i < active; i++) {
      sample.identity(10_000 + i, 1, pid, "bench-sandbox-" + i);
      sample.times(System.currentTimeMillis() - 60_000, 0);
      slots[i] = writer.claim(sample);
      writer.activate(slots[i], 20_000 + i, pid);
    }
    refresh();
  }

  /** Publishes a fresh sample in every slot (keeps them inside the maximum sample age). */
  public void refresh() {
    refresh(System.currentTimeMillis());
  }

  /** Publishes a sample taken at {@code now} in every slot. */
  public void refresh(long now) {
    for (int i = 0; i < slots.length; i++) {
      sample
          .times(now - 60_000, now)
          .flags(0x7f)
          .cpu(12.5f + i % 100, i * 1_000_000L)
          .memory(1L << 30, (long) i << 20, 1L << 29, 1L << 28)
          .io(i * 10L, i * 20L, i * 30L, i * 40L)
          .upper(1L << 20, 1L << 21, 1L << 22);
      writer.publish(slots[i], sample);
    }
  }

  /** Removes the registry. */
  @Override
  public void close() throws IOException {
    writer.close();
    Files.deleteIfExists(file);
  }
}
