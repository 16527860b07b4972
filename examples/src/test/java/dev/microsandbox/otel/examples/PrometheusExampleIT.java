package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import dev.microsandbox.otel.registry.RegistryLocation;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples, run for real: the simulator writes a registry, the bundle runs as a sidecar with
 * the Prometheus exporter, and Debian's Prometheus server loads examples/prometheus/prometheus.yml
 * and rules.yml (only the target port and the intervals changed) and answers the queries.
 */
class PrometheusExampleIT {

  static final Path EXAMPLES = Path.of(System.getProperty("msb.examples.dir", "."));
  static final Path BUNDLE = Path.of(System.getProperty("msb.bundle.jar"));
  static final Path SIMULATOR = Path.of(System.getProperty("msb.simulator.jar"));
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  @TempDir Path work;

  static Optional<Path> onPath(String binary) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, binary))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Debian's Prometheus server; a test without one is skipped, except in CI, where it fails. */
  static Path prometheusBinary() {
    Optional<Path> prometheus = onPath("prometheus");
    assumeTrue(
        prometheus.isPresent() || System.getenv("CI") != null,
        "no prometheus binary on PATH (apt-get install prometheus, as .ci/run does)");
    return prometheus.orElseThrow(() -> new AssertionError("CI must have prometheus on PATH"));
  }

  /** Starts {@code binary} with {@code work}/prometheus.yml, its data in {@code work}/data. */
  static Process startPrometheus(Path binary, Path work, int port) throws IOException {
    return new ProcessBuilder(
            binary.toString(),
            "--config.file=" + work.resolve("prometheus.yml"),
            "--storage.tsdb.path=" + work.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("prometheus.log").toFile())
        .start();
  }

  /** Stops a server started by {@link #startPrometheus}, if it was started. */
  static void stop(Process server) throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void prometheusScrapesTheSidecarAndTheRecommendedQueriesAnswer() throws Exception {
    Path binary = prometheusBinary();
    onPath("promtool")
        .ifPresent(
            promtool ->
                assertEquals(
                    0,
                    run(
                        promtool.toString(),
                        "check",
                        "rules",
                        EXAMPLES.resolve("prometheus/rules.yml").toString()),
                    "promtool check rules"));

    int agentPort = E2e.freePort();
    int prometheusPort = E2e.freePort();
    Process simulator = configureAndStartSimulator(agentPort);
    Process server = null;
    try (OtlpReceiver receiver = OtlpReceiver.http();
        AgentJvm sidecar =
            AgentJvm.start(
                E2e.JAVA_HOME,
                BUNDLE,
                E2e.with(
                    E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
                    "OTEL_METRICS_EXPORTER",
                    "otlp,prometheus",
                    "OTEL_EXPORTER_PROMETHEUS_HOST",
                    "127.0.0.1",
                    "OTEL_EXPORTER_PROMETHEUS_PORT",
                    Integer.toString(agentPort),
                    "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
                    "false"),
                work.resolve("sidecar"),
                List.of("-jar", BUNDLE.toString(), "sidecar"))) {
      server = startPrometheus(binary, work, prometheusPort);
      String api = "http://127.0.0.1:" + prometheusPort;

      E2e.await(
          Duration.ofSeconds(90),
          () ->
              sandboxNames(query(api, "microsandbox:cpu_utilization:by_sandbox"))
                  .equals(Set.of("sim-1001", "sim-1002", "sim-1003")),
          () ->
              query(api, "microsandbox:cpu_utilization:by_sandbox")
                  + "\n"
                  + log(work, "prometheus.log"));
      E2e.await(
          Duration.ofSeconds(60),
          () -> value(query(api, "microsandbox:exports_success:rate5m")) > 0,
          () -> query(api, "microsandbox_collector_exports_success_total").toString());
      assertEquals(0.0, value(query(api, "microsandbox:exports_failure:ratio5m")), "no failures");
      assertTrue(value(query(api, "microsandbox:last_success:age_seconds")) < 60);
      assertEquals(0, query(api, "ALERTS{alertname=\"MicrosandboxExportsStale\"}").size());
      JsonNode memory = query(api, "microsandbox:memory_usage:ratio");
      assertEquals(3, memory.size());
      memory.forEach(
          series -> {
            double ratio = Double.parseDouble(series.get("value").get(1).asText());
            assertTrue(ratio > 0.5 && ratio < 1.0, "memory near its limit: " + ratio);
          });
      assertEquals(3, query(api, "microsandbox_uptime_seconds").size());
      everyDashboardPanelAnswers(api);
      everyVariableHasValues(api);
      // The figures msb-metrics leaves out: vCPU time for all three, memory available for the two
      // simulated sandboxes whose samples carry flag 0x04.
      E2e.await(
          Duration.ofSeconds(30),
          () ->
              query(api, "microsandbox:cpu_time:rate5m").size() == 3
                  && query(api, "microsandbox:memory_available:ratio").size() == 2,
          () ->
              query(api, "microsandbox:cpu_time:rate5m")
                  + " / "
                  + query(api, "microsandbox:memory_available:ratio"));
    } finally {
      stop(server);
      simulator.destroy();
      simulator.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(RegistryLocation.registryFile(home.toString()));
    }
  }

  /**
   * Writes the example's Prometheus configuration into the work directory, scraping the agent on
   * {@code agentPort} every second, with the example's rules beside it; then starts the simulator
   * with 3 sandboxes sampled every 500 ms under the test's home.
   */
  private Process configureAndStartSimulator(int agentPort) throws IOException {
    Files.writeString(
        work.resolve("prometheus.yml"),
        Files.readString(EXAMPLES.resolve("prometheus/prometheus.yml"))
            .replace("127.0.0.1:9464", "127.0.0.1:" + agentPort)
            .replaceAll("(scrape|evaluation)_interval: \\d+s", "$1_interval: 1s"));
    Files.copy(EXAMPLES.resolve("prometheus/rules.yml"), work.resolve("rules.yml"));
    return new ProcessBuilder(
            E2e.JAVA_HOME.resolve("bin/java").toString(),
            "-jar",
            SIMULATOR.toString(),
            "--msb-home",
            home.toString(),
            "--sandboxes",
            "3",
            "--period",
            "500ms")
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("simulator.log").toFile())
        .start();
  }

  /**
   * The dashboard in the other documented configurations, each a sidecar scraped by the same real
   * Prometheus (the default one, msb names with labels on every point and a push exporter, is the
   * test above): the semantic-convention names alone, and labels on the info gauge; both with
   * Prometheus as the only exporter, where the export-health panels say on the panel that they need
   * a push exporter and stay empty. Every other panel answers, and every variable has values.
   */
  @Test
  void theDashboardAnswersInEveryDocumentedConfiguration() throws Exception {
    Path binary = prometheusBinary();
    int agentPort = E2e.freePort();
    int prometheusPort = E2e.freePort();
    Process simulator = configureAndStartSimulator(agentPort);
    Process server = startPrometheus(binary, work, prometheusPort);
    String api = "http://127.0.0.1:" + prometheusPort;
    try {
      for (String[] configuration :
          new String[][] {
            {"OTEL_MICROSANDBOX_INSTRUMENTS", "semconv", "container_memory_usage_bytes"},
            {"OTEL_MICROSANDBOX_LABELS_ON", "info", "microsandbox_sandbox"}
          }) {
        try (AgentJvm sidecar =
            AgentJvm.start(
                E2e.JAVA_HOME,
                BUNDLE,
                E2e.with(
                    E2e.otlpEnv(null, home, "http/protobuf", "unused"),
                    "OTEL_METRICS_EXPORTER",
                    "prometheus",
                    "OTEL_EXPORTER_PROMETHEUS_HOST",
                    "127.0.0.1",
                    "OTEL_EXPORTER_PROMETHEUS_PORT",
                    Integer.toString(agentPort),
                    "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
                    "false",
                    configuration[0],
                    configuration[1]),
                work.resolve(configuration[1]),
                List.of("-jar", BUNDLE.toString(), "sidecar"))) {
          E2e.await(
              Duration.ofSeconds(90),
              () -> query(api, configuration[2] + "{user_id!=\"\"}").size() >= 3,
              () -> configuration[1] + ": " + query(api, configuration[2]));
          everyDashboardPanelAnswers(api, true);
          everyVariableHasValues(api);
        }
        // The next sidecar scrapes as the same instance: let this one's series go stale first.
        E2e.await(
            Duration.ofSeconds(60),
            () -> query(api, "up").size() > 0 && value(query(api, "up")) == 0,
            () -> "the target is not down yet");
      }
    } finally {
      stop(server);
      simulator.destroy();
      simulator.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(RegistryLocation.registryFile(home.toString()));
    }
  }

  /** Every variable of the dashboard but the datasource has values to pick from. */
  static void everyVariableHasValues(String api) throws IOException {
    for (JsonNode variable : GrafanaDashboardTest.dashboard().get("templating").get("list")) {
      if (!variable.get("type").asText().equals("datasource")) {
        assertFalse(
            variableValues(api, variable).isEmpty(),
            "variable " + variable.get("name").asText() + " has no values");
      }
    }
  }

  /** A dashboard variable's values as Grafana computes them, its own variables set to "All". */
  static Set<String> variableValues(String api, JsonNode variable) {
    String definition = variable.get("definition").asText().replace("$instance", ".*");
    Set<String> values = new TreeSet<>();
    Matcher labelValues = Pattern.compile("label_values\\((.*), *(\\w+)\\)").matcher(definition);
    if (labelValues.matches()) {
      query(api, "group by (" + labelValues.group(2) + ") (" + labelValues.group(1) + ")")
          .forEach(series -> values.add(series.path("metric").path(labelValues.group(2)).asText()));
      values.remove("");
      return values;
    }
    Matcher queryResult = Pattern.compile("query_result\\((.*)\\)").matcher(definition);
    assertTrue(queryResult.matches(), "a variable Grafana computes: " + definition);
    String regex = variable.get("regex").asText();
    Pattern pattern = Pattern.compile(regex.substring(1, regex.length() - 1));
    query(api, queryResult.group(1))
        .forEach(
            series -> {
              Matcher m =
                  pattern.matcher(
                      series
                          .path("metric")
                          .toString()
                          .replace("\":\"", "=\"")
                          .replace("\",\"", "\","));
              if (m.find()) {
                values.add(m.group(1));
              }
            });
    return values;
  }

  /** As {@link #everyDashboardPanelAnswers(String, boolean)} with a push exporter configured. */
  static void everyDashboardPanelAnswers(String api) throws IOException {
    everyDashboardPanelAnswers(api, false);
  }

  /**
   * Every query of the Grafana dashboard, its variables set to "All", against the real server: each
   * returns at least one series, except the panels that stay empty while all is well (registry
   * errors, dropped collections) and, where Prometheus is the only exporter, the export-health
   * panels, whose descriptions say they need a push exporter; those must still be valid queries.
   */
  static void everyDashboardPanelAnswers(String api, boolean prometheusOnly) throws IOException {
    for (JsonNode panel : GrafanaDashboardTest.queryPanels(GrafanaDashboardTest.dashboard())) {
      String title = panel.get("title").asText();
      boolean needsPush = panel.get("description").asText().contains("Needs a push exporter");
      boolean mayBeEmpty =
          title.equals("Registry errors")
              || title.equals("Collections dropped")
              || (prometheusOnly && needsPush);
      for (JsonNode target : panel.get("targets")) {
        String promql =
            target
                .get("expr")
                .asText()
                .replace("$instance", ".*")
                .replace("$sandbox", ".*")
                .replace("$user_id", ".*")
                .replace("$__rate_interval", "30s");
        E2e.await(
            Duration.ofSeconds(60),
            () -> {
              JsonNode body = queryBody(api, promql);
              return "success".equals(body.path("status").asText())
                  && (mayBeEmpty || body.path("data").path("result").size() > 0);
            },
            () -> title + ": " + promql + " -> " + queryBody(api, promql));
      }
    }
  }

  static JsonNode queryBody(String api, String promql) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              api
                                  + "/api/v1/query?query="
                                  + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      return JSON.createObjectNode().put("error", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JSON.createObjectNode().put("error", "interrupted");
    }
  }

  /** The result of an instant query; empty when it failed. */
  static JsonNode query(String api, String promql) {
    JsonNode body = queryBody(api, promql);
    return "success".equals(body.path("status").asText())
        ? body.path("data").path("result")
        : JSON.createArrayNode();
  }

  static Set<String> sandboxNames(JsonNode result) {
    Set<String> names = new TreeSet<>();
    result.forEach(series -> names.add(series.path("metric").path("sandbox_name").asText()));
    return names;
  }

  static double value(JsonNode result) {
    return result.size() == 0 ? -1 : Double.parseDouble(result.get(0).get("value").get(1).asText());
  }

  static String log(Path dir, String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return e.toString();
    }
  }

  static int run(String... command) {
    try {
      Process p = new ProcessBuilder(command).inheritIO().start();
      return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
