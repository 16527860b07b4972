/**
 * The sandbox metrics on OpenTelemetry. The top floor with {@code cli}: it may use every other
 * package; none uses it.
 *
 * <p>What lives here, by role:
 *
 * <ul>
 *   <li>Start-up: the entry points the agent and the SDK find by service loader (the customizer
 *       providers, the agent listener, in {@code src/main/java8}) or the bundle calls ({@code
 *       StandaloneSidecar}); {@code MicrosandboxAutoConfiguration} wires the rest into the SDK
 *       being built; {@code RunMode} says whose defaults apply.
 *   <li>Settings, read once into immutable objects: {@code MicrosandboxSettings} (from {@code
 *       OTEL_*} variables and properties, or {@code DeclarativeSettings} from a file), {@code
 *       SettingNames}, {@code ResourceDefaults}.
 *   <li>The series model. {@code SandboxSeries}: every series the extension can report, one
 *       constant per metric and point attributes. {@code SeriesSelection}: which of them this
 *       configuration reports ({@code InstrumentSet} minus exclusions). {@code SandboxAttributes}:
 *       builds one sandbox's {@code SeriesAttributes} (its attributes for each series) and decides,
 *       with {@code SandboxFilter}, whether it is reported at all.
 *   <li>Sampling: {@code SandboxSampler} runs registry passes, on each collection or on its own
 *       period into the outage buffer {@code SampleBuffer}, and hands each to the {@code lifecycle}
 *       run tracker (the start and stop events, the stops counter).
 *   <li>Towards the SDK: {@code SandboxMetrics} registers the health instruments; {@code
 *       SandboxSeriesProducer} adds the sandbox series; {@code MetricDataBuilder} turns samples
 *       into points, held as columns ({@code PointColumns}, which our encoder reads as arrays and
 *       every other exporter as the SDK's point objects) and grouped into {@code SandboxMetricData}
 *       (the SDK's {@code MetricData}); {@code SandboxPushExporter} wraps each push exporter
 *       (export health, the outage buffer in bounded requests, counters and their deltas via {@code
 *       DeltaSums}, OTLP requests of number series encoded by the {@code otlp} package); {@code
 *       ReleasingMetricReader} wraps each reader and releases the registry after the last one shuts
 *       down.
 * </ul>
 *
 * <p>One package on purpose: the roles above share package-private members, and the settings and
 * the series model refer to each other ({@code MicrosandboxSettings} holds a {@code
 * SeriesSelection} and a {@code SandboxFilter}; {@code SandboxAttributes.from} reads the settings),
 * so sub-packages by role would need those members public and an import running back up. The
 * boundary that matters, what other packages may use, stays clearer with one package and few public
 * classes.
 */
package dev.microsandbox.otel.metrics;
