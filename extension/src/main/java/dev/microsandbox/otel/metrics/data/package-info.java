/**
 * Points built from a registry pass: {@code MetricDataBuilder} turns samples into points, held as
 * columns ({@code PointColumns}, which our OTLP encoder reads as arrays and every other exporter as
 * the SDK's point objects), grouped into {@code SandboxMetricData} (the SDK's {@code MetricData}).
 * Uses {@code series}, {@code otlp} and {@code registry}; used by {@code sampling}, {@code
 * instruments} and {@code export}.
 */
package dev.microsandbox.otel.metrics.data;
