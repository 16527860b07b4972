package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code semconv} instrument set riding in an application through the real agent, to OTLP and
 * the agent's Prometheus exporter at once, with a metric exclude and a sandbox exclude; and an
 * exclude that matches nothing, which switches the extension off with one line while the
 * application runs on.
 */
class AgentSemconvIT {

  @TempDir Path home;
  @TempDir Path logs;

  @Test
  void semconvSetWithFiltersToOtlpAndPrometheus() throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(401, 1, "api-1");
      registry.start(402, 1, "scratch-1");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRICS_EXPORTER",
              "otlp,prometheus",
              "OTEL_EXPORTER_PROMETHEUS_HOST",
              "127.0.0.1",
              "OTEL_EXPORTER_PROMETHEUS_PORT",
              Integer.toString(port),
              "OTEL_MICROSANDBOX_INSTRUMENTS",
              "semconv",
              "OTEL_MICROSANDBOX_METRICS_EXCLUDE",
              "container.uptime",
              "OTEL_MICROSANDBOX_SANDBOXES_EXCLUDE",
              "scratch-*",
              "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
              "false");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () ->
                sandboxPoints(receiver).stream()
                    .anyMatch(p -> p.metric().getName().equals("container.cpu.time")),
            () -> "no counters");
        List<Otlp.Point> points = sandboxPoints(receiver);
        assertEquals(
            new TreeSet<>(
                List.of(
                    "container.cpu.time",
                    "container.cpu.usage",
                    "container.memory.usage",
                    "container.memory.available",
                    "container.network.io",
                    "container.disk.io",
                    "container.filesystem.usage",
                    "container.filesystem.available",
                    "microsandbox.memory.limit",
                    "microsandbox.memory.host_resident",
                    "microsandbox.upper.host_allocated")),
            points.stream()
                .map(p -> p.metric().getName())
                .collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(
            Set.of("api-1"),
            points.stream()
                .map(p -> p.attributes().get("container.name"))
                .collect(Collectors.toSet()),
            "scratch-1 is excluded; every point has container.name");
        assertTrue(points.stream().noneMatch(p -> p.attributes().containsKey("sandbox.name")));
        long started = registry.sample(401).startedAtMs() * 1_000_000L;
        points.stream()
            .filter(p -> p.metric().hasSum())
            .forEach(
                p ->
                    assertEquals(
                        started,
                        p.point().getStartTimeUnixNano(),
                        p.metric().getName() + " starts with the run"));
        assertTrue(
            points.stream()
                .filter(p -> p.metric().getName().equals("container.disk.io"))
                .anyMatch(
                    p ->
                        p.metric().getSum().getIsMonotonic()
                            && "write".equals(p.attributes().get("disk.io.direction"))));

        AtomicReference<String> body = new AtomicReference<>("");
        E2e.await(
            Duration.ofSeconds(30),
            () -> {
              body.set(E2e.scrape(port));
              return body.get().contains("container_cpu_time_seconds_total{");
            },
            body::get);
        assertTrue(body.get().contains("# TYPE container_memory_usage_bytes gauge"), body.get());
        assertFalse(body.get().contains("container_uptime"), body.get());
        assertFalse(body.get().contains("scratch-1"), body.get());
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void anExcludeMatchingNothingSwitchesTheExtensionOffAndTheApplicationRuns() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(403, 1, "api-2");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_MICROSANDBOX_METRICS_EXCLUDE",
              "microsandbox.upper.*,container.*");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await( // the application exports, and the line that says why we do not
            Duration.ofSeconds(60),
            () ->
                !receiver.received().isEmpty()
                    && AgentFaultsIT.stderr(jvm).contains("microsandbox metrics are off"),
            () -> "the application's own metrics are exported\n" + AgentFaultsIT.stderr(jvm));
        String stderr = jvm.stderr();
        assertTrue(
            stderr.contains(
                "microsandbox metrics are off: OTEL_MICROSANDBOX_METRICS_EXCLUDE"
                    + " (otel.microsandbox.metrics.exclude) = 'microsandbox.upper.*,container.*':"
                    + " 'container.*' matches none of the metric names of this instrument set"
                    + " (msb): microsandbox.cpu.utilization,"),
            stderr);
        assertTrue(sandboxPoints(receiver).isEmpty());
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  /**
   * OTLP with the delta preference: the sandbox counters arrive as deltas, each starting where the
   * series' last one ended (the first at the run's start), and they add up to the run's total.
   */
  @Test
  void aDeltaPreferringExporterGetsTheCountersAsDeltas() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.growingTotals();
      registry.start(421, 1, "delta-1");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
              "delta",
              "OTEL_MICROSANDBOX_INSTRUMENTS",
              "semconv",
              "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
              "false");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> cpuTime(receiver).size() >= 4,
            () -> "deltas: " + cpuTime(receiver));
        List<Otlp.Point> points = cpuTime(receiver);
        long runStart = registry.sample(421).startedAtMs() * 1_000_000L;
        assertEquals(runStart, points.get(0).point().getStartTimeUnixNano(), "the run's start");
        double sum = 0;
        for (int i = 0; i < points.size(); i++) {
          Otlp.Point p = points.get(i);
          assertEquals(
              io.opentelemetry.proto.metrics.v1.AggregationTemporality
                  .AGGREGATION_TEMPORALITY_DELTA,
              p.metric().getSum().getAggregationTemporality());
          if (i > 0) {
            assertEquals(
                points.get(i - 1).point().getTimeUnixNano(),
                p.point().getStartTimeUnixNano(),
                "each starts where the last ended");
            assertTrue(p.value() < points.get(0).value(), "a change, not the total: " + p.value());
          }
          sum += p.value();
        }
        // vCPU time grows 1.5 ms per ms of uptime: the deltas add up to the total at the last one.
        Otlp.Point last = points.get(points.size() - 1);
        double uptimeMs = (last.point().getTimeUnixNano() - runStart) / 1e6;
        assertEquals(1.5 * uptimeMs / 1000, sum, 1.5 * 0.3, "seconds of vCPU time");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  /** The container.cpu.time points received so far, in order. */
  static List<Otlp.Point> cpuTime(OtlpReceiver receiver) {
    return sandboxPoints(receiver).stream()
        .filter(p -> p.metric().getName().equals("container.cpu.time"))
        .collect(Collectors.toList());
  }

  static List<Otlp.Point> sandboxPoints(OtlpReceiver receiver) {
    return Otlp.points(
            receiver.received().stream()
                .map(OtlpReceiver.Received::request)
                .collect(Collectors.toList()))
        .stream()
        .filter(Otlp::isSandboxSeries)
        .collect(Collectors.toList());
  }
}
