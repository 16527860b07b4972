package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sampling on its own period, through the real agent and a real OTLP receiver: every sample is a
 * point with its own time, in exactly one export, and an outage loses nothing the buffer can hold.
 * The registry's figures are derived from each sample's time ({@link
 * LiveRegistry#timeDerivedFigures}), so every point says which sample it came from and whether it
 * belongs with the others.
 */
class AgentSamplingIT {

  @TempDir Path home;
  @TempDir Path logs;

  static Map<String, String> sampling(Path home, String endpoint, String maxBuffered) {
    return E2e.with(
        E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", endpoint),
        "OTEL_METRIC_EXPORT_INTERVAL",
        "2000",
        "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
        "200ms",
        "OTEL_MICROSANDBOX_MAX_BUFFERED",
        maxBuffered,
        "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED",
        "true",
        "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
        "false");
  }

  /**
   * Sample times (ms) of one sandbox's disk.bytes_read points in one request, checking coherence.
   */
  static List<Long> sampleTimes(ExportMetricsServiceRequest request, String sandbox) {
    List<Otlp.Point> points =
        Otlp.points(List.of(request)).stream()
            .filter(p -> sandbox.equals(p.attributes().get("sandbox.name")))
            .collect(Collectors.toList());
    Map<Long, Map<String, Double>> bySample = new HashMap<>();
    for (Otlp.Point p : points) {
      long t = p.point().getTimeUnixNano() / 1_000_000L;
      bySample.computeIfAbsent(t, k -> new HashMap<>()).put(p.metric().getName(), p.value());
    }
    bySample.forEach(
        (t, figures) -> {
          assertEquals(E2e.SANDBOX_METRICS, figures.keySet(), "every metric of the sample at " + t);
          assertEquals((double) t, figures.get("microsandbox.disk.bytes_read"), "read = t");
          assertEquals(2.0 * t, figures.get("microsandbox.disk.bytes_written"), "written = 2t");
          assertEquals(
              3.0 * t, figures.get("microsandbox.network.bytes_received"), "received = 3t");
          assertEquals(4.0 * t, figures.get("microsandbox.network.bytes_sent"), "sent = 4t");
        });
    return points.stream()
        .filter(p -> p.metric().getName().equals("microsandbox.disk.bytes_read"))
        .map(p -> p.point().getTimeUnixNano() / 1_000_000L)
        .collect(Collectors.toList());
  }

  @Test
  void everySampleIsItsOwnPointInExactlyOneExport() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.timeDerivedFigures();
      registry.start(301, 3010, "sampled-a");
      registry.start(302, 3020, "sampled-b");
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              AgentJvm.agentJar(),
              sampling(home, receiver.endpoint(), "60"),
              logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> withSamples(receiver, "sampled-a").size() >= 4,
            () -> receiver.received().size() + " requests\n" + AgentFaultsIT.stderr(jvm));
        List<ExportMetricsServiceRequest> exports = withSamples(receiver, "sampled-a");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < exports.size(); i++) {
          List<Long> times = sampleTimes(exports.get(i), "sampled-a");
          sampleTimes(exports.get(i), "sampled-b");
          for (int j = 1; j < times.size(); j++) {
            assertTrue(times.get(j) > times.get(j - 1), "increasing within an export: " + times);
          }
          for (long t : times) {
            assertTrue(seen.add(t), "sample " + t + " in two exports");
          }
          if (i > 0) { // the first export may cover only part of an interval
            assertTrue(
                times.size() >= 7 && times.size() <= 13,
                "about 10 samples per 2 s export at 200 ms: " + times.size());
          }
        }
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  static List<ExportMetricsServiceRequest> withSamples(OtlpReceiver receiver, String sandbox) {
    return E2e.requestsAbout(receiver, sandbox);
  }

  /** Every sample time of {@code sandbox} received so far, in order, checking none came twice. */
  static TreeSet<Long> receivedTimes(OtlpReceiver receiver, String sandbox) {
    List<Long> all = new ArrayList<>();
    for (ExportMetricsServiceRequest export : withSamples(receiver, sandbox)) {
      all.addAll(sampleTimes(export, sandbox));
    }
    TreeSet<Long> times = new TreeSet<>(all);
    assertEquals(all.size(), times.size(), "no sample twice");
    return times;
  }

  /**
   * The receiver goes down for three exports, then comes back. With a buffer of 60 collections the
   * samples after the outage continue those before it at the sampling period: nothing is lost. With
   * a buffer of 15, exactly the oldest collections are gone, and {@code collections.dropped} counts
   * as many as the gap in sample times shows. The sandbox publishes every 50 ms, so every 200 ms
   * collection holds exactly one new sample and a gap in sample times counts collections.
   */
  @Test
  void anOutageLosesNothingTheBufferHoldsAndCountsWhatItCannot() throws Exception {
    // 15 holds one 2 s export's 10 collections, so nothing is dropped while exports succeed.
    for (String maxBuffered : new String[] {"60", "15"}) {
      int port = E2e.freePort();
      try (LiveRegistry registry = new LiveRegistry(home, 8)) {
        registry.timeDerivedFigures();
        registry.refreshEvery(50);
        registry.start(311, 3110, "outage");
        try (AgentJvm jvm =
            AgentJvm.start(
                E2e.JAVA_HOME,
                AgentJvm.agentJar(),
                sampling(home, "http://127.0.0.1:" + port, maxBuffered),
                logs.resolve(maxBuffered))) {
          long lastBefore;
          try (OtlpReceiver before = OtlpReceiver.http(port)) {
            E2e.await(
                Duration.ofSeconds(60),
                () -> withSamples(before, "outage").size() >= 2,
                () -> AgentFaultsIT.stderr(jvm));
            lastBefore = receivedTimes(before, "outage").last();
          }
          int failuresBefore = failures(jvm);
          E2e.await(
              Duration.ofSeconds(30),
              () -> failures(jvm) >= failuresBefore + 3,
              () -> AgentFaultsIT.stderr(jvm)); // three failed exports
          try (OtlpReceiver after = OtlpReceiver.http(port)) {
            E2e.await(
                Duration.ofSeconds(30),
                () -> withSamples(after, "outage").size() >= 2,
                () -> AgentFaultsIT.stderr(jvm));
            TreeSet<Long> times = receivedTimes(after, "outage");
            assertTrue(times.first() > lastBefore, "nothing sent before is sent again");
            long gap = times.first() - lastBefore;
            double dropped =
                AgentFaultsIT.latest(after, "microsandbox.collector.collections.dropped");
            if (maxBuffered.equals("60")) {
              assertTrue(gap <= 300, "the samples continue where they stopped: gap " + gap + " ms");
              assertEquals(0.0, dropped, "nothing dropped");
            } else {
              double missing = Math.round(gap / 200.0) - 1; // collections between the two runs
              System.out.printf(
                  "buffer 15: %d ms gap, ~%.0f collections missing, %.0f counted as" + " dropped%n",
                  gap, missing, dropped);
              assertTrue(dropped >= 10, "three 2 s exports at 200 ms overflow 15: " + dropped);
              assertTrue(
                  Math.abs(dropped - missing) <= 2,
                  "dropped "
                      + dropped
                      + " matches the gap of "
                      + gap
                      + " ms ("
                      + missing
                      + " collections)");
            }
          }
          assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        }
      }
    }
  }

  static int failures(AgentJvm jvm) {
    return AgentFaultsIT.stderr(jvm).split("Failed to export", -1).length - 1;
  }
}
