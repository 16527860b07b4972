package dev.microsandbox.otel.e2e;

import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.ProcessFiles;
import dev.microsandbox.otel.testing.RegistryStorm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A registry under /dev/shm for a temporary MSB_HOME, kept fresh by a test-side writer thread like
 * running sandboxes keep theirs: every sandbox re-publishes its sample every 200 ms.
 */
public final class LiveRegistry implements AutoCloseable {

  /** The owner pid of every test sandbox: this JVM, so the owner probe finds it alive. */
  public static final int PID = (int) ProcessHandle.current().pid();

  private final Path home;
  private final Path file;
  private final Map<Integer, SandboxSample> sandboxes = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> slots = new ConcurrentHashMap<>();
  private final Thread refresher;
  private volatile RegistryWriter writer;
  private volatile boolean closed;
  private volatile boolean timeDerived;
  private volatile boolean growing;
  private volatile long refreshMs = 200;

  /** Creates the registry of {@code home} with {@code capacity} slots. */
  public LiveRegistry(Path home, int capacity) throws IOException {
    this.home = home;
    this.file = RegistryLocation.registryFile(home.toString());
    Files.deleteIfExists(file);
    writer = RegistryWriter.openOrCreate(file, capacity);
    refresher = new Thread(this::refreshLoop, "live-registry");
    refresher.setDaemon(true);
    refresher.start();
  }

  /** The MSB_HOME this registry belongs to. */
  public Path home() {
    return home;
  }

  /** The registry file. */
  public Path file() {
    return file;
  }

  /** Starts a sandbox with every optional flag and figures derived from its id. */
  public synchronized void start(int id, int runId, String name) {
    long now = System.currentTimeMillis();
    SandboxSample s =
        new SandboxSample()
            .identity(id, runId, PID, name)
            .times(now - 60_000, now)
            .flags(0x7f)
            .cpu(150.25f, id * 1_000L)
            .memory(512L << 20, id * 1000L, 1L << 20, 1L << 21)
            .io(id * 10L, id * 20L, id * 30L, id * 40L)
            .upper(id * 100L, id * 200L, id * 300L);
    claimAndPublish(id, runId, s);
  }

  /** Claims a slot for sandbox {@code id}'s run, activates it and publishes {@code s} there. */
  private void claimAndPublish(int id, int runId, SandboxSample s) {
    int slot = writer.start(s, runId, PID);
    sandboxes.put(id, s);
    slots.put(id, slot);
  }

  /**
   * From now on every refresh writes disk and network figures derived from the sample's own time
   * (read = t, written = 2t, received = 3t, sent = 4t, with t its {@code sampled_at} in ms), so a
   * test can tell each sample apart and check that its figures belong together.
   */
  public void timeDerivedFigures() {
    timeDerived = true;
  }

  /**
   * From now on every refresh writes totals that grow with the sandbox's uptime {@code u} in ms:
   * vCPU time 1.5u ms, disk read u, written 2u, network received 3u, sent 4u bytes. A restart
   * ({@link #restart}) therefore brings them back near zero.
   */
  public void growingTotals() {
    growing = true;
  }

  /** Restarts a sandbox as its next run, started now: a new slot, its totals from zero. */
  public synchronized void restart(int id) {
    SandboxSample old = sandboxes.remove(id);
    writer.release(slots.remove(id), true);
    long now = System.currentTimeMillis();
    int runId = old.runId() + 1;
    SandboxSample s =
        new SandboxSample()
            .identity(id, runId, PID, old.name())
            .times(now, now)
            .flags(old.flags())
            .cpu(150.25f, 0)
            .memory(
                old.memoryLimitBytes(),
                old.memoryBytes(),
                old.memoryAvailableBytes(),
                old.memoryHostResidentBytes())
            .io(0, 0, 0, 0)
            .upper(old.upperUsedBytes(), old.upperFreeBytes(), old.upperHostAllocatedBytes());
    claimAndPublish(id, runId, s);
  }

  /** The sample last written for sandbox {@code id}. */
  public synchronized SandboxSample sample(int id) {
    return sandboxes.get(id);
  }

  /** Sandboxes re-publish every {@code millis} ms from now on (200 by default). */
  public void refreshEvery(long millis) {
    refreshMs = millis;
  }

  /** Stops a sandbox cleanly: its slot goes stale. */
  public synchronized void stop(int id) {
    sandboxes.remove(id);
    writer.release(slots.remove(id), true);
  }

  /** Deletes the registry file, as a host reboot would; then {@link #recreate}. */
  public synchronized void delete() throws IOException {
    sandboxes.clear();
    slots.clear();
    writer.close();
    Files.delete(file);
  }

  /**
   * Storms the registry for {@code length} ({@link RegistryStorm}: cut short, recreated, corrupted)
   * with the figures of this moment, the writer gone meanwhile so that only the storm touches the
   * file; then leaves it intact, joins it again and starts sandbox {@code after} as a sign of life.
   * Meanwhile process {@code reader} never holds more than two mappings of the registry.
   *
   * @return the storm's steps
   */
  public long stormThenResume(Duration length, long reader, int after) throws Exception {
    refreshNow(); // fresh figures for the storm to restore
    byte[] good = Files.readAllBytes(file);
    delete();
    long steps;
    try (RegistryStorm storm = new RegistryStorm(file, good, after).start()) {
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end) {
        if (mappingsIn(reader) > 2) {
          throw new AssertionError(mappingsIn(reader) + " mappings of " + file + " pile up");
        }
        Thread.sleep(100);
      }
      steps = storm.steps();
    }
    recreate(0); // joins the intact file the storm left
    start(after, after * 10, "after-storm");
    return steps;
  }

  /** Read-only mappings of the registry (or of its deleted predecessors) in process {@code pid}. */
  public long mappingsIn(long pid) {
    return ProcessFiles.readOnlyMappings(Long.toString(pid), file);
  }

  /** A new registry file (new inode, maybe another size). */
  public synchronized void recreate(int capacity) throws IOException {
    writer = RegistryWriter.openOrCreate(file, capacity);
  }

  private void refreshLoop() {
    while (!closed) {
      refreshNow();
      try {
        Thread.sleep(refreshMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Writes every sandbox's sample again, stamped now. */
  private synchronized void refreshNow() {
    long now = System.currentTimeMillis();
    sandboxes.forEach(
        (id, s) -> {
          s.times(s.startedAtMs(), now);
          if (timeDerived) {
            s.io(now, 2 * now, 3 * now, 4 * now);
          }
          if (growing) {
            long u = now - s.startedAtMs();
            s.cpu(s.cpuPercent(), u * 1_500_000L).io(u, 2 * u, 3 * u, 4 * u);
          }
          writer.publish(slots.get(id), s);
        });
  }

  @Override
  public synchronized void close() {
    closed = true;
    refresher.interrupt();
    try {
      writer.close();
    } catch (IllegalStateException alreadyClosed) {
      // deleted and not recreated
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
