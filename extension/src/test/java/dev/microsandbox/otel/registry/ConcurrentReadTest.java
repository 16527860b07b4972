package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.RecordingLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A writer rewrites samples as fast as it can and keeps reusing a slot for new sandboxes, while
 * readers check that every accepted sample is internally consistent: every figure derives from one
 * counter, every identity field from one sandbox id. One torn value or mixed identity fails.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class ConcurrentReadTest {

  @Parameter RegistryAccess access;

  static final long TARGET_ACCEPTED = 1_000_000;

  /** Writes between two reuses of slot 0 (at least one round over every slot). */
  static final int REUSE_EVERY = 2_000;

  @TempDir Path dir;

  static String nameOf(int id) {
    return "sandbox-" + id + "-" + "é".repeat(id % 40);
  }

  static SandboxSample encode(SandboxSample s, int id, long k) {
    return s.identity(id, id * 10, (int) ProcessHandle.current().pid(), nameOf(id))
        .times(k, k + 1)
        .flags(0x7f)
        .cpu((float) (k % 10_000), k * 11)
        .memory(id, k, k * 13, k * 17)
        .io(k * 2, k * 3, k * 5, k * 7)
        .upper(k * 19, k * 23, k * 29);
  }

  /** Whether {@code s} is one coherent sample of a registry of {@code abi}; else what is torn. */
  static String verify(SandboxSample s, RegistryAbi abi) {
    long k = s.memoryBytes();
    int id = s.sandboxId();
    long upper = abi.hasUpperFields() ? k : 0; // v2 has no writable-layer figures, nor their flags
    boolean ok =
        s.memoryLimitBytes() == id
            && s.runId() == id * 10
            && s.name().equals(nameOf(id))
            && s.sampledAtMs() == k + 1
            && s.flags() == (abi.hasUpperFields() ? 0x7f : 0x0f)
            && s.abi() == abi
            && s.cpuPercent() == (float) (k % 10_000)
            && s.vcpuTimeNs() == k * 11
            && s.memoryAvailableBytes() == k * 13
            && s.memoryHostResidentBytes() == k * 17
            && s.diskReadBytes() == k * 2
            && s.diskWriteBytes() == k * 3
            && s.netRxBytes() == k * 5
            && s.netTxBytes() == k * 7
            && s.upperUsedBytes() == upper * 19
            && s.upperFreeBytes() == upper * 23
            && s.upperHostAllocatedBytes() == upper * 29;
    return ok
        ? null
        : "torn: id=" + id + " k=" + k + " name=" + s.name() + " disk=" + s.diskReadBytes();
  }

  /**
   * Four hot slots of either ABI, and a registry of 4,096 sandboxes (upstream's runtime sizes it).
   */
  static Stream<Arguments> registries() {
    return Stream.of(
        Arguments.of(RegistryAbi.V3, 4),
        Arguments.of(RegistryAbi.V2, 4),
        Arguments.of(RegistryAbi.V3, 4096));
  }

  @ParameterizedTest(name = "registry ABI {0}, {1} sandboxes")
  @MethodSource("registries")
  @Timeout(120)
  void readersNeverSeeATornSampleOrAMixedIdentity(RegistryAbi abi, int slots) throws Exception {
    Path file = dir.resolve("msb-met-race-v" + abi.version());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong accepted = new AtomicLong();
    AtomicLong reuses = new AtomicLong();
    ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
    long reuseEvery = Math.max(REUSE_EVERY, slots) / slots * slots; // a whole number of rounds
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, slots, abi)) {
      Thread writerThread =
          new Thread(
              () -> {
                SandboxSample s = new SandboxSample();
                int[] slot = new int[slots];
                int[] ids = new int[slots];
                for (int i = 0; i < slots; i++) {
                  ids[i] = i + 1;
                  slot[i] = writer.claim(encode(s, ids[i], 1));
                  writer.activate(slot[i], ids[i] * 10, (int) ProcessHandle.current().pid());
                }
                int nextId = slots + 1;
                for (long k = 1; !stop.get(); k++) {
                  int i = (int) (k % slots);
                  if (k % reuseEvery == 0) { // i == 0: slot 0 goes to a brand-new sandbox
                    writer.release(slot[0], false);
                    ids[0] = nextId++;
                    slot[0] = writer.claim(encode(s, ids[0], k));
                    writer.activate(slot[0], ids[0] * 10, (int) ProcessHandle.current().pid());
                    reuses.incrementAndGet();
                  }
                  writer.publish(slot[i], encode(s, ids[i], k));
                }
              },
              "registry-writer");
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            new Thread(
                () -> {
                  try (RegistryReader reader =
                      new RegistryReader(
                          file,
                          abi,
                          new RegistryReader.Options(Duration.ZERO, false, access),
                          TimeSource.SYSTEM,
                          null,
                          new RecordingLog())) {
                    while (!stop.get()) {
                      RegistrySnapshot snapshot = reader.read(false);
                      for (int i = 0; i < snapshot.size(); i++) {
                        String problem = verify(snapshot.get(i), abi);
                        if (problem != null) {
                          torn.add(problem);
                        }
                      }
                      if (accepted.addAndGet(snapshot.size()) >= TARGET_ACCEPTED) {
                        stop.set(true);
                      }
                    }
                  }
                },
                "registry-reader-" + r));
      }
      writerThread.start();
      readers.forEach(Thread::start);
      for (Thread t : readers) {
        t.join();
      }
      stop.set(true);
      writerThread.join();
    }
    assertTrue(torn.isEmpty(), () -> torn.size() + " torn reads, first: " + torn.peek());
    assertTrue(accepted.get() >= TARGET_ACCEPTED, "accepted " + accepted.get());
    assertTrue(reuses.get() > 10, "the slot was reused while being read: " + reuses.get());
    System.out.printf(
        "concurrent reads (v%d, %d sandboxes): %d accepted, %d slot reuses, 0 torn%n",
        abi.version(), slots, accepted.get(), reuses.get());
    assertEquals(0, torn.size());
  }
}
