package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.otlp.EncodedOtlpExport;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;

/**
 * Sends one request of a wrapped exporter: encoded by us through the delegate's own transport where
 * the delegate is an OTLP protobuf exporter and the request is all number series ({@link
 * EncodedOtlpExport}), else by the delegate.
 */
final class RequestSender {

  private final MetricExporter delegate;
  private final EncodedOtlpExport encoded; // null: the delegate encodes every request

  RequestSender(MetricExporter delegate) {
    this.delegate = delegate;
    this.encoded = EncodedOtlpExport.of(delegate);
  }

  CompletableResultCode send(Collection<MetricData> batch) {
    CompletableResultCode sent = encoded == null ? null : encoded.export(batch);
    return sent != null ? sent : delegate.export(batch);
  }
}
