package dev.microsandbox.otel.metrics.export;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.sdk.autoconfigure.declarativeconfig.DeclarativeConfiguration;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Whether a file has a pull reader decides whether the sandbox gauges must be SDK instruments; read
 * from the model the SDK's own parser makes of a real file.
 */
class DeclaredExportersTest {

  static Object model(String readers) {
    String yaml = "file_format: \"1.0\"\nmeter_provider:\n  readers:\n" + readers;
    return DeclarativeConfiguration.parse(
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  static final String PUSH =
      "    - periodic:\n        exporter:\n          otlp_http:\n"
          + "            endpoint: http://127.0.0.1:4318/v1/metrics\n";
  static final String PULL =
      "    - pull:\n        exporter:\n          prometheus/development:\n            port: 9464\n";

  @Test
  void onlyPushReadersNeedNoInstruments() {
    assertFalse(DeclaredExporters.hasPullReader(model(PUSH)));
  }

  @Test
  void aPullReaderNeedsThem() {
    assertTrue(DeclaredExporters.hasPullReader(model(PUSH + PULL)));
  }

  @Test
  void aModelOfUnknownShapeKeepsThem() {
    assertTrue(DeclaredExporters.hasPullReader(new Object()), "safe side: instruments");
  }

  @Test
  void noMeterProviderMeansNoReader() {
    Object model =
        DeclarativeConfiguration.parse(
            new ByteArrayInputStream("file_format: \"1.0\"\n".getBytes(StandardCharsets.UTF_8)));
    assertFalse(DeclaredExporters.hasPullReader(model));
  }
}
