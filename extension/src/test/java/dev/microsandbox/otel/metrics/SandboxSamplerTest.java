package dev.microsandbox.otel.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.LoggerCapture;
import dev.microsandbox.otel.testing.RecordingLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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

  @Test
  void aScheduledSamplerOutlivesEveryFailureAndLogsItOnce() throws Exception {
    Path file = dir.resolve("msb-met-sampler-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4)) {
      long now = System.currentTimeMillis();
      int pid = (int) ProcessHandle.current().pid();
      writer.start(
          new SandboxSample().identity(1, 10, pid, "one").times(now - 1_000, now), 10, pid);
    }
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
}
