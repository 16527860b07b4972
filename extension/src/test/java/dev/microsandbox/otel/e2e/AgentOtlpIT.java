package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.OtlpReceiver.Received;
import dev.microsandbox.otel.labels.CatalogWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent from Maven Central, with the freshly built extension, configured by environment
 * variables only, ships the sandboxes of a live registry to a real OTLP receiver.
 */
class AgentOtlpIT {

  @TempDir Path home;
  @TempDir Path logs;

  @Test
  void httpProtobufWithGzipHeadersAndResource() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 16);
        OtlpReceiver receiver = OtlpReceiver.http();
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(
          101,
          "alpha",
          CatalogWriter.labels("user.id", "alice", "tenant", "acme", "secret", "s3cr3t"),
          null);
      registry.start(101, 1010, "alpha");
      registry.start(102, 1020, "bravo");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_EXPORTER_OTLP_HEADERS",
              "x-msb-tenant=acme",
              "OTEL_EXPORTER_OTLP_COMPRESSION",
              "gzip",
              "OTEL_RESOURCE_ATTRIBUTES",
              "deployment.environment.name=e2e",
              "OTEL_MICROSANDBOX_EMIT_RUN_ID",
              "true",
              "OTEL_MICROSANDBOX_LABELS_EXCLUDE",
              "secret");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        awaitExportCounted(receiver, jvm);
        // Labels may join a collection or two after the series: metrics never wait for the catalog.
        E2e.await(
            Duration.ofSeconds(30),
            () ->
                find(Otlp.points(requests(receiver)), "microsandbox.memory.limit", "alpha")
                    .attributes()
                    .containsKey("user.id"),
            () -> "no labels");
        List<Otlp.Point> points = Otlp.points(requests(receiver));
        assertSandboxSeries(
            points, "alpha", "101", "1010", Map.of("user.id", "alice", "tenant", "acme"));
        assertSandboxSeries(points, "bravo", "102", "1020", Map.of());
        Otlp.Point usage = find(points, "microsandbox.memory.usage", "alpha");
        assertEquals(101_000, usage.value());
        assertEquals(1.5025, find(points, "microsandbox.cpu.utilization", "alpha").value(), 1e-9);
        double uptime = find(points, "microsandbox.uptime", "alpha").value();
        assertTrue(uptime >= 60.0 && uptime < 180.0, "started 60 s before the test: " + uptime);
        assertEquals(30_300, find(points, "microsandbox.upper.host_allocated", "alpha").value());
        // Riding in an application: the agent's own name for a class-path app, not "microsandbox".
        assertEquals("unknown_service:java", usage.resource().get("service.name"));
        assertEquals("e2e", usage.resource().get("deployment.environment.name"));
        assertTrue(usage.resource().containsKey("service.instance.id"), usage.resource()::toString);
        assertEquals("microsandbox-metrics-collector", usage.scope());
        String version = System.getProperty("msb.project.version");
        assertNotNull(version, "the build passes msb.project.version");
        assertEquals(version, usage.scopeVersion());
        assertFalse(usage.scopeVersion().isEmpty());
        assertEquals("By", usage.metric().getUnit());
        for (Received r : receiver.received()) {
          assertEquals("acme", r.headers().get("x-msb-tenant"), r.headers()::toString);
          assertEquals("gzip", r.headers().get("content-encoding"), r.headers()::toString);
        }

        registry.stop(102);
        int before = receiver.received().size();
        E2e.await(
            Duration.ofSeconds(20),
            () -> receiver.received().size() > before + 2,
            () -> "no exports");
        List<Otlp.Point> latest =
            Otlp.points(List.of(receiver.received().get(receiver.received().size() - 1).request()));
        assertTrue(
            latest.stream().anyMatch(p -> "alpha".equals(p.attributes().get("sandbox.name"))));
        assertFalse(
            latest.stream().anyMatch(p -> "bravo".equals(p.attributes().get("sandbox.name"))),
            "a stopped sandbox disappears from the next collections");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)), jvm::toString);
        assertTrue(jvm.stdout().contains("trivial app done"));
      }
    }
  }

  @Test
  void grpcWithGzipHeaderAndUserServiceName() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 16);
        OtlpReceiver receiver = OtlpReceiver.grpc()) {
      registry.start(201, 2010, "grpc-sandbox");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "grpc", receiver.endpoint()),
              "OTEL_EXPORTER_OTLP_HEADERS",
              "authorization=Bearer e2e-token",
              "OTEL_EXPORTER_OTLP_COMPRESSION",
              "gzip",
              "OTEL_SERVICE_NAME",
              "sandbox-host",
              "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
              "false");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        awaitExportCounted(receiver, jvm);
        List<Otlp.Point> points = Otlp.points(requests(receiver));
        assertSandboxSeries(points, "grpc-sandbox", "201", null, Map.of());
        assertEquals(
            "sandbox-host",
            find(points, "microsandbox.memory.usage", "grpc-sandbox")
                .resource()
                .get("service.name"),
            "OTEL_SERVICE_NAME wins over the default");
        Received first = receiver.received().get(0);
        assertEquals(
            "Bearer e2e-token", first.headers().get("authorization"), first.headers()::toString);
        assertEquals("gzip", first.headers().get("grpc-encoding"), first.headers()::toString);
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  static List<io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest> requests(
      OtlpReceiver receiver) {
    return receiver.received().stream().map(Received::request).toList();
  }

  /** Waits until an export reports an earlier successful export: the pipeline went round once. */
  static void awaitExportCounted(OtlpReceiver receiver, AgentJvm jvm) {
    E2e.await(
        Duration.ofSeconds(60),
        () ->
            Otlp.points(requests(receiver)).stream()
                .anyMatch(
                    p ->
                        p.metric().getName().equals("microsandbox.collector.exports.success")
                            && p.value() > 0),
        () -> {
          try {
            return receiver.received().size() + " requests; agent stderr:\n" + jvm.stderr();
          } catch (java.io.IOException e) {
            return e.toString();
          }
        });
  }

  static Otlp.Point find(List<Otlp.Point> points, String metric, String sandbox) {
    return points.stream()
        .filter(
            p ->
                p.metric().getName().equals(metric)
                    && sandbox.equals(p.attributes().get("sandbox.name")))
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError(metric + " for " + sandbox + " not received"));
  }

  /** All eleven sandbox metrics, with exactly the identity attributes and {@code labels}. */
  static void assertSandboxSeries(
      List<Otlp.Point> points, String name, String id, String runId, Map<String, String> labels) {
    Set<String> metrics =
        points.stream()
            .filter(p -> name.equals(p.attributes().get("sandbox.name")))
            .map(p -> p.metric().getName())
            .collect(Collectors.toSet());
    assertEquals(E2e.SANDBOX_METRICS, metrics);
    Map<String, String> attributes = find(points, "microsandbox.memory.limit", name).attributes();
    Map<String, String> expected = new java.util.TreeMap<>(labels);
    expected.put("sandbox.name", name);
    expected.put("sandbox.id", id);
    if (runId != null) {
      expected.put("sandbox.run_id", runId);
    }
    assertEquals(expected, attributes);
  }
}
