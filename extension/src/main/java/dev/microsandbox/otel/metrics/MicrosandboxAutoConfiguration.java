package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wires the extension into the agent once the JVM is known to be new enough: settings from the
 * autoconfigured properties, the sidecar's resource defaults, the counting exporter wrapper, the
 * producer of the sandbox counters, the reader wrapper that releases everything at SDK shutdown,
 * and, after the SDK is built, the instruments. The agent creates the customizer and the listener as separate service instances, so
 * what one learns for the other is kept here. Nothing here lets an exception reach the agent: a
 * failure switches the extension off with one log line.
 */
final class MicrosandboxAutoConfiguration {

  /** The sidecar's defaults, upstream's: sample every second, export every ten. */
  static final Duration SIDECAR_COLLECT_INTERVAL = Duration.ofSeconds(1);
  static final String SIDECAR_EXPORT_INTERVAL_MS = "10000";
  static final String EXPORT_INTERVAL = "otel.metric.export.interval";
  /** The SDK's export interval when none is set. */
  static final long SDK_EXPORT_INTERVAL_MS = 60_000;

  /** A maximum sample age below this cannot be met by any real sampling period (msb samples ~1 s). */
  static final Duration SHORTEST_SENSIBLE_SAMPLE_AGE = Duration.ofSeconds(1);

  private static final Logger LOGGER = Logger.getLogger(MicrosandboxAutoConfiguration.class.getName());
  private static final ExportStats STATS = new ExportStats();
  private static final RunMode MODE = RunMode.detect();

  /** Null until the properties are read, and when they are invalid or disable the extension. */
  private static volatile MicrosandboxSettings settings;
  private static volatile boolean exporterWrapped;
  private static volatile SandboxMetrics metrics;
  /** The outage buffer, when sampling runs on its own period; null otherwise. */
  private static volatile SampleBuffer buffer;
  /** The push exporters' interval as configured, or the default of this mode. */
  private static volatile long exportIntervalMs = SDK_EXPORT_INTERVAL_MS;
  private static final AtomicInteger openReaders = new AtomicInteger();

  private MicrosandboxAutoConfiguration() {}

  static void customize(AutoConfigurationCustomizer customizer) {
    customizer.addPropertiesCustomizer(config -> {
      settings = guarded("reading the settings", () -> parse(config), null);
      MicrosandboxSettings active = settings;
      // One buffer per SDK, exactly when sampling runs on its own period (null resets an earlier one).
      buffer = active != null && collectInterval(active) != null
          ? new SampleBuffer(active.maxBuffered(), active.series().enabled()) : null;
      Duration configured = config.getDuration(EXPORT_INTERVAL);
      exportIntervalMs = configured != null ? configured.toMillis()
          : MODE == RunMode.SIDECAR ? Long.parseLong(SIDECAR_EXPORT_INTERVAL_MS)
          : SDK_EXPORT_INTERVAL_MS;
      // The sidecar exports every 10 s, as msb-metrics does, unless told otherwise; an
      // application's export interval is the application's.
      return active != null && MODE == RunMode.SIDECAR && config.getString(EXPORT_INTERVAL) == null
          ? Collections.singletonMap(EXPORT_INTERVAL, SIDECAR_EXPORT_INTERVAL_MS)
          : Collections.emptyMap();
    });
    customizer.addResourceCustomizer((resource, config) -> settings == null || MODE != RunMode.SIDECAR
        ? resource // an application's resource is the application's
        : guarded("setting the sidecar's resource defaults",
            () -> ResourceDefaults.apply(resource, config, System.getenv()), resource));
    customizer.addMetricExporterCustomizer((exporter, config) -> {
      if (settings == null) {
        return exporter;
      }
      exporterWrapped = true;
      return new CountingMetricExporter(exporter, STATS, TimeSource.SYSTEM, buffer);
    });
    customizer.addMeterProviderCustomizer((builder, config) -> settings == null ? builder
        : builder.registerMetricProducer(new SandboxSumProducer(() -> metrics)));
    customizer.addMetricReaderCustomizer((reader, config) -> {
      if (settings == null) {
        return reader;
      }
      openReaders.incrementAndGet();
      return new SandboxMetricReader(reader, MicrosandboxAutoConfiguration::readerShutDown);
    });
  }

  /**
   * Registers the instruments on the built SDK's meter provider; returns them, or null when the
   * extension is off. The SDK's callbacks keep them alive; the last reader's shutdown closes them.
   */
  static SandboxMetrics start(MeterProvider meterProvider) {
    MicrosandboxSettings active = settings;
    if (active == null) {
      return null;
    }
    SandboxMetrics started = guarded("registering the sandbox instruments",
        () -> create(meterProvider, active, exporterWrapped ? STATS : null), null);
    if (started != null) {
      metrics = started;
      announce(active);
      ExtensionState.on();
    }
    return started;
  }

  /** The metrics for {@code settings} on {@code meterProvider}; sampling started where set. */
  static SandboxMetrics create(MeterProvider meterProvider, MicrosandboxSettings settings,
      ExportStats stats) {
    RegistryReader reader = new RegistryReader(settings.registry(), settings.readerOptions(),
        TimeSource.SYSTEM);
    LabelSource labels = settings.labelsEnabled()
        ? new CatalogLabels(settings.catalog(), settings.labelKeys(), settings.labelsTimeout())
        : LabelSource.NONE;
    Duration interval = collectInterval(settings);
    SandboxSampler sampler = new SandboxSampler(reader, labels, SandboxAttributes.from(settings),
        buffer);
    SandboxMetrics created = new SandboxMetrics(meterProvider, sampler, stats);
    if (interval != null) {
      sampler.start(interval);
    }
    return created;
  }

  /** The sampling period in this mode, or null when sampling follows the collections. */
  private static Duration collectInterval(MicrosandboxSettings active) {
    return active.collectInterval(MODE == RunMode.SIDECAR ? SIDECAR_COLLECT_INTERVAL : null);
  }

  /** Start-up lines an operator can check a wrong home or a self-defeating setting against. */
  private static void announce(MicrosandboxSettings active) {
    boolean homeExists = Files.isDirectory(Path.of(active.home().isEmpty() ? "." : active.home()));
    String line = "microsandbox metrics on (" + MODE.name().toLowerCase(Locale.ROOT) + " mode,"
        + " extension " + ExtensionVersion.VERSION + ", " + active.reader().resolved().configValue()
        + " reader, " + sampling(active) + "): home " + active.home() + (homeExists ? "" : " (does not exist)")
        + ", registry " + active.registry() + ", maximum sample age " + active.maxSampleAge();
    if (homeExists) {
      LOGGER.info(line);
    } else {
      LOGGER.warning(line + ". No sandbox can have run under a home that does not exist: set"
          + " MSB_HOME (or OTEL_MICROSANDBOX_HOME) to the home msb runs with");
    }
    Duration interval = collectInterval(active);
    if (interval != null && (double) exportIntervalMs / interval.toMillis() > active.maxBuffered()) {
      LOGGER.warning("microsandbox metrics: " + MicrosandboxSettings.envName(
          MicrosandboxSettings.MAX_BUFFERED) + "=" + active.maxBuffered() + " holds less than one"
          + " export interval (" + exportIntervalMs / interval.toMillis() + " collections at "
          + interval.toMillis() + " ms per " + exportIntervalMs + " ms export): samples are dropped"
          + " even while exports succeed. Raise it, or collect less often");
    }
    Duration age = active.maxSampleAge();
    if (!age.isZero() && age.compareTo(SHORTEST_SENSIBLE_SAMPLE_AGE) < 0) {
      LOGGER.warning("microsandbox metrics: " + MicrosandboxSettings.envName(
          MicrosandboxSettings.MAX_SAMPLE_AGE) + " is " + age.toMillis() + " ms, shorter than msb's"
          + " sampling period (about 1 s): most sandboxes will be skipped as sample_too_old."
          + " A bare number means milliseconds; write 30s for 30 seconds");
    }
  }

  private static String sampling(MicrosandboxSettings active) {
    Duration interval = collectInterval(active);
    return interval == null ? "sampling at each collection"
        : "sampling every " + interval.toMillis() + " ms, buffering " + active.maxBuffered()
            + " collections per exporter";
  }

  private static void readerShutDown() {
    if (openReaders.decrementAndGet() == 0) {
      SandboxMetrics open = metrics;
      metrics = null;
      if (open != null) {
        open.close();
      }
    }
  }

  private static MicrosandboxSettings parse(ConfigProperties config) {
    try {
      MicrosandboxSettings parsed = MicrosandboxSettings.from(config, System.getenv());
      if (!parsed.enabled()) {
        return off(Level.INFO, "microsandbox metrics are off (" + MicrosandboxSettings.envName(
            MicrosandboxSettings.ENABLED) + "=false)");
      }
      if (MODE == RunMode.SIDECAR && exportsNothing(config)) {
        return off(Level.SEVERE, "microsandbox metrics are off: OTEL_METRICS_EXPORTER=none leaves"
            + " the sidecar nothing to export to; set otlp, prometheus or console");
      }
      return parsed;
    } catch (MicrosandboxSettings.Invalid e) {
      return off(Level.SEVERE, "microsandbox metrics are off: " + e.getMessage() + ". Fix the"
          + " setting and restart; the application itself is unaffected.");
    }
  }

  private static boolean exportsNothing(ConfigProperties config) {
    List<String> exporters = config.getList("otel.metrics.exporter");
    return exporters.size() == 1 && exporters.get(0).trim().equalsIgnoreCase("none");
  }

  private static MicrosandboxSettings off(Level level, String reason) {
    LOGGER.log(level, reason);
    ExtensionState.off(reason);
    return null;
  }

  private static <T> T guarded(String what, Supplier<T> action, T fallback) {
    try {
      return action.get();
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(Level.SEVERE, "microsandbox metrics are off: " + what + " failed", e);
      ExtensionState.off(what + " failed: " + e);
      settings = null;
      return fallback;
    }
  }
}
