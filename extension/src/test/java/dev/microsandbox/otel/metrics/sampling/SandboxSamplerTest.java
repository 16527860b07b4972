package dev.microsandbox.otel.metrics.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.LoggerCapture;
import dev.microsandbox.otel.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxSamplerTest {

  @TempDir Path dir;

  /** Labels whose every refresh fails as a host out of heap would: an Error, not an Exception. */
  static final class ExhaustedLabels implements LabelSource {
    final AtomicInteger refreshes = new AtomicInteger();

    @Override
    public void refresh(RegistrySnapshot snapshot) {
      refreshes.incrementAndGet();
      throw new OutOfMemoryError("Java heap space");
    }

    @Override
    public Map<String, String> labelsOf(int sandboxId) {
      return Map.of();
    }

    @Override
    public void close() {}
  }

  /** A registry at {@code file} with one sandbox of this process, sampled a second ago. */
  static void writeOneSandbox(Path file) throws java.io.IOException {
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4)) {
      long now = System.currentTimeMillis();
      int pid = (int) ProcessHandle.current().pid();
      writer.start(
          new SandboxSample().identity(1, 10, pid, "one").times(now - 1_000, now), 10, pid);
    }
  }

  @Test
  void aScheduledSamplerOutlivesEveryFailureAndLogsItOnce() throws Exception {
    Path file = dir.resolve("msb-met-sampler-v3");
    writeOneSandbox(file);
    ExhaustedLabels labels = new ExhaustedLabels();
    RegistryReader reader =
        new RegistryReader(
            file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM, null, new RecordingLog());
    try (LoggerCapture log = LoggerCapture.of(SandboxSampler.class);
        SandboxSampler sampler =
            new SandboxSampler(reader, labels, new SandboxAttributes(false, false), null)) {
      sampler.start(Duration.ofMillis(10), null);
      E2e.await(
          Duration.ofSeconds(30),
          () -> labels.refreshes.get() >= 20,
          () -> labels.refreshes + " passes: the schedule died");
      assertEquals(1, log.lines().size(), log.text());
      assertTrue(log.lines().get(0).contains("reading the registry failed"), log.text());
    }
  }

  @Test
  void aRefusalBeforeTheFirstReadIsToldAndOneAfterItIsAnOutageRiddenOut() throws Exception {
    Path file = dir.resolve("msb-met-refusal-v3");
    writeOneSandbox(file);
    Set<PosixFilePermission> loose = PosixFilePermissions.fromString("rw-rw-rw-");
    Set<PosixFilePermission> tight = PosixFilePermissions.fromString("rw-------");
    Files.setPosixFilePermissions(file, loose); // refused: others may write it
    List<RegistryProblem> told = new CopyOnWriteArrayList<>();
    RegistryReader reader =
        new RegistryReader(
            file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM, null, new RecordingLog());
    try (SandboxSampler sampler =
        new SandboxSampler(reader, LabelSource.NONE, new SandboxAttributes(false, false), null)) {
      sampler.start(Duration.ofHours(1), told::add); // its first pass now, the next in an hour
      E2e.await(Duration.ofSeconds(30), () -> told.size() == 1, () -> "told " + told);
      Files.setPosixFilePermissions(file, tight);
      sampler.pass();
      assertEquals(1, sampler.latestCount(), "read");
      Files.setPosixFilePermissions(file, loose);
      E2e.await( // the reader looks at the file again once a second
          Duration.ofSeconds(30),
          () -> {
            sampler.pass();
            return sampler.latestCount() == 0;
          },
          () -> "still read while refused");
      assertEquals(1, told.size(), "after a read, a refusal is an outage, not told: " + told);
      Files.setPosixFilePermissions(file, tight);
      E2e.await(
          Duration.ofSeconds(30),
          () -> {
            sampler.pass();
            return sampler.latestCount() == 1;
          },
          () -> "not read again once readable");
    }
  }
}
