package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.CatalogWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The agent's own Prometheus exporter serves the sandbox series, scraped over HTTP. */
class AgentPrometheusIT {

  @TempDir Path home;
  @TempDir Path logs;

  /** The scrape is the same whether the registry is read at each scrape or sampled on a period. */
  @ParameterizedTest(name = "collect interval {0}")
  @ValueSource(strings = {"off", "200ms"})
  void prometheusExporterServesMicrosandboxSeries(String collectInterval) throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(301, "prom-sandbox", CatalogWriter.labels("user.id", "alice"), null);
      registry.start(301, 3010, "prom-sandbox");
      Map<String, String> env =
          E2e.prometheusEnv(
              AgentJvm.extensionJar(),
              home,
              port,
              "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
              collectInterval);
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        AtomicReference<String> body = new AtomicReference<>("");
        // Labels may join a collection or two after the series: metrics never wait for the catalog.
        String usage =
            "(?s).*\\n"
                + "microsandbox_memory_usage_bytes\\{[^}]*sandbox_id=\"301\""
                + "[^}]*sandbox_name=\"prom-sandbox\"[^}]*user_id=\"alice\"[^}]*}"
                + " 301000(\\.0)?\\n"
                + ".*";
        E2e.await(
            Duration.ofSeconds(60),
            () -> {
              body.set(E2e.scrape(port));
              return body.get().matches(usage);
            },
            body::get);
        String text = body.get();
        assertTrue(
            text.matches(
                "(?s).*\\n"
                    + "microsandbox_cpu_utilization\\{[^}]*sandbox_name=\"prom-sandbox\"[^}]*}"
                    + " 1\\.5025\\n"
                    + ".*"),
            text);
        assertTrue(text.contains("otel_scope_name=\"microsandbox-metrics-collector\""), text);
        assertTrue(text.contains("microsandbox_collector_sandboxes"), text);
        assertTrue(
            text.contains("service_name=\"unknown_service:java\""),
            "target_info carries the resource: " + text);
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }
}
