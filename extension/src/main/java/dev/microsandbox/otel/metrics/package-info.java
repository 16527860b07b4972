/**
 * The sandbox metrics on OpenTelemetry: the settings read once at start ({@code
 * MicrosandboxSettings}), the instruments and their callbacks ({@code SandboxMetrics}), the series
 * they report ({@code SandboxSeries}), sampling on a period with the outage buffer ({@code
 * SandboxSampler}, {@code SampleBuffer}), the wrappers around the SDK's exporters and readers, and
 * the entry points the agent and the SDK find by service loader (the customizer providers, the
 * agent listener) or the bundle calls ({@code StandaloneSidecar}). The top floor with {@code cli}:
 * it may use every other package; none uses it.
 */
package dev.microsandbox.otel.metrics;
