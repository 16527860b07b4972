package dev.microsandbox.otel.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportTargetsTest {

  static ExportTargets of(String... pairs) {
    Map<String, String> settings = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      settings.put(pairs[i], pairs[i + 1]);
    }
    return new ExportTargets(settings::get);
  }

  @Test
  void endpointsResolveAsTheSdksAutoconfigurationResolvesThem() {
    assertEquals("http://localhost:4318/v1/metrics", of().endpoint("metrics"));
    assertEquals(
        "http://localhost:4317", of("otel.exporter.otlp.protocol", "grpc").endpoint("metrics"));
    assertEquals(
        "https://c:443/v1/logs",
        of("otel.exporter.otlp.endpoint", "https://c:443/").endpoint("logs"));
    assertEquals(
        "https://c:443/custom",
        of(
                "otel.exporter.otlp.endpoint",
                "https://c:443",
                "otel.exporter.otlp.metrics.endpoint",
                "https://c:443/custom")
            .endpoint("metrics"));
    assertEquals(
        "grpc",
        of(
                "otel.exporter.otlp.protocol",
                "http/protobuf",
                "otel.exporter.otlp.metrics.protocol",
                "grpc")
            .protocol("metrics"));
  }

  @Test
  void noSecretIsPrinted() {
    assertEquals(
        "https://gateway.example:8443/v1/metrics",
        of(
                "otel.exporter.otlp.metrics.endpoint",
                "https://user:token@gateway.example:8443/v1/metrics?api-key=s3cret")
            .endpoint("metrics"));
    assertEquals(
        "https://gateway.example/v1/metrics",
        of("otel.exporter.otlp.endpoint", "https://user:token@gateway.example")
            .endpoint("metrics"));
  }

  @Test
  void everyExporterIsNamedWithWhereItSends() {
    assertEquals(
        "otlp (OTLP grpc to http://collector:4317), prometheus (http://localhost:9464/metrics"
            + " (this host only; OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0 opens it to other hosts)),"
            + " console",
        of(
                "otel.metrics.exporter",
                "otlp, prometheus,console",
                "otel.exporter.otlp.protocol",
                "grpc",
                "otel.exporter.otlp.endpoint",
                "http://collector:4317")
            .metrics());
    assertEquals(
        "http://0.0.0.0:9465/metrics",
        of("otel.exporter.prometheus.host", "0.0.0.0", "otel.exporter.prometheus.port", "9465")
            .prometheus());
  }
}
