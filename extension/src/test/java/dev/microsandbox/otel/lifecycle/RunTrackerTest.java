package dev.microsandbox.otel.lifecycle;

import static dev.microsandbox.otel.registry.RegistryLayout.S_DISK_READ;
import static dev.microsandbox.otel.registry.RegistryLayout.S_SAMPLED_AT_MS;
import static dev.microsandbox.otel.registry.RegistryLayout.S_SEQ;
import static dev.microsandbox.otel.registry.RegistryLayout.slotOffset;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryProblem.Kind;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs followed through a real registry, written the way the runtime writes it and read by the real
 * reader: which runs start, which stop, why, and with what totals.
 */
class RunTrackerTest {

  static final long NOW = 1_800_000_000_000L;
  static final int ALIVE = 4242;
  static final int GONE = 4343;

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final Set<Integer> deadPids = new HashSet<>();
  final List<String> events = new ArrayList<>();
  final List<SandboxRun> stopped = new ArrayList<>();
  final List<Double> stoppedAfter = new ArrayList<>(); // each stop's duration when it was told
  final RunTracker tracker =
      new RunTracker(
          new RunListener() {
            @Override
            public void started(SandboxRun run) {
              events.add("start " + run.name() + " run " + run.runId());
            }

            @Override
            public void stopped(SandboxRun run, StopReason reason) {
              events.add("stop " + run.name() + " run " + run.runId() + " " + reason.value());
              stopped.add(run);
              stoppedAfter.add(run.durationSeconds());
            }
          });

  RegistryReader reader(Path file, boolean checkOwner) {
    return new RegistryReader(
        file,
        new RegistryReader.Options(Duration.ofSeconds(30), checkOwner, RegistryAccess.BUFFER),
        clock,
        pid -> !deadPids.contains(pid),
        new RecordingLog());
  }

  static SandboxSample sample(int id, int run, String name, int pid, long startedAt, long at) {
    return new SandboxSample()
        .identity(id, run, pid, name)
        .times(startedAt, at)
        .cpu(50f, (at - startedAt) * 1_000_000L / 2)
        .memory(1L << 30, 100L * run + (at - startedAt) / 1000, 0, 0)
        .io(id * 1000L + at % 997, id * 2000L, id * 3000L, id * 4000L);
  }

  void pass(RegistryReader reader) {
    tracker.observe(reader.read(false), i -> true, LabelSource.NONE);
  }

  @Test
  void runsAfterTheFirstPassStartAndEachStopCarriesItsLastSamplesTotals() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, true)) {
      int there = writer.start(sample(1, 10, "there", ALIVE, NOW - 60_000, NOW), 10, ALIVE);
      pass(reader);
      int later = writer.start(sample(2, 20, "later", ALIVE, NOW, NOW + 500), 20, ALIVE);
      clock.advance(1_000);
      pass(reader);
      assertEquals(List.of("start later run 20"), events);

      SandboxSample peak =
          sample(2, 20, "later", ALIVE, NOW, NOW + 1_500).memory(1L << 30, 9_999, 0, 0);
      writer.publish(later, peak);
      clock.advance(1_000);
      pass(reader);
      SandboxSample last = sample(2, 20, "later", ALIVE, NOW, NOW + 2_500);
      writer.publish(later, last);
      clock.advance(1_000);
      pass(reader);
      writer.release(later, false);
      clock.advance(1_000);
      pass(reader);
      pass(reader);

      assertEquals(List.of("start later run 20", "stop later run 20 exited"), events);
      SandboxRun run = stopped.get(0);
      assertEquals(2.5, run.durationSeconds(), 1e-9);
      assertEquals(last.vcpuTimeNs() / 1e9, run.cpuTimeSeconds(), 1e-9);
      assertEquals(9_999, run.memoryPeakBytes(), "the largest sample, not the last");
      assertEquals(last.diskReadBytes(), run.diskReadBytes());
      assertEquals(last.diskWriteBytes(), run.diskWriteBytes());
      assertEquals(last.netRxBytes(), run.netRxBytes());
      assertEquals(last.netTxBytes(), run.netTxBytes());
      assertEquals(1, tracker.stops(StopReason.EXITED));
      assertEquals(0, tracker.stops(StopReason.OWNER_DEAD));
      writer.release(there, true); // marked stale by its writer: exited too
      clock.advance(1_000);
      pass(reader);
      assertEquals("stop there run 10 exited", events.get(2));
      assertEquals(2, tracker.stops(StopReason.EXITED));
    }
  }

  @Test
  void aRunWhoseOwnerDiedStopsOnceAsOwnerDeadAndNotAgainWhenItsSlotIsFreed() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, true)) {
      pass(reader);
      int slot = writer.start(sample(3, 30, "killed", GONE, NOW, NOW + 500), 30, GONE);
      clock.advance(1_000);
      pass(reader);
      deadPids.add(GONE);
      clock.advance(6_000); // past the reader's 5 s re-probe of an owner
      pass(reader);
      pass(reader);
      writer.release(slot, false);
      clock.advance(1_000);
      pass(reader);
      assertEquals(List.of("start killed run 30", "stop killed run 30 owner_dead"), events);
      assertEquals(1, tracker.stops(StopReason.OWNER_DEAD));
      assertEquals(0.5, stoppedAfter.get(0), 1e-9);
    }
  }

  @Test
  void aRunWhoseOwnerDiedMidSampleStopsAsOwnerDeadWithItsLastCoherentTotals() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, true)) {
      pass(reader);
      SandboxSample last = sample(5, 50, "torn", GONE, NOW, NOW + 500);
      int slot = writer.start(last, 50, GONE);
      clock.advance(1_000);
      pass(reader);
      // Killed mid-sample: the write opened (seq odd), the next sample's time and first figures
      // stored, the rest never, and nobody will close it.
      long base = slotOffset(slot);
      Fixtures.poke(file, base + S_SEQ, 8, Fixtures.peek(file, base + S_SEQ) + 1);
      Fixtures.poke(file, base + S_SAMPLED_AT_MS, 8, NOW + 1_500);
      Fixtures.poke(file, base + S_DISK_READ, 8, last.diskReadBytes() + 777);
      clock.advance(6_000);
      pass(reader);
      assertEquals(List.of("start torn run 50"), events, "a live writer mid-write carries on");
      deadPids.add(GONE);
      clock.advance(6_000); // past the reader's 5 s re-probe of an owner
      pass(reader);
      pass(reader);
      clock.advance(40_000);
      pass(reader);
      assertEquals(List.of("start torn run 50", "stop torn run 50 owner_dead"), events);
      assertEquals(1, tracker.stops(StopReason.OWNER_DEAD));
      assertEquals(0.5, stoppedAfter.get(0), 1e-9, "its last coherent sample");
      assertEquals(last.diskReadBytes(), stopped.get(0).diskReadBytes(), "not the torn figure");
    }
  }

  @Test
  void aRunThatStopsSamplingIsStalledOnceAndResumingStartsNothing() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, true)) {
      pass(reader);
      int slot = writer.start(sample(4, 40, "hung", ALIVE, NOW, NOW + 500), 40, ALIVE);
      clock.advance(1_000);
      pass(reader);
      clock.advance(31_000); // past the 30 s maximum sample age
      pass(reader);
      writer.publish(slot, sample(4, 40, "hung", ALIVE, NOW, NOW + 32_000));
      pass(reader);
      clock.advance(40_000);
      pass(reader);
      assertEquals(List.of("start hung run 40", "stop hung run 40 stalled"), events);
      assertEquals(1, tracker.stops(StopReason.STALLED));
      assertEquals(0.5, stoppedAfter.get(0), 1e-9, "its last sample before stalling");
    }
  }

  @Test
  void aNewerRunBesideAHungOneReplacesIt() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, false)) {
      pass(reader);
      int old = writer.start(sample(5, 50, "web", ALIVE, NOW, NOW + 500), 50, ALIVE);
      clock.advance(1_000);
      pass(reader);
      int fresh = writer.start(sample(5, 51, "web", ALIVE, NOW + 900, NOW + 1_400), 51, ALIVE);
      writer.publish(old, sample(5, 50, "web", ALIVE, NOW, NOW + 1_400));
      clock.advance(1_000);
      pass(reader);
      pass(reader);
      assertEquals(
          List.of("start web run 50", "stop web run 50 replaced", "start web run 51"),
          events,
          "a pass tells its stops before its starts");
      assertEquals(1, tracker.stops(StopReason.REPLACED));
      writer.release(old, false);
      writer.release(fresh, false);
      clock.advance(1_000);
      pass(reader);
      assertEquals("stop web run 51 exited", events.get(3));
      assertEquals(4, events.size(), "the replaced run is not stopped twice");
    }
  }

  @Test
  void aSlotFreedAndClaimedAgainBetweenTwoPassesEndsOneRunAndStartsTheNext() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 1);
        RegistryReader reader = reader(file, true)) {
      int slot = writer.start(sample(6, 60, "quick", ALIVE, NOW, NOW + 500), 60, ALIVE);
      pass(reader);
      writer.release(slot, false);
      assertEquals(
          slot, writer.start(sample(6, 61, "quick", ALIVE, NOW + 600, NOW + 900), 61, ALIVE));
      clock.advance(1_000);
      pass(reader);
      assertEquals(List.of("stop quick run 60 exited", "start quick run 61"), events);
    }
  }

  /**
   * An older runtime's registry is merged after the current one, its slots numbered from the
   * current one's capacity: when the current registry appears, every older run's slot number moves.
   * Moving is not stopping: no stop, no second start.
   */
  @Test
  void anOlderRuntimesRunsMovedByANewRegistryNeitherStopNorStartAgain() throws IOException {
    Path current = dir.resolve("msb-met-t-v3");
    Path legacy = dir.resolve("msb-met-t-v2");
    try (RegistryWriter older = RegistryWriter.openOrCreate(legacy, 4, RegistryAbi.V2);
        RegistryReader reader =
            RegistryReader.open(
                current,
                legacy,
                new RegistryReader.Options(Duration.ofSeconds(30), true, RegistryAccess.BUFFER),
                clock,
                pid -> !deadPids.contains(pid),
                new RecordingLog())) {
      pass(reader);
      older.start(sample(8, 80, "old-runtime", ALIVE, NOW, NOW + 500), 80, ALIVE);
      clock.advance(1_000);
      pass(reader);
      try (RegistryWriter newer = RegistryWriter.openOrCreate(current, 16)) {
        newer.start(sample(9, 90, "new-runtime", ALIVE, NOW, NOW + 1_500), 90, ALIVE);
        clock.advance(1_000);
        pass(reader);
        pass(reader);
      }
      assertEquals(List.of("start old-runtime run 80", "start new-runtime run 90"), events);
    }
  }

  @Test
  void aPassThatCannotReadTheRegistryStopsNothing() throws IOException {
    Path file = dir.resolve("msb-met-t-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8);
        RegistryReader reader = reader(file, true)) {
      writer.start(sample(7, 70, "steady", ALIVE, NOW, NOW + 500), 70, ALIVE);
      clock.advance(1_000);
      pass(reader);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      RegistrySnapshot refused = reader.read(false);
      assertEquals(Kind.INSECURE_PERMISSIONS, refused.problem().kind());
      tracker.observe(refused, i -> true, LabelSource.NONE);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
      writer.publish(0, sample(7, 70, "steady", ALIVE, NOW, NOW + 3_500));
      clock.advance(1_000);
      pass(reader);
      assertEquals(List.of(), events);
    }
  }
}
