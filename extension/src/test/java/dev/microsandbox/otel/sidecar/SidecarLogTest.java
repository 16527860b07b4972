package dev.microsandbox.otel.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class SidecarLogTest {

  @Test
  void levelAndFormatComeFromTheVariablesAPropertyWinningAndBadValuesAreSaid() {
    SidecarLog log =
        SidecarLog.of(
            Map.of("OTEL_MICROSANDBOX_LOG_LEVEL", "warn", "OTEL_MICROSANDBOX_LOG_FORMAT", "JSON"),
            new Properties());
    assertEquals(SidecarLog.Level.WARN, log.level());
    assertTrue(log.json());
    Properties system = new Properties();
    system.setProperty(SidecarLog.LEVEL, "debug");
    assertEquals(
        SidecarLog.Level.DEBUG,
        SidecarLog.of(Map.of("OTEL_MICROSANDBOX_LOG_LEVEL", "error"), system).level());
    SidecarLog bad = SidecarLog.of(Map.of("OTEL_MICROSANDBOX_LOG_LEVEL", "loud"), new Properties());
    assertEquals(SidecarLog.Level.INFO, bad.level());
    assertFalse(bad.json());
  }

  @Test
  void theAgentsDebugAndNoneSwitchesApplyWhereNoLevelIsSet() {
    assertEquals(
        SidecarLog.Level.DEBUG,
        SidecarLog.of(Map.of("OTEL_JAVAAGENT_DEBUG", "true"), new Properties()).level());
    assertEquals(
        SidecarLog.Level.OFF,
        SidecarLog.of(Map.of("OTEL_JAVAAGENT_LOGGING", "none"), new Properties()).level());
    assertEquals(
        SidecarLog.Level.ERROR,
        SidecarLog.of(
                Map.of("OTEL_JAVAAGENT_DEBUG", "true", "OTEL_MICROSANDBOX_LOG_LEVEL", "error"),
                new Properties())
            .level());
  }

  @Test
  void aJsonRecordIsOneLineInUpstreamsShapeWithItsStackTraceEscaped() throws Exception {
    LogRecord record = new LogRecord(Level.WARNING, "exports to {0} fail");
    record.setParameters(new Object[] {"http://collector:4318/v1/metrics"});
    record.setLoggerName("dev.microsandbox.otel.metrics.export.SandboxPushExporter");
    record.setThrown(new IllegalStateException("boom\nsecond line"));
    String line = new JsonLogFormatter().format(record);
    assertTrue(line.endsWith("\n"));
    assertEquals(1, line.split("\n").length, line);
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("WARN", json.get("level").asText());
    assertEquals(
        "exports to http://collector:4318/v1/metrics fail",
        json.get("fields").get("message").asText());
    assertEquals(
        "dev.microsandbox.otel.metrics.export.SandboxPushExporter", json.get("target").asText());
    assertTrue(json.get("fields").get("error").asText().contains("boom\nsecond line"));
    assertTrue(json.get("timestamp").asText().endsWith("Z"), json.toString());
  }

  @Test
  void theExportersPerFailureTracesAreLeftOutBelowDebugOnly() {
    LogRecord failure =
        new LogRecord(Level.SEVERE, "Failed to export metrics. The request could not be executed.");
    failure.setLoggerName("io.opentelemetry.exporter.internal.http.HttpExporter");
    failure.setThrown(new java.net.ConnectException("Connection refused"));
    LogRecord status =
        new LogRecord(Level.SEVERE, "Failed to export metrics. Server responded with 401");
    status.setLoggerName("io.opentelemetry.exporter.internal.http.HttpExporter");
    LogRecord reader = new LogRecord(Level.WARNING, "Exporter failed");
    reader.setLoggerName("io.opentelemetry.sdk.metrics.export.PeriodicMetricReader");
    SidecarLog info = SidecarLog.of(Map.of(), new Properties());
    assertFalse(info.handler().isLoggable(failure), "said once by the extension instead");
    assertFalse(info.handler().isLoggable(reader), "said once by the extension instead");
    assertTrue(info.handler().isLoggable(status), "a rejection's own words stay");
    SidecarLog debug =
        SidecarLog.of(Map.of("OTEL_MICROSANDBOX_LOG_LEVEL", "debug"), new Properties());
    assertTrue(debug.handler().isLoggable(failure));
  }
}
