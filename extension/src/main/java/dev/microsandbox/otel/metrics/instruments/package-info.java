/**
 * The extension's instruments on the SDK's meter: {@code SandboxMetrics} registers them and runs
 * the batch callback (the sandbox gauges where they must be instruments, {@code ObservedGauges};
 * the collector's health, {@code CollectorHealth}; the export outcomes, {@code ExportHealth} of
 * {@code ExportStats}) and produces the sandbox series of the latest pass as metric data. Uses
 * {@code sampling}, {@code data} and {@code series}; used by {@code export} and the wiring.
 */
package dev.microsandbox.otel.metrics.instruments;
