package dev.microsandbox.otel.otel;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryReader;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.time.InstantSource;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wires the extension into the agent once the JVM is known to be new enough: settings from the
 * autoconfigured properties, resource defaults, the counting exporter wrapper, and, after the SDK is
 * built, the instruments. The agent creates the customizer and the listener as separate service
 * instances, so what one learns for the other is kept here. Nothing here lets an exception reach
 * the agent: a failure switches the extension off with one log line.
 */
final class MicrosandboxAutoConfiguration {

  private static final Logger LOGGER = Logger.getLogger(MicrosandboxAutoConfiguration.class.getName());
  private static final ExportStats STATS = new ExportStats();

  /** Null until the properties are read, and when they are invalid or disable the extension. */
  private static volatile MicrosandboxSettings settings;
  private static volatile boolean exporterWrapped;

  private MicrosandboxAutoConfiguration() {}

  static void customize(AutoConfigurationCustomizer customizer) {
    customizer.addPropertiesCustomizer(config -> {
      settings = guarded("reading the settings", () -> parse(config), null);
      return Map.of();
    });
    customizer.addResourceCustomizer((resource, config) -> settings == null ? resource
        : guarded("setting resource defaults",
            () -> ResourceDefaults.apply(resource, config, System.getenv()), resource));
    customizer.addMetricExporterCustomizer((exporter, config) -> {
      if (settings == null) {
        return exporter;
      }
      exporterWrapped = true;
      return new CountingMetricExporter(exporter, STATS, InstantSource.system());
    });
  }

  /**
   * Registers the instruments on the built SDK's meter provider; returns them, or null when the
   * extension is off. The SDK's callbacks keep them alive.
   */
  static SandboxMetrics start(MeterProvider meterProvider) {
    MicrosandboxSettings active = settings;
    if (active == null) {
      return null;
    }
    SandboxMetrics metrics = guarded("registering the sandbox instruments",
        () -> create(meterProvider, active, exporterWrapped ? STATS : null), null);
    if (metrics != null) {
      LOGGER.info("microsandbox metrics on: registry " + active.registry() + ", maximum sample age "
          + active.maxSampleAge() + ", extension " + ExtensionVersion.VERSION);
    }
    return metrics;
  }

  /** The metrics for {@code settings} on {@code meterProvider}. */
  static SandboxMetrics create(MeterProvider meterProvider, MicrosandboxSettings settings,
      ExportStats stats) {
    RegistryReader reader = new RegistryReader(settings.registry(), settings.readerOptions(),
        InstantSource.system());
    LabelSource labels = settings.labelsEnabled()
        ? new CatalogLabels(settings.catalog(), settings.labelsExclude(), settings.labelsTimeout())
        : LabelSource.NONE;
    return new SandboxMetrics(meterProvider, reader, labels,
        new SandboxAttributes(settings.emitRunId(), settings.emitPid()), stats);
  }

  private static MicrosandboxSettings parse(ConfigProperties config) {
    try {
      MicrosandboxSettings parsed = MicrosandboxSettings.from(config, System.getenv());
      if (!parsed.enabled()) {
        LOGGER.info("microsandbox metrics are off (" + MicrosandboxSettings.envName(
            MicrosandboxSettings.ENABLED) + "=false)");
        return null;
      }
      return parsed;
    } catch (MicrosandboxSettings.Invalid e) {
      LOGGER.severe("microsandbox metrics are off: " + e.getMessage() + ". Fix the setting and"
          + " restart; the application itself is unaffected.");
      return null;
    }
  }

  private static <T> T guarded(String what, Supplier<T> action, T fallback) {
    try {
      return action.get();
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(Level.SEVERE, "microsandbox metrics are off: " + what + " failed", e);
      settings = null;
      return fallback;
    }
  }
}
