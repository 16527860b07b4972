package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The registry's life outside the reader's control: absent, created, recreated, deleted, cut short.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class RegistryLifecycleTest {

  @Parameter RegistryAccess access;

  static final long NOW = 1_800_000_000_000L;
  static final int SELF_PID = (int) ProcessHandle.current().pid();

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final RecordingLog log = new RecordingLog();

  /** Claims, activates and samples one sandbox. */
  static int start(RegistryWriter writer, int id, String name, int pid, long sampledAt) {
    SandboxSample s =
        new SandboxSample()
            .identity(id, id * 10, pid, name)
            .times(sampledAt - 5_000, sampledAt)
            .memory(1 << 30, id, 0, 0)
            .io(1, 2, 3, 4);
    int slot = writer.start(s, id * 10, pid);
    return slot;
  }

  RegistryReader reader(Path file, RegistryReader.Options options) {
    return new RegistryReader(file, options, clock, null, log);
  }

  /** A reader with the default owner guard answered by {@code ownerAlive}, no sample-age guard. */
  RegistryReader probedReader(Path file, IntPredicate ownerAlive) {
    return new RegistryReader(
        file, new RegistryReader.Options(Duration.ZERO, true, access), clock, ownerAlive, log);
  }

  /**
   * A crashed run's slot stays active beside the new run's while the owner check is off: one
   * sandbox, two runs. Only the newest run is reported, the other counted as superseded, and every
   * other sandbox is untouched, in slot order.
   */
  @Test
  void aSandboxWithTwoActiveRunsIsReportedOnceByItsNewestRun() throws IOException {
    Path file = dir.resolve("msb-met-test-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader =
            reader(file, new RegistryReader.Options(Duration.ofSeconds(30), false, access))) {
      start(writer, 1, "before", SELF_PID, NOW - 1_000);
      SandboxSample crashed =
          new SandboxSample()
              .identity(7, 70, 999_999, "twice")
              .times(NOW - 20_000, NOW - 2_000)
              .memory(1 << 30, 1, 0, 0);
      int old = writer.start(crashed, 70, 999_999);
      start(writer, 2, "between", SELF_PID, NOW - 1_000);
      SandboxSample current =
          new SandboxSample()
              .identity(7, 71, SELF_PID, "twice")
              .times(NOW - 5_000, NOW - 500)
              .memory(1 << 30, 2, 0, 0);
      int slot = writer.start(current, 71, SELF_PID);
      for (int pass = 0; pass < 2; pass++) { // the holders are reused: the same answer again
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(3, snapshot.size());
        assertEquals("before", snapshot.get(0).name());
        assertEquals("between", snapshot.get(1).name());
        assertEquals(71, snapshot.get(2).runId(), "the newest run");
        assertEquals(1, snapshot.skippedSuperseded());
      }
      assertEquals(4, reader.read(true).size(), "with stale slots shown, every slot is");
    }
  }

  @Test
  void absentThenCreatedThenRecreatedThenDeleted() throws IOException {
    Path file = dir.resolve("msb-met-test-v3");
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS.with(access))) {
      RegistrySnapshot snapshot = reader.read(false);
      assertFalse(snapshot.present());
      assertNull(snapshot.problem(), "absent is not an error");
      reader.read(false);
      assertEquals(1, log.all().stream().filter(l -> l.contains("does not exist")).count());

      try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4)) {
        start(writer, 1, "one", SELF_PID, NOW);
      }
      snapshot = reader.read(false); // no mapping yet: checked at once, no restart needed
      assertEquals(1, snapshot.size());
      assertEquals(4, snapshot.capacity());

      Files.delete(file); // host restart: recreated with another capacity
      try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 16)) {
        start(writer, 2, "two", SELF_PID, NOW);
        start(writer, 3, "three", SELF_PID, NOW);
      }
      assertEquals(1, reader.read(false).size(), "old mapping kept until the recheck interval");
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      snapshot = reader.read(false);
      assertEquals(16, snapshot.capacity());
      assertEquals(2, snapshot.size());
      assertEquals("two", snapshot.get(0).name());

      Files.delete(file);
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      snapshot = reader.read(false);
      assertFalse(snapshot.present());
      assertEquals(0, snapshot.size());
      assertNull(snapshot.problem());
    }
    assertTrue(log.at(Level.WARNING).isEmpty(), log.all()::toString);
  }

  @Test
  void fileCutShortUnderTheMappingIsAProblemNotACrash() throws IOException {
    Path file = dir.resolve("msb-met-cut-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 64)) {
      start(writer, 1, "one", SELF_PID, NOW);
    }
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS.with(access))) {
      assertEquals(1, reader.read(false).size());
      try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(100); // pages behind the mapping are gone: touching them raises SIGBUS
      }
      RegistrySnapshot snapshot =
          reader.read(false); // within the recheck interval: reads the mapping
      assertEquals(0, snapshot.size());
      assertEquals(RegistryProblem.Kind.IO_ERROR, snapshot.problem().kind());
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      assertEquals(RegistryProblem.Kind.TOO_SMALL, reader.read(false).problem().kind());
    }
  }

  @Test
  void deadOwnerAndOldSamplesAreLeftOutAndShownAsStale() throws IOException {
    Path file = dir.resolve("msb-met-guards-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, 1, "live", SELF_PID, NOW);
      start(writer, 2, "dead-owner", Integer.MAX_VALUE - 7, NOW);
      start(writer, 3, "old", SELF_PID, NOW - 31_000);
      int stale = start(writer, 4, "stopped", SELF_PID, NOW);
      writer.release(stale, true);
    }
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS.with(access))) {
      RegistrySnapshot active = reader.read(false);
      assertEquals(Set.of("live"), names(active));
      assertEquals(1, active.skippedDeadOwner());
      assertEquals(1, active.skippedTooOld());
      RegistrySnapshot all = reader.read(true);
      assertEquals(Set.of("live", "dead-owner", "old", "stopped"), names(all));
      for (int i = 0; i < all.size(); i++) {
        boolean live = all.get(i).name().equals("live");
        assertEquals(
            live ? RegistryLayout.SLOT_ACTIVE : RegistryLayout.SLOT_STALE, all.get(i).state());
      }
    }
    try (RegistryReader unguarded =
        reader(file, new RegistryReader.Options(Duration.ZERO, false, access))) {
      assertEquals(Set.of("live", "dead-owner", "old"), names(unguarded.read(false)));
    }
  }

  @Test
  void ownerProbeIsCachedPerGenerationAndRepeatedAtABoundedRate() throws IOException {
    Path file = dir.resolve("msb-met-probe-v3");
    AtomicInteger probes = new AtomicInteger();
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader =
            probedReader(
                file,
                pid -> {
                  probes.incrementAndGet();
                  return true;
                })) {
      int slot = start(writer, 1, "a", 4242, NOW);
      start(writer, 2, "b", 4343, NOW);
      for (int i = 0; i < 100; i++) {
        assertEquals(2, reader.read(false).size());
      }
      assertEquals(2, probes.get(), "one probe per owner, not per collection");
      clock.advance(OwnerLiveness.REPROBE_INTERVAL_MS);
      reader.read(false);
      assertEquals(4, probes.get(), "re-probed once the interval has passed");
      writer.release(slot, false);
      start(writer, 5, "a-restarted", 4444, NOW); // same slot, new generation and owner
      reader.read(false);
      assertEquals(5, probes.get(), "a new owner is probed at once");
    }
  }

  @Test
  void anOwnerThatKeepsPublishingIsNeverProbedAndOneThatFreezesIs() throws IOException {
    Path file = dir.resolve("msb-met-publishing-v3");
    AtomicInteger probes = new AtomicInteger();
    AtomicInteger alive = new AtomicInteger(1);
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader =
            probedReader(
                file,
                pid -> {
                  probes.incrementAndGet();
                  return alive.get() == 1;
                })) {
      int slot = start(writer, 1, "a", 4242, NOW);
      SandboxSample s =
          new SandboxSample().identity(1, 10, 4242, "a").memory(1 << 30, 1, 0, 0).io(1, 2, 3, 4);
      assertEquals(1, reader.read(false).size());
      assertEquals(1, probes.get(), "a new owner is probed");
      for (int i = 1; i <= 20; i++) { // a sample each second, as a runtime publishes
        clock.advance(1_000);
        writer.publish(slot, s.times(NOW - 5_000, NOW + i * 1_000L));
        assertEquals(1, reader.read(false).size());
      }
      assertEquals(1, probes.get(), "a sample that moved on is proof of life: no probe");
      alive.set(0); // killed hard: the sample freezes
      clock.advance(OwnerLiveness.REPROBE_INTERVAL_MS - 1);
      assertEquals(1, reader.read(false).size(), "trusted for the reprobe interval");
      clock.advance(1);
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(2, probes.get(), "a frozen sample is probed");
      assertEquals(0, snapshot.size());
      assertEquals(1, snapshot.skippedDeadOwner());
    }
  }

  /**
   * The runtime and the reader share a wall clock that steps forward by 45 s, back, and back by 45
   * s more, as NTP's first sync, a resume or a migration do; the runtime samples every second with
   * that clock. No pass leaves the sandbox out; once the runtime stops sampling, it is left out as
   * too old after the age guard of real (monotonic) time, whatever the wall clock did.
   */
  @Test
  void aWallClockStepEitherWayStallsNoLiveRunAndAStoppedOneStillGoesStale() throws IOException {
    Path file = dir.resolve("msb-met-wallstep-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader =
            reader(file, new RegistryReader.Options(Duration.ofSeconds(30), false, access))) {
      int slot = start(writer, 1, "steady", SELF_PID, clock.wallMillis());
      // Every half second a pass, every second a sample; each step lands between a sample and
      // the next pass, which then sees the last sample under the stepped clock.
      long[] steps = {45_000, -45_000, -45_000, 45_000};
      for (int half = 0; half < 240; half++) {
        if (half % 2 == 0) {
          writer.publish(
              slot,
              new SandboxSample()
                  .identity(1, 10, SELF_PID, "steady")
                  .times(NOW - 5_000, clock.wallMillis())
                  .memory(1 << 30, 1, 0, 0));
        } else if (half % 60 == 1) {
          clock.stepWall(steps[half / 60]);
        }
        clock.advance(500);
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(1, snapshot.size(), "pass " + half + ": the live sandbox is there");
      }
      // The runtime stops sampling: too old once 30 s of real time pass, not before.
      clock.stepWall(-45_000);
      clock.advance(29_000);
      assertEquals(1, reader.read(false).size(), "29 s without a new sample");
      clock.stepWall(90_000);
      clock.advance(2_000);
      RegistrySnapshot stalled = reader.read(false);
      assertEquals(0, stalled.size(), "31 s without a new sample: stalled");
      assertEquals(1, stalled.skippedTooOld());
    }
  }

  @Test
  void aWallClockSteppedBackDelaysNeitherTheOwnerReprobeNorTheFileRecheck() throws IOException {
    Path file = dir.resolve("msb-met-clockstep-v3");
    AtomicInteger alive = new AtomicInteger(1);
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = probedReader(file, pid -> alive.get() == 1)) {
      start(writer, 1, "a", 4242, NOW);
      assertEquals(1, reader.read(false).size());
      alive.set(0); // the runtime is killed hard, then the clock is stepped back an hour
      clock.stepWall(-3_600_000);
      clock.advance(OwnerLiveness.REPROBE_INTERVAL_MS);
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(0, snapshot.size(), "re-probed after 5 s of real time, whatever the wall clock");
      assertEquals(1, snapshot.skippedDeadOwner());

      Files.delete(file); // recreated with another capacity while the wall clock is behind
      try (RegistryWriter again = RegistryWriter.openOrCreate(file, 16)) {
        alive.set(1);
        start(again, 2, "b", 4343, NOW);
      }
      clock.stepWall(-3_600_000);
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      assertEquals(16, reader.read(false).capacity(), "remapped after 1 s of real time");
    }
  }

  @Test
  void aRegistryRecreatedAgainAndAgainKeepsAtMostOneMapping() throws Exception {
    Path file = dir.resolve("msb-met-churn-v3");
    try (RegistryReader reader = reader(file, RegistryReader.Options.DEFAULTS.with(access))) {
      for (int i = 0; i < 200; i++) {
        Files.deleteIfExists(file);
        try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4 + i % 3)) {
          start(writer, 1, "one", SELF_PID, clock.wallMillis());
        }
        clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
        assertEquals(1, reader.read(false).size());
      }
      // FFM and libc keep the current file mapped; positional reads map nothing at all.
      long expected = dev.microsandbox.otel.testing.Readers.mappingsWhileAttached(access);
      assertEquals(
          expected,
          dev.microsandbox.otel.testing.ProcessFiles.readOnlyMappings("self", file),
          "read-only mappings after 200 recreations");
    }
  }

  static Set<String> names(RegistrySnapshot snapshot) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < snapshot.size(); i++) {
      names.add(snapshot.get(i).name());
    }
    return names;
  }
}
