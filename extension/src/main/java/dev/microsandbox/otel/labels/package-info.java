/**
 * Sandbox labels from msb's SQLite catalog: read on a background thread ({@code CatalogLabels}),
 * served per sandbox without blocking a collection ({@code LabelSource}). (The catalog writer of
 * the simulator and the tests lives with the tests: the extension never writes.) Depends on {@code
 * registry} (sandbox ids) and {@code support}; knows nothing of OpenTelemetry.
 */
package dev.microsandbox.otel.labels;
