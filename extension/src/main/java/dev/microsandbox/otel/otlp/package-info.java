/**
 * OTLP encoding of our own: number gauges and sums written into the protobuf the SDK's marshaler
 * writes, with each distinct attribute set encoded once ({@code MetricsRequestEncoder}; points held
 * as columns, {@code NumberColumns}, are read from their arrays), and sent through the transport of
 * the SDK's OTLP exporter the user configured ({@code EncodedOtlpExport}), so that its endpoint,
 * headers, TLS, compression and retry still apply. Depends only on {@code support} and the
 * OpenTelemetry SDK.
 */
package dev.microsandbox.otel.otlp;
