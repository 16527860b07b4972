package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.metrics.export.ReleasingMetricReader;
import dev.microsandbox.otel.metrics.export.SdkFeatures;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.metrics.settings.ResourceDefaults;
import dev.microsandbox.otel.sidecar.ExportTargets;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The extension in an SDK configured by properties ({@code OTEL_*}): the SDK's autoconfiguration
 * calls {@link #customize}, whose customizers read the settings, set the sidecar's defaults and
 * resource, wrap every push exporter and reader, and register the series producer on one {@link
 * ExtensionSetup}; the listener starts it once the SDK is built.
 */
final class PropertiesPath {

  static final String EXPORT_INTERVAL = "otel.metric.export.interval";
  static final String LOGS_EXPORTER = ExportTargets.LOGS_EXPORTER;
  static final String METRICS_EXPORTER = ExportTargets.METRICS_EXPORTER;
  private static final String OTLP = "otel.exporter.otlp.";
  private static final String METRICS_PATH = "/v1/metrics";
  private static final String LOGS_PATH = "/v1/logs";

  /** The OTLP exporter settings that exist per signal ({@code otel.exporter.otlp.<signal>.*}). */
  private static final List<String> OTLP_SETTINGS =
      List.of(
          "endpoint",
          "protocol",
          "headers",
          "compression",
          "timeout",
          "certificate",
          "client.key",
          "client.certificate");

  /**
   * The SDK's own telemetry (its exporters' and log processor's counters, by either naming), which
   * the sidecar leaves out: nobody asked for them, msb-metrics sends none, and the extension's
   * {@code microsandbox.collector.exports.*} tell the same story under our prefix.
   */
  static final List<String> SDK_SELF_METRICS =
      List.of("otlp.exporter.*", "otel.sdk.*", "processedLogs", "processedSpans", "queueSize");

  /** The agent's JVM metrics (its runtime-telemetry instrumentation), off in the sidecar. */
  static final String RUNTIME_TELEMETRY = "otel.instrumentation.runtime-telemetry.enabled";

  private PropertiesPath() {}

  static void customize(AutoConfigurationCustomizer customizer) {
    ExtensionSetup setup = ExtensionSetup.begin(ExtensionSetup.Configuration.PROPERTIES);
    customizer.addPropertiesCustomizer(config -> settingsAndDefaults(setup, config));
    customizer.addResourceCustomizer(
        (resource, config) ->
            setup.settings() == null || !setup.sidecar()
                ? resource // an application's resource is the application's
                : setup.guarded(
                    "setting the sidecar's resource defaults",
                    () -> ResourceDefaults.apply(resource, config, System.getenv()),
                    resource));
    customizer.addMetricExporterCustomizer(
        (exporter, config) ->
            setup.settings() == null
                ? exporter
                : setup.wrap(
                    exporter, false, target(exporter, new ExportTargets(config::getString))));
    customizer.addMeterProviderCustomizer(
        (builder, config) -> {
          if (setup.settings() == null) {
            return builder;
          }
          if (setup.sidecar()) {
            View drop = View.builder().setAggregation(Aggregation.drop()).build();
            SDK_SELF_METRICS.forEach(
                name ->
                    builder.registerView(InstrumentSelector.builder().setName(name).build(), drop));
          }
          setup.seriesProduced();
          return builder.registerMetricProducer(setup.producer);
        });
    if (SdkFeatures.hasReaderCustomizer()) {
      customizer.addMetricReaderCustomizer(
          (reader, config) -> {
            if (setup.settings() == null) {
              return reader;
            }
            setup.readerOpened();
            return new ReleasingMetricReader(reader, setup::readerShutDown);
          });
    }
    // Before agent 2.2 (SDK 1.36) readers cannot be wrapped: the registry mapping and the catalog
    // thread (a daemon) are then released when the JVM exits, and every collection gets new points.
  }

  /**
   * Reads the settings into {@code setup}; returns the properties the sidecar defaults (none in an
   * application, whose export interval and logs are the application's).
   */
  private static Map<String, String> settingsAndDefaults(
      ExtensionSetup setup, ConfigProperties config) {
    Duration configured = config.getDuration(EXPORT_INTERVAL);
    setup.exportInterval(
        configured != null
            ? configured.toMillis()
            : setup.sidecar()
                ? ExtensionSetup.SIDECAR_EXPORT_INTERVAL_MS
                : ExtensionSetup.SDK_EXPORT_INTERVAL_MS);
    MicrosandboxSettings active =
        setup.guarded(
            "reading the settings",
            () ->
                setup.parse(
                    MicrosandboxSettings.Source.of(config), exportsNothing(config), List.of()),
            null);
    setup.adopt(active);
    if (active == null || !setup.sidecar()) {
      return Collections.emptyMap();
    }
    // The sidecar exports every 10 s, as msb-metrics does, unless told otherwise.
    Map<String, String> defaults = sidecarLogs(config, active.events());
    if (config.getString(EXPORT_INTERVAL) == null) {
      defaults.put(EXPORT_INTERVAL, Long.toString(ExtensionSetup.SIDECAR_EXPORT_INTERVAL_MS));
    }
    // On purpose, whatever the SDK's default: an endpoint without authentication is this host's
    // until the operator opens it.
    if (config.getString(ExportTargets.PROMETHEUS_HOST) == null) {
      defaults.put(ExportTargets.PROMETHEUS_HOST, "localhost");
    }
    // The agent form's JVM metrics describe the sidecar's own JVM: nobody asked for them.
    if (config.getString(RUNTIME_TELEMETRY) == null) {
      defaults.put(RUNTIME_TELEMETRY, "false");
    }
    setup.destinations(destinations(withDefaults(config, defaults), active.events()));
    return defaults;
  }

  /** {@code config} as the SDK will see it once {@code defaults} apply where it has no value. */
  private static ExportTargets withDefaults(ConfigProperties config, Map<String, String> defaults) {
    return new ExportTargets(
        key -> {
          String value = config.getString(key);
          return value != null ? value : defaults.get(key);
        });
  }

  /** The sidecar's exporters and where they send, and where its run events go, in one phrase. */
  static String destinations(ExportTargets targets, boolean events) {
    String logs = targets.logsExporter();
    return "metrics to "
        + targets.metrics()
        + "; run events "
        + (!events
            ? "off"
            : logs.equals("otlp")
                ? "on, " + targets.otlp("logs")
                : logs.equals("none")
                    ? "on, but no logs exporter sends them (set OTEL_LOGS_EXPORTER)"
                    : "on, to " + logs);
  }

  /**
   * The sidecar's logs, where {@code otel.logs.exporter} is unset: none, since it has no logs of
   * its own, unless the run events are on and the metrics go over OTLP: then the events go where
   * the metrics go (each metrics-only OTLP setting the logs lack is copied, the endpoint's {@code
   * /v1/metrics} path becoming {@code /v1/logs}).
   */
  static Map<String, String> sidecarLogs(ConfigProperties config, boolean events) {
    Map<String, String> logs = new HashMap<>();
    if (config.getString(LOGS_EXPORTER) != null) {
      return logs;
    }
    boolean otlp = config.getList(METRICS_EXPORTER, List.of("otlp")).contains("otlp");
    logs.put(LOGS_EXPORTER, events && otlp ? "otlp" : "none");
    if (!events || !otlp) {
      return logs;
    }
    for (String setting : OTLP_SETTINGS) {
      String metrics = config.getString(OTLP + "metrics." + setting);
      if (metrics != null
          && config.getString(OTLP + setting) == null
          && config.getString(OTLP + "logs." + setting) == null) {
        logs.put(
            OTLP + "logs." + setting,
            setting.equals("endpoint") && metrics.endsWith(METRICS_PATH)
                ? metrics.substring(0, metrics.length() - METRICS_PATH.length()) + LOGS_PATH
                : metrics);
      }
    }
    return logs;
  }

  /** Where {@code exporter} sends, for its failure lines: the OTLP endpoint, or its kind. */
  static String target(MetricExporter exporter, ExportTargets targets) {
    String kind = exporter.getClass().getSimpleName();
    return kind.startsWith("Otlp") ? targets.otlp("metrics") : kind;
  }

  private static boolean exportsNothing(ConfigProperties config) {
    List<String> exporters = config.getList(METRICS_EXPORTER);
    return exporters.size() == 1 && exporters.get(0).trim().equalsIgnoreCase("none");
  }
}
