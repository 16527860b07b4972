/**
 * Towards the SDK's exporters and readers: {@code SandboxPushExporter} wraps each push exporter
 * (export outcomes, one line per failure episode), drawing on the outage buffer through its {@code
 * BufferCursor} in {@code BufferedExport}s of bounded requests continued on a {@code
 * FollowOnThread}, with counters as deltas where the exporter prefers them ({@code DeltaSums}),
 * each request sent by our OTLP encoder or the delegate ({@code RequestSender}); {@code
 * SandboxSeriesProducer} adds the sandbox series to every collection, and {@code
 * ReleasingMetricReader} wraps each reader and releases the registry after the last one shuts down;
 * {@code DeclaredExporters} copies a declarative file's exporters. Uses every room of {@code
 * metrics} below it and {@code otlp}; used by the wiring only.
 */
package dev.microsandbox.otel.metrics.export;
