package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.registry.RegistryProblem.Kind;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.ProcessFiles;
import dev.microsandbox.otel.testing.RecordingLog;
import dev.microsandbox.otel.testing.RegistryStorm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What anyone on the host can do to the registry, and what the reader does about it: a file cut
 * short, recreated and corrupted under it, a squatted file of another owner, a header that claims a
 * million slots, a mode or link changed after attach, a sample from the future, a slot stuck
 * mid-write. The reader never throws, never keeps reading what it refused, and its memory follows
 * the slots in use.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class HostileRegistryTest {

  @Parameter RegistryAccess access;

  static final long NOW = 1_800_000_000_000L;
  static final int SELF_PID = (int) ProcessHandle.current().pid();
  static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  static final String NEEDS_ROOT = "changing a file's owner needs root; this run is not root";

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final RecordingLog log = new RecordingLog();

  RegistryReader reader(Path file, RegistryReader.Options options, TimeSource time) {
    return new RegistryReader(file, options.with(access), time, null, log);
  }

  static void start(RegistryWriter writer, int id, long sampledAt) {
    SandboxSample s =
        new SandboxSample()
            .identity(id, id * 10, SELF_PID, "sandbox-" + id)
            .times(sampledAt - 5_000, sampledAt)
            .memory(1 << 30, id, 0, 0);
    writer.start(s, id * 10, SELF_PID);
  }

  /** A registry of {@code capacity} slots holding sandboxes 1 to {@code sandboxes}, sampled now. */
  Path registry(String name, int capacity, int sandboxes, long sampledAt) throws IOException {
    Path file = dir.resolve(name);
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, capacity)) {
      for (int id = 1; id <= sandboxes; id++) {
        start(writer, id, sampledAt);
      }
    }
    return file;
  }

  @Test
  void aStormOfTruncationRecreationAndCorruptionNeitherBreaksNorLeaksTheReader() throws Exception {
    long wallNow = System.currentTimeMillis();
    Path file = registry("msb-met-storm-v3", 1024, 50, wallNow);
    byte[] good = Files.readAllBytes(file);
    RegistryReader.Options options = new RegistryReader.Options(Duration.ZERO, false, access);
    long passes = 0;
    try (RegistryReader reader = reader(file, options, TimeSource.SYSTEM)) {
      assertEquals(50, reader.read(false).size());
      try (RegistryStorm storm = new RegistryStorm(file, good, 29).start()) {
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < end) {
          RegistrySnapshot snapshot = reader.read(false); // never throws, whatever it meets
          assertTrue(snapshot.size() <= 50 + 64, "at most the slots a corrupted batch can fake");
          passes++;
          Thread.sleep(1);
        }
        assertTrue(storm.steps() > 100, "the storm ran: " + storm.steps() + " steps");
      }
      // Intact again: within a re-check or two every sandbox is back.
      E2e.await(
          Duration.ofSeconds(10),
          () -> reader.read(false).size() == 50,
          () -> reader.read(false).size() + " sandboxes; " + log.all());
      long expected = dev.microsandbox.otel.testing.Readers.mappingsWhileAttached(access);
      assertTrue(
          ProcessFiles.readOnlyMappings("self", file) <= expected,
          ProcessFiles.readOnlyMappings("self", file) + " mappings after the storm");
    }
    assertEquals(0, ProcessFiles.readOnlyMappings("self", file), "closed: nothing mapped");
    assertTrue(passes > 100, passes + " passes");
  }

  @Test
  void aRegistryOwnedByAnotherUserThanMsbIsRefusedAndNeverRead() throws IOException {
    assumeTrue(ROOT, NEEDS_ROOT);
    Path home = Files.createDirectory(dir.resolve("home")); // owned by root, as msb here
    Path file = registry("msb-met-squat-v3", 4, 2, NOW);
    Files.setOwner(file, dev.microsandbox.otel.testing.Fixtures.nobody());
    try (RegistryReader reader =
        reader(file, RegistryReader.Options.DEFAULTS.withHome(home), clock)) {
      for (int i = 0; i < 5; i++) {
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(0, snapshot.size());
        assertEquals(Kind.WRONG_OWNER, snapshot.problem().kind());
        clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      }
    }
    assertEquals(1, log.at(Level.WARNING).size(), log.all()::toString);
    String line = log.at(Level.WARNING).get(0);
    assertTrue(
        line.contains(
            "it is owned by 'nobody', but msb runs as 'root' (the owner of the"
                + " microsandbox home "
                + home
                + ")"),
        line);
  }

  @Test
  void aRootSidecarReadsTheRegistryOfTheUserWhoOwnsTheHome() throws IOException {
    assumeTrue(ROOT, NEEDS_ROOT);
    Path home = Files.createDirectory(dir.resolve("home"));
    Files.setOwner(home, dev.microsandbox.otel.testing.Fixtures.nobody());
    Path file = registry("msb-met-theirs-v3", 4, 2, NOW);
    Files.setOwner(file, dev.microsandbox.otel.testing.Fixtures.nobody());
    try (RegistryReader reader =
        reader(file, RegistryReader.Options.DEFAULTS.withHome(home), clock)) {
      RegistrySnapshot snapshot = reader.read(false);
      assertNull(snapshot.problem());
      assertEquals(2, snapshot.size());
    }
  }

  /** A 4 KiB sparse file any user could leave at the predictable name, claiming 2^20 slots. */
  @Test
  void aHeaderClaimingAMillionSlotsIsRefusedWithoutSizingAnythingForThem() throws IOException {
    Path file = registry("msb-met-huge-v3", 4, 0, NOW);
    dev.microsandbox.otel.testing.Fixtures.poke(file, H_CAPACITY, 4, 1 << 20);
    dev.microsandbox.otel.testing.Fixtures.resize(file, 4096);
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS, clock)) {
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(Kind.CAPACITY_TOO_LARGE, snapshot.problem().kind());
      assertTrue(
          snapshot.problem().message().contains("claims 1048576 slots, more than the 65536"));
      assertTrue(reader.cachedSlots() <= 8, reader.cachedSlots() + " slots cached");
    }
  }

  @Test
  void memoryFollowsTheSlotsInUseNotTheCapacity() throws IOException {
    Path file = registry("msb-met-big-v3", MAX_CAPACITY, 3, NOW);
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS, clock)) {
      for (int pass = 0; pass < 3; pass++) {
        assertEquals(3, reader.read(false).size());
      }
      assertEquals(MAX_CAPACITY, reader.read(false).capacity());
      assertTrue(reader.cachedSlots() <= 8, reader.cachedSlots() + " slots cached for 3 in use");
    }
  }

  @Test
  void aRegistryRefusedAfterAttachIsNotReadAgainUntilItIsFixed() throws IOException {
    Path file = registry("msb-met-chmod-v3", 4, 2, NOW);
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS, clock)) {
      assertEquals(2, reader.read(false).size());
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      for (int i = 0; i < 5; i++) { // within the re-check interval as well as at it
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(0, snapshot.size(), "pass " + i + " read a refused registry");
        assertEquals(Kind.INSECURE_PERMISSIONS, snapshot.problem().kind());
        clock.advance(100);
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      assertEquals(2, reader.read(false).size());
      Path other = registry("msb-met-other-v3", 4, 1, NOW);
      Files.delete(file);
      Files.createSymbolicLink(file, other);
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      for (int i = 0; i < 5; i++) {
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(0, snapshot.size(), "pass " + i + " read through a symbolic link");
        assertEquals(Kind.NOT_A_FILE, snapshot.problem().kind());
        clock.advance(100);
      }
    }
    assertEquals(
        1,
        log.all().stream().filter(l -> l.contains("readable again")).count(),
        "one recovery, no flapping: " + log.all());
  }

  @Test
  void aSampleStampedFurtherAheadThanTheAgeGuardIsNotFresh() throws IOException {
    Path file = dir.resolve("msb-met-future-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4)) {
      start(writer, 1, NOW + 3_600_000); // an hour ahead of the clock, forever "live"
      start(writer, 2, NOW + 10_000); // a little skew: within the 30 s guard
    }
    RegistryReader.Options noOwnerCheck =
        new RegistryReader.Options(Duration.ofSeconds(30), false, access);
    try (RegistryReader reader = reader(file, noOwnerCheck, clock)) {
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(1, snapshot.size());
      assertEquals(2, snapshot.get(0).sandboxId());
      assertEquals(1, snapshot.skippedTooOld());
    }
  }

  @Test
  void aSlotStuckMidWriteIsSkippedAndCountedThenReadOnceItIsWhole() throws IOException {
    Path file = registry("msb-met-stuck-v3", 4, 3, NOW);
    long seqAt = slotOffset(1) + S_SEQ;
    long seq =
        java.nio.ByteBuffer.wrap(Files.readAllBytes(file), (int) seqAt, 8)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getLong();
    dev.microsandbox.otel.testing.Fixtures.poke(file, seqAt, 8, seq + 1); // a writer died mid-write
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS, clock)) {
      for (int pass = 0; pass < 3; pass++) {
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(2, snapshot.size());
        assertEquals(1, snapshot.skippedInconsistent(), "counted on every pass it stays stuck");
      }
      dev.microsandbox.otel.testing.Fixtures.poke(file, seqAt, 8, seq + 2);
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(3, snapshot.size());
      assertEquals(0, snapshot.skippedInconsistent());
      assertNotNull(snapshot.get(1).name());
    }
  }
}
