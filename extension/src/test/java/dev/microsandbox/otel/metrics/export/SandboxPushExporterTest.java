package dev.microsandbox.otel.metrics.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.microsandbox.otel.metrics.data.PointColumns;
import dev.microsandbox.otel.metrics.data.SandboxMetricData;
import dev.microsandbox.otel.metrics.instruments.ExportStats;
import dev.microsandbox.otel.metrics.sampling.SampleBuffer;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.LoggerCapture;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxPushExporterTest {

  final MetricExporter delegate = mock(MetricExporter.class);
  final ExportStats stats = new ExportStats();
  final MutableClock clock = new MutableClock(1_700_000_000_000L);
  final SandboxPushExporter exporter = new SandboxPushExporter(delegate, stats, clock);

  /** The outcomes of the delegate, by the name the health series carry. */
  final ExportStats.Exporter counted = stats.of(delegate.getClass().getSimpleName());

  @Test
  void countsOutcomesIncludingAsynchronousOnes() {
    CompletableResultCode pending = new CompletableResultCode();
    when(delegate.export(anyCollection()))
        .thenReturn(CompletableResultCode.ofFailure(), CompletableResultCode.ofSuccess(), pending);
    exporter.export(List.of());
    assertEquals(1, counted.failure());
    assertEquals(0, counted.lastSuccessEpochMillis());
    exporter.export(List.of());
    assertEquals(1, counted.success());
    assertEquals(1_700_000_000_000L, counted.lastSuccessEpochMillis());
    clock.advance(5000);
    CompletableResultCode returned = exporter.export(List.of());
    assertSame(pending, returned, "the delegate's result is returned untouched");
    assertEquals(1, counted.success(), "not counted before it completes");
    pending.succeed();
    assertEquals(2, counted.success());
    assertEquals(1_700_000_005_000L, counted.lastSuccessEpochMillis());
  }

  @Test
  void aFailureEpisodeIsSaidOnceWithTheTargetAndCauseAndItsEndOnce() {
    SandboxPushExporter named =
        new SandboxPushExporter(
            delegate, stats, clock, null, "OTLP http/protobuf to http://collector:4318/v1/metrics");
    CompletableResultCode refused =
        new CompletableResultCode()
            .failExceptionally(
                new java.util.concurrent.CompletionException( // as the JDK's client wraps it
                    new java.io.UncheckedIOException(
                        new java.net.ConnectException("Connection refused"))));
    when(delegate.export(anyCollection()))
        .thenReturn(
            refused,
            CompletableResultCode.ofFailure(),
            refused,
            CompletableResultCode.ofSuccess(),
            CompletableResultCode.ofSuccess());
    try (LoggerCapture log = LoggerCapture.of(SandboxPushExporter.class)) {
      for (int i = 0; i < 3; i++) {
        named.export(List.of());
        clock.advance(10_000);
      }
      named.export(List.of());
      named.export(List.of());
      List<String> said =
          log.lines().stream().filter(l -> !l.startsWith("FINE")).collect(Collectors.toList());
      assertEquals(
          List.of(
              "WARNING microsandbox metrics: exports to OTLP http/protobuf to"
                  + " http://collector:4318/v1/metrics fail: cannot connect: nothing listens there,"
                  + " or the host is unreachable (java.net.ConnectException: Connection refused);"
                  + " retried at each export. Said once until they succeed again",
              "INFO microsandbox metrics exporter recovered: exports to OTLP http/protobuf to"
                  + " http://collector:4318/v1/metrics succeed again after 3 failed over 30 s"),
          said);
    }
  }

  @Test
  void forwardsEverythingThatShapesTheExport() {
    when(delegate.getMemoryMode()).thenReturn(MemoryMode.REUSABLE_DATA);
    when(delegate.getAggregationTemporality(InstrumentType.COUNTER))
        .thenReturn(AggregationTemporality.DELTA);
    when(delegate.flush()).thenReturn(CompletableResultCode.ofSuccess());
    when(delegate.shutdown()).thenReturn(CompletableResultCode.ofSuccess());
    assertEquals(MemoryMode.REUSABLE_DATA, exporter.getMemoryMode());
    assertEquals(
        AggregationTemporality.DELTA, exporter.getAggregationTemporality(InstrumentType.COUNTER));
    exporter.flush();
    exporter.shutdown();
    verify(delegate).flush();
    verify(delegate).shutdown();
  }

  /** A buffer with one sandbox sampled at T0 + each of {@code offsets} ms, one pass each. */
  static SampleBuffer bufferWith(Path dir, SampleBuffer buffer, long... offsets) throws Exception {
    long t0 = 1_800_000_000_000L;
    int pid = (int) ProcessHandle.current().pid();
    try (RegistryWriter writer = RegistryWriter.openOrCreate(dir.resolve("reg"), 4);
        RegistryReader reader =
            new RegistryReader(
                dir.resolve("reg"),
                new RegistryReader.Options(java.time.Duration.ZERO, false, RegistryAccess.AUTO),
                new MutableClock(t0),
                null,
                new RecordingLog())) {
      SandboxSample s = new SandboxSample().identity(1, 1, pid, "one").times(t0 - 1000, 0);
      int slot = writer.claim(s);
      writer.activate(slot, 1, pid);
      SandboxAttributes attributes = new SandboxAttributes(false, false);
      for (long offset : offsets) {
        writer.publish(slot, s.times(t0 - 1000, t0 + offset).memory(1 << 20, offset, 0, 0));
        RegistrySnapshot snapshot = reader.read(false);
        buffer.append(
            snapshot, new SeriesAttributes[] {attributes.ifReported(snapshot.get(0), Map.of())});
      }
    }
    return buffer;
  }

  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  static List<Long> memoryTimes(Collection<MetricData> batch) {
    return batch.stream()
        .filter(m -> m.getName().equals("microsandbox.memory.usage"))
        .flatMap(m -> m.getData().getPoints().stream())
        .map(p -> ((LongPointData) p).getValue())
        .collect(Collectors.toList());
  }

  /** What the delegate is given, export by export; the first export fails if {@code firstFails}. */
  List<Collection<MetricData>> recordExports(boolean firstFails) {
    List<Collection<MetricData>> sent = new ArrayList<>();
    when(delegate.export(anyCollection()))
        .thenAnswer(
            call -> {
              sent.add(new ArrayList<>(call.<Collection<MetricData>>getArgument(0)));
              return firstFails && sent.size() == 1
                  ? CompletableResultCode.ofFailure()
                  : CompletableResultCode.ofSuccess();
            });
    return sent;
  }

  @Test
  void aFailedExportsSamplesGoOutWithTheNextAndEachSampleOnce() throws Exception {
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    SandboxPushExporter buffering = buffering(buffer);
    List<Collection<MetricData>> sent = recordExports(true);
    bufferWith(dir, buffer, 100, 200);
    buffering.export(List.of());
    assertEquals(2, buffer.bufferedSamples(), "a failed export's samples are held");
    Files.delete(dir.resolve("reg"));
    bufferWith(dir, buffer, 300);
    buffering.export(List.of());
    assertEquals(0, buffer.bufferedSamples(), "sent: released");
    Files.delete(dir.resolve("reg"));
    bufferWith(dir, buffer, 400);
    SandboxPushExporter late = buffering(buffer); // attached now: holds back what it was given
    late.attach(buffer); // again: still one registration
    when(delegate.shutdown()).thenReturn(CompletableResultCode.ofSuccess());
    buffering.export(List.of());
    assertEquals(List.of(100L, 200L), memoryTimes(sent.get(0)));
    assertEquals(List.of(100L, 200L, 300L), memoryTimes(sent.get(1)), "the failed ones again");
    assertEquals(List.of(400L), memoryTimes(sent.get(2)), "nothing twice once sent");
    Files.delete(dir.resolve("reg"));
    bufferWith(dir, buffer, 500);
    buffering.export(List.of());
    assertEquals(1, buffer.bufferedSamples(), "held for the exporter attached later");
    late.shutdown();
    assertEquals(0, buffer.bufferedSamples(), "one that is shut down holds nothing back");
  }

  @Test
  void anOutageLongerThanTheBufferDropsTheOldestAndCountsThem() throws Exception {
    SampleBuffer buffer = new SampleBuffer(3, SeriesSelection.DEFAULT.enabled());
    SandboxPushExporter buffering = buffering(buffer);
    List<Collection<MetricData>> sent = recordExports(true);
    bufferWith(dir, buffer, 100, 200, 300, 400, 500);
    buffering.export(List.of()); // fails: 300..500 stay buffered; 100 and 200 are gone for good
    buffering.export(List.of());
    assertEquals(List.of(300L, 400L, 500L), memoryTimes(sent.get(0)));
    assertEquals(List.of(300L, 400L, 500L), memoryTimes(sent.get(1)));
    Map<String, Long> dropped = new java.util.HashMap<>();
    stats.forEach((name, outcomes) -> dropped.put(name, outcomes.dropped()));
    assertEquals(Map.of(delegate.getClass().getSimpleName(), 2L), dropped, "counted once");
  }

  /**
   * A backlog bigger than one request goes out in one export as requests of bounded size, each sent
   * once the one before succeeded, from the exporter's follow-on thread rather than the thread that
   * completed the one before; a failed request fails the export, and the next export resumes with
   * that request's samples. The collection's own metrics ride with the first request only.
   */
  @Test
  void aBacklogGoesOutAsBoundedRequestsOneAfterTheOther() throws Exception {
    int max = SampleBuffer.MAX_SAMPLES_PER_REQUEST;
    int samples = 2 * max + 10;
    SandboxPushExporter buffering = bufferingSamples(samples);
    List<List<Long>> requests = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    List<CompletableResultCode> pending = new CopyOnWriteArrayList<>();
    when(delegate.export(anyCollection()))
        .thenAnswer(
            call -> {
              pending.add(new CompletableResultCode());
              threads.add(Thread.currentThread().getName());
              requests.add(memoryTimes(call.getArgument(0)));
              return pending.get(pending.size() - 1);
            });
    MetricData own = mock(MetricData.class);
    when(own.getInstrumentationScopeInfo()).thenReturn(MetricsScope.INFO);
    when(own.getName()).thenReturn("microsandbox.collector.sandboxes");
    when(own.getResource()).thenReturn(Resource.getDefault());

    CompletableResultCode first = buffering.export(List.of(own));
    assertEquals(1, requests.size(), "the next request waits for this one");
    assertEquals(max, requests.get(0).size());
    pending.get(0).succeed();
    awaitSize(requests, 2);
    assertEquals(max + 1, requests.get(1).get(0), "continues where the first ended");
    assertEquals(FollowOnThread.NAME, threads.get(1), "not the completing one");
    pending.get(1).fail();
    first.join(1, TimeUnit.MINUTES);
    assertTrue(first.isDone() && !first.isSuccess(), "a failed request fails the export");
    assertEquals(2, requests.size());
    assertEquals(1, counted.failure());

    CompletableResultCode second = buffering.export(List.of(own));
    assertEquals(max + 1, requests.get(2).get(0), "the failed request's samples come again");
    pending.get(2).succeed();
    awaitSize(requests, 4);
    pending.get(3).succeed();
    assertTrue(second.join(1, TimeUnit.MINUTES).isSuccess());
    assertEquals(4, requests.size());
    assertEquals(10, requests.get(3).size());
    assertEquals(samples, requests.get(3).get(9));
    assertEquals(1, counted.success(), "one export, however many requests");
  }

  /**
   * An exporter attached to a buffer of {@code samples} passes of one sandbox, sampled at T0 + 1,
   * 2, ... ms, none of them sent yet.
   */
  SandboxPushExporter bufferingSamples(int samples) throws Exception {
    long[] offsets = new long[samples];
    for (int i = 0; i < samples; i++) {
      offsets[i] = i + 1;
    }
    SampleBuffer buffer = new SampleBuffer(samples, SeriesSelection.DEFAULT.enabled());
    SandboxPushExporter buffering = buffering(buffer);
    bufferWith(dir, buffer, offsets);
    return buffering;
  }

  /** Waits (up to a minute) until {@code list} holds {@code size} items. */
  static void awaitSize(List<?> list, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertEquals(size, list.size());
  }

  /**
   * A follow-on request waits until the thread that completed the request before is idle, so a
   * sender that runs requests on a pool shaped as the JDK HTTP sender's (no core threads, a
   * hand-off queue) reuses its one thread, and the request-sized buffer it keeps, instead of
   * starting another while that one finishes.
   */
  @Test
  void followOnRequestsReuseTheSendersPooledThread() throws Exception {
    SandboxPushExporter buffering = bufferingSamples(3 * SampleBuffer.MAX_SAMPLES_PER_REQUEST);
    ThreadPoolExecutor sender =
        new ThreadPoolExecutor(0, 5, 1, TimeUnit.MINUTES, new SynchronousQueue<>());
    try {
      when(delegate.export(anyCollection()))
          .thenAnswer(
              call -> {
                CompletableResultCode result = new CompletableResultCode();
                sender.execute(
                    () -> {
                      // As a real sender's, its request takes a while, and so does what it does
                      // after the completion callbacks.
                      busy(20);
                      result.succeed();
                      busy(5);
                    });
                return result;
              });
      assertTrue(buffering.export(List.of()).join(1, TimeUnit.MINUTES).isSuccess());
      verify(delegate, times(3)).export(anyCollection());
      assertEquals(1, sender.getLargestPoolSize(), "one sender thread for the whole export");
    } finally {
      sender.shutdownNow();
    }
  }

  private static void busy(long millis) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }

  /** An export whose follow-on requests cannot start (the exporter shut down) fails, not hangs. */
  @Test
  void anExportWhoseFollowOnCannotStartFails() throws Exception {
    SandboxPushExporter buffering = bufferingSamples(SampleBuffer.MAX_SAMPLES_PER_REQUEST + 1);
    CompletableResultCode inFlight = new CompletableResultCode();
    when(delegate.export(anyCollection())).thenReturn(inFlight);
    when(delegate.shutdown()).thenReturn(CompletableResultCode.ofSuccess());
    CompletableResultCode export = buffering.export(List.of());
    buffering.shutdown();
    inFlight.succeed();
    assertTrue(export.isDone() && !export.isSuccess());
    verify(delegate, times(1)).export(anyCollection());
  }

  @Test
  void aReusableDataDelegateGetsTheSamePointsEveryRequest() throws Exception {
    when(delegate.getMemoryMode()).thenReturn(MemoryMode.REUSABLE_DATA);
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    SandboxPushExporter buffering = buffering(buffer);
    List<Object> firstPoints = new ArrayList<>();
    List<List<Long>> values = new ArrayList<>();
    when(delegate.export(anyCollection()))
        .thenAnswer(
            call -> {
              Collection<MetricData> batch = call.getArgument(0);
              values.add(memoryTimes(batch));
              batch.stream()
                  .filter(m -> m.getName().equals("microsandbox.memory.usage"))
                  .forEach(m -> firstPoints.add(m.getData().getPoints().iterator().next()));
              return CompletableResultCode.ofSuccess();
            });
    bufferWith(dir, buffer, 100);
    buffering.export(List.of());
    Files.delete(dir.resolve("reg"));
    bufferWith(dir, buffer, 200);
    buffering.export(List.of());
    assertEquals(List.of(List.of(100L), List.of(200L)), values);
    assertSame(firstPoints.get(0), firstPoints.get(1), "set again in place, not allocated");
  }

  @Test
  void theSdksOnePointSandboxGaugesAreReplacedOthersKept() throws Exception {
    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    SandboxPushExporter buffering = buffering(buffer);
    List<Collection<MetricData>> sent = recordExports(false);
    bufferWith(dir, buffer, 100);
    PointColumns point = new PointColumns(false);
    point.addLong(0, 0, Attributes.empty(), 999);
    MetricData observed =
        new SandboxMetricData(
            Resource.getDefault(), MetricsScope.INFO, SandboxSeries.MEMORY_USAGE, point);
    MetricData health = mock(MetricData.class);
    when(health.getInstrumentationScopeInfo()).thenReturn(MetricsScope.INFO);
    when(health.getName()).thenReturn("microsandbox.collector.sandboxes");
    when(health.getResource()).thenReturn(Resource.getDefault());
    buffering.export(List.of(health, observed));
    assertEquals(List.of(100L), memoryTimes(sent.get(0)), "the observed 999 is gone");
    assertTrue(sent.get(0).contains(health));
  }

  private SandboxPushExporter buffering(SampleBuffer buffer) {
    SandboxPushExporter buffering = new SandboxPushExporter(delegate, stats, clock);
    buffering.attach(buffer);
    return buffering;
  }

  /**
   * Under a declarative configuration no producer adds the sandbox counters: the exporter adds
   * those of the collection's registry pass, for the collection's resource, unless the outage
   * buffer's samples (which carry the counters) replace the collection's sandbox series.
   */
  @Test
  void withoutAProducerTheExporterAddsTheCountersOfThePass() throws Exception {
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        io.opentelemetry.api.common.AttributeKey.stringKey("service.name"),
                        "app")));
    MetricData own =
        io.opentelemetry.sdk.metrics.internal.data.ImmutableMetricData.createLongGauge(
            resource,
            MetricsScope.INFO,
            "jvm.thread.count",
            "",
            "",
            io.opentelemetry.sdk.metrics.internal.data.ImmutableGaugeData.create(List.of()));
    MetricData sum = mock(MetricData.class);
    List<Resource> asked = new ArrayList<>();
    SandboxPushExporter declared =
        new SandboxPushExporter(
            delegate,
            stats,
            clock,
            r -> {
              asked.add(r);
              return List.of(sum);
            },
            "declared");
    List<Collection<MetricData>> sent = recordExports(false);
    declared.export(List.of(own));
    assertEquals(List.of(own, sum), sent.get(0));
    assertEquals(List.of(resource), asked, "the collection's resource");

    SampleBuffer buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    declared.attach(buffer);
    bufferWith(dir, buffer, 100);
    declared.export(List.of(own));
    assertEquals(1, asked.size(), "the buffer's samples replace them");
    assertEquals(List.of(100L), memoryTimes(sent.get(1)));
  }

  /** An exporter that may have nobody to deliver to, as user_events without a tracer. */
  static final class Listened
      implements MetricExporter, dev.microsandbox.otel.support.IdleExporter {
    volatile boolean listening;
    volatile boolean throwing;
    int exports;

    @Override
    public boolean idle() {
      return !listening;
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
      if (throwing) {
        throw new IllegalStateException("no tracer to write to");
      }
      exports++;
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType type) {
      return AggregationTemporality.DELTA;
    }
  }

  /**
   * With OTLP down and user_events idle, OTLP's series show the failures and no success: the idle
   * exporter's exports count as neither, so nothing keeps a staleness alert quiet.
   */
  @Test
  void eachExporterCountsItsOwnAndAnIdleExportCountsAsNeither() {
    when(delegate.export(anyCollection())).thenReturn(CompletableResultCode.ofFailure());
    Listened userEvents = new Listened();
    SandboxPushExporter listened = new SandboxPushExporter(userEvents, stats, clock);
    for (int i = 0; i < 3; i++) {
      exporter.export(List.of());
      listened.export(List.of());
    }
    assertEquals(3, userEvents.exports, "the idle exporter is still asked");
    ExportStats.Exporter idle = stats.of("Listened");
    assertEquals(0, idle.success() + idle.failure());
    assertEquals(0, idle.lastSuccessEpochMillis());
    assertEquals(3, counted.failure());
    assertEquals(0, counted.success());
    userEvents.listening = true;
    listened.export(List.of());
    assertEquals(1, idle.success(), "a tracer listens: counted");
    assertEquals(1_700_000_000_000L, idle.lastSuccessEpochMillis());
    assertEquals(0, counted.lastSuccessEpochMillis(), "OTLP's own series stays stale");
  }

  @Test
  void anIdleExporterThatThrowsCountsAsNeither() {
    Listened throwing = new Listened();
    throwing.throwing = true;
    SandboxPushExporter wrapped = new SandboxPushExporter(throwing, stats, clock);
    assertThrows(IllegalStateException.class, () -> wrapped.export(List.of()));
    ExportStats.Exporter outcomes = stats.of("Listened");
    assertEquals(0, outcomes.success() + outcomes.failure(), "idle: neither");
    throwing.listening = true;
    assertThrows(IllegalStateException.class, () -> wrapped.export(List.of()));
    assertEquals(1, outcomes.failure(), "listened to: a failure");
  }
}
