package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.metrics.export.DeclaredExporters;
import dev.microsandbox.otel.metrics.settings.DeclarativeSettings;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension in an SDK built from a declarative configuration file. On agent 2.28+ the file's
 * push exporters are wrapped as the SDK is built ({@link #wrap}: they then add the sandbox series
 * themselves, since no producer can be registered from a file) and its model is seen ({@link
 * #readersSeen}); on any agent the settings are read from the file's instrumentation node once the
 * SDK is built ({@link #read}).
 */
final class DeclarativePath {

  private static final Logger LOGGER = Logger.getLogger(DeclarativePath.class.getName());

  private DeclarativePath() {}

  /** The declarative customizer runs: a file is being read, and its exporters will be wrapped. */
  static ExtensionSetup begin() {
    return ExtensionSetup.begin(ExtensionSetup.Configuration.FILE_WRAPPED);
  }

  /**
   * The file's configuration model, before the SDK is built from it: without a pull reader, the
   * wrapped push exporters carry every sandbox series, and no instrument observes them.
   */
  static void readersSeen(ExtensionSetup setup, Object model) {
    setup.needsInstruments(DeclaredExporters.hasPullReader(model));
  }

  /**
   * A push exporter of the file, wrapped before the settings are known: it counts exports, takes
   * the outage buffer once the settings ask for one, and adds the sandbox series. Never throws.
   */
  static MetricExporter wrap(ExtensionSetup setup, MetricExporter exporter) {
    try {
      MetricExporter copy = DeclaredExporters.copyOf(exporter);
      if (copy == null) {
        LOGGER.info(
            "microsandbox metrics: "
                + exporter
                + " is not a kind the extension can wrap"
                + " under a declarative configuration; its exports carry the sandbox gauges without"
                + " export health, the outage buffer or the semantic-convention counters");
        setup.needsInstruments(true);
        return exporter;
      }
      return setup.wrap(copy, true, copy.getClass().getSimpleName());
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(
          Level.WARNING,
          "microsandbox metrics: wrapping "
              + exporter
              + " failed; its"
              + " exports go out without export health and the outage buffer",
          e);
      setup.needsInstruments(true);
      return exporter;
    }
  }

  /**
   * The settings of the file {@code sdk} was built from, or null (off, with one line saying why).
   */
  static MicrosandboxSettings read(ExtensionSetup setup, OpenTelemetrySdk sdk) {
    DeclarativeSettings file = DeclarativeSettings.of(sdk, System.getenv());
    if (file == null) {
      return ExtensionSetup.off(
          Level.WARNING,
          "microsandbox metrics are off: the agent built its SDK without"
              + " calling the extension's configuration customizer, and offers no declarative"
              + " configuration to read the settings from (a declarative configuration file needs"
              + " agent 2.26 or newer)");
    }
    MicrosandboxSettings parsed = setup.parse(file, false, file.unknownKeys());
    if (parsed != null && setup.configuration != ExtensionSetup.Configuration.FILE_WRAPPED) {
      LOGGER.warning(
          "microsandbox metrics: with a declarative configuration file, this agent"
              + " (before 2.28) lets no extension wrap the file's exporters: sandbox gauges are"
              + " exported, but export health (microsandbox.collector.exports.*), the outage buffer"
              + " and the semantic-convention counters are off. Agent 2.28 or newer has them all");
    } else if (parsed != null && setup.needsInstruments()) {
      LOGGER.info(
          "microsandbox metrics: this declarative configuration file has a pull reader"
              + " (Prometheus) or an exporter the extension cannot wrap, and the SDK takes no"
              + " metric producer from a file: the sandbox gauges are SDK instruments, which fold"
              + " the sandboxes beyond the reader's cardinality limit (2000 unless the reader sets"
              + " cardinality_limits) into one overflow point, and the semantic-convention"
              + " counters go to the push exporters only. Configured by OTEL_* variables, every"
              + " reader gets every sandbox");
    }
    return parsed;
  }
}
