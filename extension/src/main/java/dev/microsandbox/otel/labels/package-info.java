/**
 * Sandbox labels from msb's SQLite catalog: read on a background thread ({@code CatalogLabels}),
 * served per sandbox without blocking a collection ({@code LabelSource}). {@code CatalogWriter}
 * writes a catalog the way msb does, for the simulator and the tests. Depends on {@code registry}
 * (sandbox ids) and {@code support}; knows nothing of OpenTelemetry.
 */
package dev.microsandbox.otel.labels;
