package dev.microsandbox.otel.examples;

import static dev.microsandbox.otel.examples.PrometheusExampleIT.query;
import static dev.microsandbox.otel.examples.PrometheusExampleIT.queryBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.LiveRegistry;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.registry.RegistryLocation;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The semantic-convention instruments through the real agent (the bundle's sidecar) to a real
 * Prometheus server and a real OTLP receiver at once: names, kinds and units as the conventions
 * give them, counters whose OTLP start time is the sandbox run's start, a restart that Prometheus'
 * rate() crosses without a negative value, and the info gauge's label join.
 */
class SemconvPrometheusIT {

  @TempDir Path home;
  @TempDir Path work;

  @Test
  void bothSetsWithLabelsOnInfoThroughPrometheusAndOtlpAcrossARestart() throws Exception {
    Path binary = PrometheusExampleIT.prometheusBinary();
    int agentPort = E2e.freePort();
    int prometheusPort = E2e.freePort();
    Files.writeString(
        work.resolve("prometheus.yml"),
        "global:\n  scrape_interval: 1s\n"
            + "scrape_configs:\n  - job_name: msb\n    static_configs:\n"
            + "      - targets: ['127.0.0.1:"
            + agentPort
            + "']\n");
    try (CatalogWriter catalog =
        CatalogWriter.create(RegistryLocation.catalogFile(home.toString()))) {
      catalog.put(1, "sb-1", CatalogWriter.labels("tenant", "payments"), null);
      catalog.put(2, "sb-2", CatalogWriter.labels("tenant", "search"), null);
    }
    Process server = null;
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.growingTotals();
      registry.start(1, 1, "sb-1");
      registry.start(2, 1, "sb-2");
      try (AgentJvm sidecar =
          AgentJvm.start(
              E2e.JAVA_HOME,
              PrometheusExampleIT.BUNDLE,
              E2e.with(
                  E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
                  "OTEL_METRICS_EXPORTER",
                  "otlp,prometheus",
                  "OTEL_METRIC_EXPORT_INTERVAL",
                  "1000",
                  "OTEL_EXPORTER_PROMETHEUS_HOST",
                  "127.0.0.1",
                  "OTEL_EXPORTER_PROMETHEUS_PORT",
                  Integer.toString(agentPort),
                  "OTEL_MICROSANDBOX_INSTRUMENTS",
                  "both",
                  "OTEL_MICROSANDBOX_LABELS_ON",
                  "info",
                  "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
                  "false"),
              work.resolve("sidecar"),
              List.of("-jar", PrometheusExampleIT.BUNDLE.toString(), "sidecar"))) {
        server = PrometheusExampleIT.startPrometheus(binary, work, prometheusPort);
        String api = "http://127.0.0.1:" + prometheusPort;

        // The exposition: counters end in _total, up-down counters are gauges, units as suffixes.
        // (The Prometheus client reserves the _info suffix, so the info gauge is
        // microsandbox_sandbox.)
        String[] text = {""};
        E2e.await(
            Duration.ofSeconds(60),
            () -> (text[0] = E2e.scrape(agentPort)).contains("container_network_io_bytes_total{"),
            () -> text[0]);
        for (String line :
            List.of(
                "# TYPE container_cpu_time_seconds_total counter",
                "# TYPE container_network_io_bytes_total counter",
                "# TYPE container_disk_io_bytes_total counter",
                "# TYPE container_memory_usage_bytes gauge",
                "# TYPE container_filesystem_usage_bytes gauge",
                "# TYPE container_uptime_seconds gauge",
                "# TYPE microsandbox_sandbox gauge",
                "# TYPE microsandbox_memory_usage_bytes gauge")) {
          assertTrue(text[0].contains(line), line + " in\n" + text[0]);
        }
        assertTrue(text[0].contains("network_io_direction=\"transmit\""), text[0]);

        // OTLP: the counters' start time is the run's start; then a restart moves it.
        long firstStart = registry.sample(1).startedAtMs() * 1_000_000L;
        E2e.await(
            Duration.ofSeconds(30),
            () ->
                networkReceived(receiver, "sb-1").stream()
                    .anyMatch(p -> p.point().getStartTimeUnixNano() == firstStart),
            () -> "no sb-1 point");
        Otlp.Point sum = networkReceived(receiver, "sb-1").get(0);
        assertTrue(sum.metric().getSum().getIsMonotonic());
        assertEquals(
            AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
            sum.metric().getSum().getAggregationTemporality());
        assertEquals("By", sum.metric().getUnit());
        assertEquals(
            Map.of(
                "container.name", "sb-1", "container.id", "1", "network.io.direction", "receive"),
            sum.attributes(),
            "identity only: labels are on info");

        E2e.await(
            Duration.ofSeconds(60),
            () ->
                rangeValues(api, "container_network_io_bytes_total{container_name=\"sb-1\"}", 30)
                        .size()
                    >= 5,
            () -> "Prometheus has too few samples yet");
        double restartedAt = System.currentTimeMillis() / 1000.0;
        registry.restart(1);
        long secondStart = registry.sample(1).startedAtMs() * 1_000_000L;
        E2e.await(
            Duration.ofSeconds(30),
            () ->
                networkReceived(receiver, "sb-1").stream()
                    .anyMatch(p -> p.point().getStartTimeUnixNano() == secondStart),
            () -> "no point of the new run");
        String resets =
            "resets(container_network_io_bytes_total{container_name=\"sb-1\","
                + "network_io_direction=\"receive\"}[2m])";
        E2e.await(
            Duration.ofSeconds(60),
            () -> PrometheusExampleIT.value(query(api, resets)) >= 1,
            () -> "Prometheus saw no reset");
        E2e.await(
            Duration.ofSeconds(30),
            () ->
                rangeValues(api, "container_network_io_bytes_total{container_name=\"sb-1\"}", 60)
                        .stream()
                        .filter(v -> v[0] > restartedAt + 2)
                        .count()
                    >= 3,
            () -> "too few samples after the restart");
        List<double[]> rates =
            rangeValues(
                api, "rate(container_network_io_bytes_total{container_name=\"sb-1\"}[4s])", 60);
        assertTrue(rates.stream().anyMatch(v -> v[0] < restartedAt), "rates before the restart");
        assertTrue(rates.stream().anyMatch(v -> v[0] > restartedAt), "rates after the restart");
        rates.forEach(v -> assertTrue(v[1] >= 0, "a negative rate at " + v[0] + ": " + v[1]));

        // The info gauge's join gives every series its labels, from either family: the README's
        // joins, on the host (instance) and the sandbox, since ids repeat across hosts.
        for (String join :
            List.of(
                "container_memory_usage_bytes * on(instance, container_id)"
                    + " group_left(tenant) microsandbox_sandbox",
                "microsandbox_memory_usage_bytes"
                    + " * on(instance, sandbox_id) group_left(tenant) microsandbox_sandbox")) {
          E2e.await(
              Duration.ofSeconds(30),
              () -> teams(query(api, join)).equals(Set.of("sb-1=payments", "sb-2=search")),
              () -> join + " -> " + queryBody(api, join));
        }
      }
    } finally {
      PrometheusExampleIT.stop(server);
    }
  }

  static List<Otlp.Point> networkReceived(OtlpReceiver receiver, String name) {
    return Otlp.points(
            receiver.received().stream()
                .map(OtlpReceiver.Received::request)
                .collect(Collectors.toList()))
        .stream()
        .filter(p -> p.metric().getName().equals("container.network.io"))
        .filter(p -> name.equals(p.attributes().get("container.name")))
        .filter(p -> "receive".equals(p.attributes().get("network.io.direction")))
        .collect(Collectors.toList());
  }

  static Set<String> teams(JsonNode result) {
    Set<String> teams = new TreeSet<>();
    result.forEach(
        series ->
            teams.add(
                series
                        .path("metric")
                        .path("container_name")
                        .asText(series.path("metric").path("sandbox_name").asText())
                    + "="
                    + series.path("metric").path("tenant").asText()));
    return teams;
  }

  /** (time, value) of every series of {@code promql} over the last {@code seconds}, step 1 s. */
  static List<double[]> rangeValues(String api, String promql, int seconds) {
    long end = System.currentTimeMillis() / 1000;
    List<double[]> values = new java.util.ArrayList<>();
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              api
                                  + "/api/v1/query_range?query="
                                  + java.net.URLEncoder.encode(
                                      promql, java.nio.charset.StandardCharsets.UTF_8)
                                  + "&start="
                                  + (end - seconds)
                                  + "&end="
                                  + end
                                  + "&step=1"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      for (JsonNode series :
          PrometheusExampleIT.JSON.readTree(response.body()).path("data").path("result")) {
        for (JsonNode v : series.path("values")) {
          values.add(new double[] {v.get(0).asDouble(), Double.parseDouble(v.get(1).asText())});
        }
      }
    } catch (java.io.IOException e) {
      return values;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return values;
  }
}
