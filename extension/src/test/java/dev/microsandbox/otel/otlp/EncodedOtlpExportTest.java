package dev.microsandbox.otel.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import io.opentelemetry.exporter.logging.LoggingMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The encoded export through the SDK's real OTLP exporters, to a real OTLP receiver. */
class EncodedOtlpExportTest {

  @Test
  void httpProtobufSendsWhatTheExporterSendsWithItsHeadersAndCompression() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.http()) {
      for (MemoryMode mode : MemoryMode.values()) {
        MetricExporter exporter =
            OtlpHttpMetricExporter.builder()
                .setEndpoint(receiver.endpoint() + "/v1/metrics")
                .addHeader("x-tenant", "acme")
                .setCompression("gzip")
                .setMemoryMode(mode)
                .build();
        assertSameRequestAsTheExporter(
            exporter, receiver, MetricsRequestEncoderTest.collect(false, false), mode.toString());
        List<OtlpReceiver.Received> received = receiver.received();
        OtlpReceiver.Received ours = received.get(received.size() - 1);
        assertEquals("acme", ours.headers().get("x-tenant"));
        assertEquals("gzip", ours.headers().get("content-encoding"));
      }
    }
  }

  @Test
  void grpcSendsWhatTheExporterSends() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.grpc()) {
      MetricExporter exporter =
          OtlpGrpcMetricExporter.builder()
              .setEndpoint(receiver.endpoint())
              .addHeader("x-tenant", "acme")
              .build();
      assertSameRequestAsTheExporter(
          exporter, receiver, MetricsRequestEncoderTest.collect(false, false), "grpc");
      List<OtlpReceiver.Received> received = receiver.received();
      assertEquals("acme", received.get(received.size() - 1).headers().get("x-tenant"));
    }
  }

  @Test
  void aRequestOfManyWriteSlicesArrivesWhole() throws Exception {
    List<MetricData> large = List.of(MetricsRequestEncoderTest.gauge(1, 20_000));
    try (OtlpReceiver receiver = OtlpReceiver.http()) {
      MetricExporter exporter =
          OtlpHttpMetricExporter.builder().setEndpoint(receiver.endpoint() + "/v1/metrics").build();
      assertSameRequestAsTheExporter(exporter, receiver, large, "http/protobuf");
      int size = receiver.received().get(1).request().getSerializedSize();
      assertTrue(size > 4 * (64 << 10), "a request of " + size + " bytes, several write slices");
    }
    try (OtlpReceiver receiver = OtlpReceiver.grpc()) {
      MetricExporter exporter =
          OtlpGrpcMetricExporter.builder().setEndpoint(receiver.endpoint()).build();
      assertSameRequestAsTheExporter(exporter, receiver, large, "grpc");
    }
  }

  @Test
  void otherExportersAndJsonAreLeftToThemselves() throws Exception {
    assertNull(EncodedOtlpExport.of(LoggingMetricExporter.create()), "the console");
    // http/json is chosen in a declarative file; its component provider calls this builder method.
    OtlpHttpMetricExporterBuilder builder = OtlpHttpMetricExporter.builder();
    Method asJson = OtlpHttpMetricExporterBuilder.class.getDeclaredMethod("exportAsJson");
    asJson.setAccessible(true);
    asJson.invoke(builder);
    MetricExporter json = builder.build();
    assertNull(EncodedOtlpExport.of(json), "http/json");
    json.shutdown().join(5, TimeUnit.SECONDS);
  }

  @Test
  void aRequestItDeclinesIsNotSentAndAFailedSendIsAFailure() throws Exception {
    MetricExporter exporter =
        OtlpHttpMetricExporter.builder()
            .setEndpoint("http://127.0.0.1:1/v1/metrics")
            .setTimeout(2, TimeUnit.SECONDS)
            .build();
    EncodedOtlpExport encoded = EncodedOtlpExport.of(exporter);
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
    provider.get("s").histogramBuilder("latency").build().record(3.0);
    assertNull(encoded.export(reader.collectAllMetrics()), "a histogram goes to the exporter");

    CompletableResultCode sent = encoded.export(MetricsRequestEncoderTest.collect(false, false));
    assertTrue(sent.join(30, TimeUnit.SECONDS).isDone());
    assertFalse(sent.isSuccess(), "nothing listens on port 1");
    exporter.shutdown().join(5, TimeUnit.SECONDS);
  }

  /**
   * Sends one collection through the exporter itself and then through the encoded export of the
   * same exporter; the receiver decodes the same request from both.
   */
  private static void assertSameRequestAsTheExporter(
      MetricExporter exporter, OtlpReceiver receiver, Collection<MetricData> metrics, String what) {
    EncodedOtlpExport encoded = EncodedOtlpExport.of(exporter);
    assertNotNull(encoded, what);
    int before = receiver.received().size();
    assertTrue(exporter.export(metrics).join(10, TimeUnit.SECONDS).isSuccess(), what);
    CompletableResultCode sent = encoded.export(metrics);
    assertNotNull(sent, what);
    assertTrue(sent.join(10, TimeUnit.SECONDS).isSuccess(), what);
    List<OtlpReceiver.Received> received = receiver.received();
    assertEquals(before + 2, received.size(), what);
    assertEquals(
        MetricsRequestEncoderTest.sorted(received.get(before).request()),
        MetricsRequestEncoderTest.sorted(received.get(before + 1).request()),
        what);
    assertEquals(
        metrics.stream().mapToLong(m -> m.getData().getPoints().size()).sum(),
        Otlp.points(List.of(received.get(before + 1).request())).size(),
        what + ": every point arrived");
    exporter.shutdown().join(5, TimeUnit.SECONDS);
  }
}
