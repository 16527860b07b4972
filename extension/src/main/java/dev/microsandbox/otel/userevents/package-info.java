/**
 * The {@code user_events} metrics exporter: OTLP protobuf in Linux tracepoints, in the event format
 * of OpenTelemetry's Rust exporter, batched ({@code EventBatcher}) and written through a tracepoint
 * seam ({@code Tracepoints}: FFM on 22+, unavailable before). Selectable by name like any exporter,
 * from {@code OTEL_METRICS_EXPORTER} or a declarative file. Depends only on {@code support} and the
 * OpenTelemetry SDK; it exports any metrics, not only the sandboxes'.
 */
package dev.microsandbox.otel.userevents;
