package dev.microsandbox.otel.metrics.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outage buffer against real registry passes: what goes in comes out once, exactly. */
class SampleBufferTest {

  static final long T0 = 1_800_000_000_000L;
  static final int PID = (int) ProcessHandle.current().pid();

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(T0);
  RegistryWriter writer;
  RegistryReader reader;
  final SandboxAttributes attributes = new SandboxAttributes(false, false);
  final List<SandboxSample> sandboxes = new ArrayList<>();
  final List<Integer> slots = new ArrayList<>();

  @BeforeEach
  void registry() throws Exception {
    Path file = dir.resolve("reg");
    writer = RegistryWriter.openOrCreate(file, 256);
    reader =
        new RegistryReader(
            file,
            new RegistryReader.Options(
                Duration.ZERO, false, dev.microsandbox.otel.registry.RegistryAccess.AUTO),
            clock,
            null,
            new RecordingLog());
  }

  @AfterEach
  void close() {
    reader.close();
    writer.close();
  }

  void start(int id, int flags) {
    SandboxSample s =
        new SandboxSample().identity(id, id, PID, "s" + id).times(T0 - 60_000, 0).flags(flags);
    int slot = writer.claim(s);
    writer.activate(slot, id, PID);
    sandboxes.add(s);
    slots.add(slot);
  }

  /** Every sandbox publishes a sample at {@code t} whose figures all derive from {@code t}. */
  void publishAll(long t) {
    for (int i = 0; i < sandboxes.size(); i++) {
      SandboxSample s = sandboxes.get(i);
      long k = t - T0;
      s.times(s.startedAtMs(), t)
          .cpu((float) (k % 400), k * 1_000_000L)
          .memory(1L << 30, k, 2 * k, 3 * k)
          .io(4 * k, 5 * k, 6 * k, Long.MAX_VALUE - k)
          .upper(7 * k, 8 * k, 9 * k);
      writer.publish(slots.get(i), s);
    }
  }

  int pass(SampleBuffer buffer) {
    return pass(buffer, Map.of());
  }

  /** One pass whose every sandbox has {@code labels}. */
  int pass(SampleBuffer buffer, Map<String, String> labels) {
    RegistrySnapshot snapshot = reader.read(false);
    SeriesAttributes[] perSample = new SeriesAttributes[snapshot.size()];
    for (int i = 0; i < snapshot.size(); i++) {
      perSample[i] = attributes.ifReported(snapshot.get(i), labels);
    }
    return buffer.append(snapshot, perSample);
  }

  static Map<String, MetricData> byName(SampleBuffer.Drained drained) {
    return drained.metrics.stream().collect(Collectors.toMap(MetricData::getName, m -> m));
  }

  static Collection<? extends PointData> points(MetricData m) {
    return m.getData().getPoints();
  }

  @Test
  void everyFieldComesBackWithItsSampleTimeAndASampleIsBufferedOnce() {
    start(1, 0x7f);
    start(2, 0); // no optional fields
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    publishAll(T0 + 1000);
    assertEquals(2, pass(buffer));
    assertEquals(0, pass(buffer), "the same samples again are not new");
    publishAll(T0 + 1200);
    assertEquals(2, pass(buffer));

    SampleBuffer.Drained drained = drain(buffer, 0);
    assertEquals(3 * SampleBuffer.PASS_SPAN, drained.end);
    assertEquals(0, drained.dropped);
    Map<String, MetricData> metrics = byName(drained);
    assertEquals(4, points(metrics.get("microsandbox.memory.usage")).size());
    assertEquals(
        2, points(metrics.get("microsandbox.upper.used")).size(), "only sandbox 1 has 0x10");
    assertEquals(2, points(metrics.get("microsandbox.cpu.time")).size(), "only sandbox 1 has 0x01");
    for (MetricData m : drained.metrics) {
      for (PointData p : points(m)) {
        long t = p.getEpochNanos() / 1_000_000L;
        long k = t - T0;
        assertTrue(k == 1000 || k == 1200, "stamped with the sample's own time: " + t);
        assertEquals((T0 - 60_000) * 1_000_000L, p.getStartEpochNanos(), "the sandbox's start");
        double expected;
        switch (m.getName()) {
          case "microsandbox.cpu.utilization":
            expected = (k % 400) / 100.0;
            break;
          case "microsandbox.cpu.time":
            expected = k / 1000.0;
            break;
          case "microsandbox.memory.usage":
            expected = k;
            break;
          case "microsandbox.memory.limit":
            expected = 1L << 30;
            break;
          case "microsandbox.memory.available":
            expected = 2 * k;
            break;
          case "microsandbox.memory.host_resident":
            expected = 3 * k;
            break;
          case "microsandbox.disk.bytes_read":
            expected = 4 * k;
            break;
          case "microsandbox.disk.bytes_written":
            expected = 5 * k;
            break;
          case "microsandbox.network.bytes_received":
            expected = 6 * k;
            break;
          case "microsandbox.upper.used":
            expected = 7 * k;
            break;
          case "microsandbox.upper.free":
            expected = 8 * k;
            break;
          case "microsandbox.upper.host_allocated":
            expected = 9 * k;
            break;
          case "microsandbox.uptime":
            expected = (k + 60_000) / 1000.0;
            break;
          case "microsandbox.network.bytes_sent":
            assertEquals(
                Long.MAX_VALUE - k, ((LongPointData) p).getValue(), "64-bit values intact");
            continue;
          default:
            throw new AssertionError(m.getName());
        }
        double actual =
            p instanceof DoublePointData
                ? ((DoublePointData) p).getValue()
                : ((LongPointData) p).getValue();
        assertEquals(expected, actual, 1e-9, m.getName() + " at " + k);
      }
    }
  }

  @Test
  void passesPastTheCapacityAreDroppedOldestFirstAndCounted() {
    start(1, 0x7f);
    SampleBuffer buffer = new SampleBuffer(3, SeriesSelection.DEFAULT.enabled());
    for (int i = 1; i <= 5; i++) {
      publishAll(T0 + i * 100);
      pass(buffer);
    }
    SampleBuffer.Drained drained = drain(buffer, 0);
    assertEquals(5 * SampleBuffer.PASS_SPAN, drained.end);
    assertEquals(2, drained.dropped, "passes 0 and 1 were evicted");
    List<Long> times =
        points(byName(drained).get("microsandbox.memory.usage")).stream()
            .map(p -> p.getEpochNanos() / 1_000_000L - T0)
            .collect(Collectors.toList());
    assertEquals(List.of(300L, 400L, 500L), times, "exactly the newest three, in order");
    SampleBuffer.Drained rest = drain(buffer, 4 * SampleBuffer.PASS_SPAN);
    assertEquals(0, rest.dropped);
    assertEquals(1, points(byName(rest).get("microsandbox.memory.usage")).size());
  }

  @Test
  void passesEveryExporterSentAreReleasedAndTheRestKeptWhateverTheOrder() {
    for (int id = 1; id <= 50; id++) {
      start(id, 0x7f);
    }
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    int steady = buffer.register();
    int failing = buffer.register();
    long full = 0;
    for (int pass = 1; pass <= 60; pass++) {
      publishAll(T0 + pass * 1000L);
      pass(buffer);
      if (pass == 10) {
        full = buffer.retainedBytes(); // ten passes held
      }
      if (pass % 10 == 0) { // an export every ten passes, the steady exporter's succeeding
        buffer.sent(steady, buffer.head());
      }
    }
    assertEquals(50 * 60, buffer.bufferedSamples(), "the failing exporter holds every pass");
    assertTrue(buffer.retainedBytes() >= 5 * full, "held: " + buffer.retainedBytes());
    SampleBuffer.Drained backlog = drain(buffer, 0);
    assertEquals(0, backlog.dropped);
    assertEquals(1000, points(byName(backlog).get("microsandbox.memory.usage")).size());

    buffer.sent(failing, backlog.end); // the outage ends: its first request succeeded
    assertEquals(50 * 40, buffer.bufferedSamples(), "only the passes both have sent are released");
    SampleBuffer.Drained rest = drain(buffer, backlog.end);
    assertEquals(0, rest.dropped);
    assertEquals(1000, points(byName(rest).get("microsandbox.memory.usage")).size());
    assertEquals(
        T0 + 21_000,
        points(byName(rest).get("microsandbox.memory.usage")).iterator().next().getEpochNanos()
            / 1_000_000L,
        "the rest starts where the first request ended, intact");

    buffer.unregister(failing); // shut down: holds nothing back
    assertEquals(0, buffer.bufferedSamples());
    assertTrue(
        buffer.retainedBytes() <= SampleBuffer.SPARES * full / 10 + 64 * 4L * SampleBuffer.SPARES,
        "only the spares: " + buffer.retainedBytes());
    for (int pass = 61; pass <= 70; pass++) { // the spares carry the passes to come
      publishAll(T0 + pass * 1000L);
      pass(buffer);
      buffer.sent(steady, buffer.head());
    }
    assertEquals(0, buffer.bufferedSamples());
    publishAll(T0 + 71_000);
    pass(buffer);
    SampleBuffer.Drained latest = drain(buffer, 70 * SampleBuffer.PASS_SPAN);
    assertEquals(50, points(byName(latest).get("microsandbox.memory.usage")).size());
  }

  @Test
  void aLongBacklogGoesOutInRequestsOfBoundedSize() {
    for (int id = 1; id <= 100; id++) {
      start(id, 0x7f);
    }
    SampleBuffer buffer = new SampleBuffer(600, SeriesSelection.DEFAULT.enabled());
    for (int pass = 1; pass <= 450; pass++) { // 45 000 samples: many requests' worth
      publishAll(T0 + pass * 10L);
      pass(buffer);
    }
    long position = 0;
    List<Integer> perExport = new ArrayList<>();
    while (position < buffer.head()) {
      SampleBuffer.Drained drained = drain(buffer, position);
      assertEquals(0, drained.dropped);
      perExport.add(points(byName(drained).get("microsandbox.memory.usage")).size());
      position = drained.end;
    }
    List<Integer> expected =
        new ArrayList<>(
            java.util.Collections.nCopies(
                45_000 / SampleBuffer.MAX_SAMPLES_PER_REQUEST,
                SampleBuffer.MAX_SAMPLES_PER_REQUEST));
    if (45_000 % SampleBuffer.MAX_SAMPLES_PER_REQUEST != 0) {
      expected.add(45_000 % SampleBuffer.MAX_SAMPLES_PER_REQUEST);
    }
    assertEquals(expected, perExport, "every sample once, in requests of bounded size");
  }

  @Test
  void aBufferedSampleTakesAtMost96BytesForRealisticFigures() {
    for (int id = 1; id <= 200; id++) {
      start(id, id % 3 == 0 ? 0x7f : 0x07);
    }
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    for (int pass = 1; pass <= 60; pass++) {
      long t = T0 + pass * 1000L;
      for (int i = 0; i < sandboxes.size(); i++) { // the orders of magnitude msb reports
        SandboxSample s = sandboxes.get(i);
        s.times(s.startedAtMs(), t)
            .cpu(37.5f, 3_600_000_000_000L + pass * 400_000_000L)
            .memory(2L << 30, 1_500_000_000L + pass, 600_000_000L, 1_700_000_000L)
            .io(
                40_000_000_000L + pass * 1_000_000L,
                9_000_000_000L,
                120_000_000_000L,
                3_000_000_000L)
            .upper(5_000_000_000L, 15_000_000_000L, 6_000_000_000L);
        writer.publish(slots.get(i), s);
      }
      pass(buffer);
    }
    double perSample = (double) buffer.retainedBytes() / buffer.bufferedSamples();
    System.out.printf(
        "buffered sample: %.1f bytes (%d samples, %d bytes held)%n",
        perSample, buffer.bufferedSamples(), buffer.retainedBytes());
    assertEquals(200 * 60, buffer.bufferedSamples());
    assertTrue(perSample <= 96, perSample + " bytes per buffered sample");
  }

  @Test
  void theSamplerFeedsTheBufferOnItsOwnPeriod() throws Exception {
    start(1, 0x7f);
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    SandboxSampler sampler = new SandboxSampler(reader, LabelSource.NONE, attributes, buffer);
    try {
      sampler.start(Duration.ofMillis(20), null);
      for (int i = 1; i <= 5; i++) {
        publishAll(T0 + i * 100);
        long head = buffer.head();
        dev.microsandbox.otel.e2e.E2e.await(
            Duration.ofSeconds(5), () -> buffer.head() > head + 1, () -> "the sampler runs");
      }
    } finally {
      sampler.close();
    }
    List<Long> times =
        points(byName(drain(buffer, 0)).get("microsandbox.memory.usage")).stream()
            .map(p -> p.getEpochNanos() / 1_000_000L - T0)
            .collect(Collectors.toList());
    assertEquals(
        List.of(100L, 200L, 300L, 400L, 500L), times, "each sample once, however often read");
  }

  /**
   * 250 sandboxes with the most labels the defaults allow (32 of 256 characters): one pass is about
   * 35 MB of OTLP, so it goes out in requests cut inside the pass, each well under a Collector's 4
   * MiB gRPC limit as the real marshaler encodes it, every sample once.
   */
  @Test
  void requestsAreBoundedByEncodedSizeEvenInsideOnePass() {
    for (int id = 1; id <= 250; id++) {
      start(id, 0x7f);
    }
    Map<String, String> labels = new java.util.TreeMap<>();
    for (int k = 0; k < 32; k++) {
      labels.put("label" + k, "v".repeat(256));
    }
    SampleBuffer buffer = new SampleBuffer(4, SeriesSelection.DEFAULT.enabled());
    publishAll(T0 + 10);
    pass(buffer, labels);
    long position = 0;
    int samples = 0;
    int requests = 0;
    while (position < buffer.head()) {
      SampleBuffer.Drained drained = drain(buffer, position);
      int size =
          io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler.create(
                  drained.metrics)
              .getBinarySerializedSize();
      assertTrue(size <= SampleBuffer.MAX_REQUEST_BYTES, size + " bytes in one request");
      samples += points(byName(drained).get("microsandbox.memory.usage")).size();
      requests++;
      assertTrue(drained.end > position, "progress");
      position = drained.end;
    }
    assertEquals(250, samples, "every sample once");
    assertTrue(requests > 10, requests + " requests");
  }

  /** Everything buffered from {@code from} on, as one request would take it. */
  private static SampleBuffer.Drained drain(SampleBuffer buffer, long from) {
    return buffer.drain(
        from, Long.MAX_VALUE, buffer.newPoints(), Resource.getDefault(), MetricsScope.INFO);
  }
}
