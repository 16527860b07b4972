/**
 * What the extension exports: every sandbox series ({@code SandboxSeries}, one constant per metric
 * and point attributes) and the collector's health series ({@code CollectorSeries}), which of them
 * a configuration reports ({@code SeriesSelection} of an {@code InstrumentSet}), with which
 * attributes ({@code SandboxAttributes} builds a sandbox's {@code SeriesAttributes}), which
 * sandboxes at all ({@code SandboxFilter}), and under which scope ({@code MetricsScope}). The
 * lowest room of {@code metrics}: it uses only {@code registry}, {@code labels}, {@code lifecycle}
 * and {@code support}; every other room of {@code metrics} may use it.
 */
package dev.microsandbox.otel.metrics.series;
