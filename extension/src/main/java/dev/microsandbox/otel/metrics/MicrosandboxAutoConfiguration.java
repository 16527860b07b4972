package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.lifecycle.RunEvents;
import dev.microsandbox.otel.lifecycle.RunListener;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.sidecar.ExportTargets;
import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wires the extension into the agent once the JVM is known to be new enough. Configured by
 * properties ({@code OTEL_*}), the SDK's autoconfiguration calls {@link #customize}: settings from
 * the properties, the sidecar's resource defaults, the counting exporter wrapper, the producer of
 * the sandbox counters, the reader wrapper that releases everything at SDK shutdown. Configured by
 * a declarative file, the SDK calls none of that: {@link MicrosandboxDeclarativeCustomizerProvider}
 * wraps the file's push exporters (which then add the counters themselves), and the settings are
 * read from the file's instrumentation node once the SDK is built. Either way the instruments are
 * registered after the build ({@link #start}). The agent creates the customizers and the listener
 * as separate service instances, so what one learns for the other is kept here. Nothing here lets
 * an exception reach the agent: a failure switches the extension off with one log line.
 */
final class MicrosandboxAutoConfiguration {

  /** The sidecar's defaults, upstream's: sample every second, export every ten. */
  static final Duration SIDECAR_COLLECT_INTERVAL = Duration.ofSeconds(1);

  static final String SIDECAR_EXPORT_INTERVAL_MS = "10000";
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

  /** The SDK's export interval when none is set (a declarative file's periodic reader too). */
  static final long SDK_EXPORT_INTERVAL_MS = 60_000;

  /**
   * A maximum sample age below this cannot be met by any real sampling period (msb samples ~1 s).
   */
  static final Duration SHORTEST_SENSIBLE_SAMPLE_AGE = Duration.ofSeconds(1);

  private static final Logger LOGGER =
      Logger.getLogger(MicrosandboxAutoConfiguration.class.getName());
  private static final ExportStats STATS = new ExportStats();
  private static final RunMode MODE = RunMode.detect();
  private static final SandboxSeriesProducer PRODUCER =
      new SandboxSeriesProducer(() -> MicrosandboxAutoConfiguration.metrics);

  /**
   * The SDK's own telemetry (its exporters' and log processor's counters, by either naming), which
   * the sidecar leaves out: nobody asked for them, msb-metrics sends none, and the extension's
   * {@code microsandbox.collector.exports.*} tell the same story under our prefix.
   */
  static final List<String> SDK_SELF_METRICS =
      List.of("otlp.exporter.*", "otel.sdk.*", "processedLogs", "processedSpans", "queueSize");

  /** The agent's JVM metrics (its runtime-telemetry instrumentation), off in the sidecar. */
  static final String RUNTIME_TELEMETRY = "otel.instrumentation.runtime-telemetry.enabled";

  /** The exporters wrapped for the SDK being built, for the outage buffer once it exists. */
  private static final List<SandboxPushExporter> WRAPPED = new CopyOnWriteArrayList<>();

  /**
   * Where the sidecar's data goes, from its properties (exporters, endpoints, protocol), for its
   * start-up line; null under a declarative file, whose exporters are the file's.
   */
  private static volatile String destinations;

  /** Null until the settings are read, and when they are invalid or disable the extension. */
  private static volatile MicrosandboxSettings settings;

  /** Whether the settings were read, from properties while the SDK was built. */
  private static volatile boolean configuredByProperties;

  /** Whether the declarative customizer wrapped the exporters of a file (agent 2.28+). */
  private static volatile boolean declaredExportersWrapped;

  /** Whether the file has a pull reader, or an exporter left unwrapped: gauges as instruments. */
  private static volatile boolean declaredNeedsInstruments;

  private static volatile boolean exporterWrapped;

  /**
   * Whether every sandbox series is produced from the registry pass, not observed by instruments:
   * when the SDK took the producer, or every reader of a file is a wrapped push exporter.
   */
  private static volatile boolean seriesProduced;

  private static volatile SandboxMetrics metrics;

  /** The registry file read: the derived one, or the one the runtime's name file records. */
  private static volatile Path registryInUse;

  /** The outage buffer, when sampling runs on its own period; null otherwise. */
  private static volatile SampleBuffer buffer;

  /**
   * The sampling period, resolved once for this run mode from the settings (the sidecar samples
   * every second unless told otherwise); null when sampling follows the collections.
   */
  private static volatile Duration samplingPeriod;

  /** The push exporters' interval as configured, or the default of this mode. */
  private static volatile long exportIntervalMs = SDK_EXPORT_INTERVAL_MS;

  private static final AtomicInteger openReaders = new AtomicInteger();

  private MicrosandboxAutoConfiguration() {}

  static void customize(AutoConfigurationCustomizer customizer) {
    customizer.addPropertiesCustomizer(
        config -> {
          configuredByProperties = true;
          destinations = null;
          seriesProduced = false;
          WRAPPED.clear();
          Duration configured = config.getDuration(EXPORT_INTERVAL);
          exportIntervalMs =
              configured != null
                  ? configured.toMillis()
                  : MODE == RunMode.SIDECAR
                      ? Long.parseLong(SIDECAR_EXPORT_INTERVAL_MS)
                      : SDK_EXPORT_INTERVAL_MS;
          MicrosandboxSettings active =
              guarded(
                  "reading the settings",
                  () ->
                      parse(
                          MicrosandboxSettings.Source.of(config),
                          exportsNothing(config),
                          List.of()),
                  null);
          adopt(active);
          // An application's export interval and logs are the application's.
          if (active == null || MODE != RunMode.SIDECAR) {
            return Collections.emptyMap();
          }
          // The sidecar exports every 10 s, as msb-metrics does, unless told otherwise.
          Map<String, String> defaults = sidecarLogs(config, active.events());
          if (config.getString(EXPORT_INTERVAL) == null) {
            defaults.put(EXPORT_INTERVAL, SIDECAR_EXPORT_INTERVAL_MS);
          }
          // On purpose, whatever the SDK's default: an endpoint without authentication is this
          // host's until the operator opens it.
          if (config.getString(ExportTargets.PROMETHEUS_HOST) == null) {
            defaults.put(ExportTargets.PROMETHEUS_HOST, "localhost");
          }
          // The agent form's JVM metrics describe the sidecar's own JVM: nobody asked for them.
          if (config.getString(RUNTIME_TELEMETRY) == null) {
            defaults.put(RUNTIME_TELEMETRY, "false");
          }
          destinations = destinations(withDefaults(config, defaults), active.events());
          return defaults;
        });
    customizer.addResourceCustomizer(
        (resource, config) ->
            settings == null || MODE != RunMode.SIDECAR
                ? resource // an application's resource is the application's
                : guarded(
                    "setting the sidecar's resource defaults",
                    () -> ResourceDefaults.apply(resource, config, System.getenv()),
                    resource));
    customizer.addMetricExporterCustomizer(
        (exporter, config) ->
            settings == null
                ? exporter
                : wrap(exporter, false, target(exporter, new ExportTargets(config::getString))));
    customizer.addMeterProviderCustomizer(
        (builder, config) -> {
          if (settings == null) {
            return builder;
          }
          if (MODE == RunMode.SIDECAR) {
            View drop = View.builder().setAggregation(Aggregation.drop()).build();
            SDK_SELF_METRICS.forEach(
                name ->
                    builder.registerView(InstrumentSelector.builder().setName(name).build(), drop));
          }
          seriesProduced = true;
          return builder.registerMetricProducer(PRODUCER);
        });
    if (SdkFeatures.hasReaderCustomizer()) {
      customizer.addMetricReaderCustomizer(
          (reader, config) -> {
            if (settings == null) {
              return reader;
            }
            openReaders.incrementAndGet();
            return new ReleasingMetricReader(reader, MicrosandboxAutoConfiguration::readerShutDown);
          });
    }
    // Before agent 2.2 (SDK 1.36) readers cannot be wrapped: the registry mapping and the catalog
    // thread (a daemon) are then released when the JVM exits, and every collection gets new points.
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

  /**
   * A push exporter of a declarative configuration file, wrapped before the settings are known: it
   * counts exports, takes the outage buffer once the settings ask for one, and adds the sandbox
   * counters, since no producer can be registered from a file. Never throws.
   */
  static MetricExporter wrapDeclared(MetricExporter exporter) {
    try {
      MetricExporter copy = DeclaredExporters.copyOf(exporter);
      if (copy == null) {
        LOGGER.info(
            "microsandbox metrics: "
                + exporter
                + " is not a kind the extension can wrap"
                + " under a declarative configuration; its exports carry the sandbox gauges without"
                + " export health, the outage buffer or the semantic-convention counters");
        declaredNeedsInstruments = true;
        return exporter;
      }
      return wrap(copy, true, copy.getClass().getSimpleName());
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(
          Level.WARNING,
          "microsandbox metrics: wrapping "
              + exporter
              + " failed; its"
              + " exports go out without export health and the outage buffer",
          e);
      declaredNeedsInstruments = true;
      return exporter;
    }
  }

  /** The declarative customizer ran: a file is being read, and its exporters will be wrapped. */
  static void declaredExportersWrapped() {
    declaredExportersWrapped = true;
    declaredNeedsInstruments = true; // until the model is seen
    configuredByProperties = false;
    destinations = null;
    seriesProduced = false;
    WRAPPED.clear();
  }

  /**
   * The file's configuration model, before the SDK is built from it: without a pull reader, the
   * wrapped push exporters carry every sandbox series, and no instrument observes them.
   */
  static void declaredReaders(Object model) {
    declaredNeedsInstruments = DeclaredExporters.hasPullReader(model);
  }

  /** Where {@code exporter} sends, for its failure lines: the OTLP endpoint, or its kind. */
  static String target(MetricExporter exporter, ExportTargets targets) {
    String kind = exporter.getClass().getSimpleName();
    return kind.startsWith("Otlp") ? targets.otlp("metrics") : kind;
  }

  private static MetricExporter wrap(MetricExporter exporter, boolean addSums, String target) {
    exporterWrapped = true;
    SandboxPushExporter counting =
        new SandboxPushExporter(
            exporter, STATS, TimeSource.SYSTEM, addSums ? PRODUCER::latestSeries : null, target);
    SampleBuffer active = buffer;
    if (active != null) {
      counting.attach(active);
    }
    WRAPPED.add(counting);
    return counting;
  }

  /**
   * Takes {@code active} (null: off) as the settings, with an outage buffer where they need one.
   */
  private static void adopt(MicrosandboxSettings active) {
    settings = active;
    samplingPeriod =
        active == null
            ? null
            : active.collectInterval(MODE == RunMode.SIDECAR ? SIDECAR_COLLECT_INTERVAL : null);
    // One buffer per SDK, exactly when sampling runs on its own period (null resets an earlier
    // one).
    SampleBuffer created =
        samplingPeriod != null
            ? new SampleBuffer(active.maxBuffered(), active.series().enabled())
            : null;
    buffer = created;
    if (created != null) {
      WRAPPED.forEach(exporter -> exporter.attach(created));
    }
  }

  /**
   * Registers the instruments on the SDK the agent built; returns them, or null when the extension
   * is off. Where no properties were read, the SDK came from a declarative configuration file, and
   * the settings are read from it first.
   */
  static SandboxMetrics start(OpenTelemetrySdk sdk) {
    if (!configuredByProperties) {
      configuredByProperties = true; // once per SDK
      seriesProduced = declaredExportersWrapped && !declaredNeedsInstruments;
      adopt(guarded("reading the declarative configuration", () -> fromFile(sdk), null));
    }
    return start(sdk.getMeterProvider(), sdk.getLogsBridge());
  }

  /** The settings of the file the SDK was built from, or null (off, with one line saying why). */
  private static MicrosandboxSettings fromFile(OpenTelemetrySdk sdk) {
    DeclarativeSettings file = DeclarativeSettings.of(sdk, System.getenv());
    if (file == null) {
      return off(
          Level.WARNING,
          "microsandbox metrics are off: the agent built its SDK without"
              + " calling the extension's configuration customizer, and offers no declarative"
              + " configuration to read the settings from (a declarative configuration file needs"
              + " agent 2.26 or newer)");
    }
    MicrosandboxSettings parsed = parse(file, false, file.unknownKeys());
    if (parsed != null && !declaredExportersWrapped) {
      LOGGER.warning(
          "microsandbox metrics: with a declarative configuration file, this agent"
              + " (before 2.28) lets no extension wrap the file's exporters: sandbox gauges are"
              + " exported, but export health (microsandbox.collector.exports.*), the outage buffer"
              + " and the semantic-convention counters are off. Agent 2.28 or newer has them all");
    } else if (parsed != null && declaredNeedsInstruments) {
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

  /**
   * Registers the instruments on the built SDK's meter provider; returns them, or null when the
   * extension is off. The SDK's callbacks keep them alive; the last reader's shutdown closes them.
   */
  static SandboxMetrics start(MeterProvider meterProvider, LoggerProvider loggerProvider) {
    MicrosandboxSettings active = settings;
    if (active == null) {
      return null;
    }
    SandboxMetrics started =
        guarded(
            "registering the sandbox instruments",
            () -> create(meterProvider, loggerProvider, active, exporterWrapped ? STATS : null),
            null);
    if (started != null) {
      metrics = started;
      announce(active);
      if (MODE == RunMode.SIDECAR) {
        ExtensionState.inForce(inForce(active));
      }
      ExtensionState.on();
    }
    return started;
  }

  /** The metrics for {@code settings} on {@code meterProvider}; sampling started where set. */
  private static SandboxMetrics create(
      MeterProvider meterProvider,
      LoggerProvider loggerProvider,
      MicrosandboxSettings settings,
      ExportStats stats) {
    Path registry = settings.registry();
    Path legacy = null;
    if (settings.registryDerived()) { // the runtime's name files may correct the derived names
      RegistryLocation.Choice current = RegistryLocation.choose(settings.home(), RegistryAbi.V3);
      if (current.note != null) {
        LOGGER.warning("microsandbox metrics: " + current.note);
      }
      registry = current.path;
      legacy = RegistryLocation.choose(settings.home(), RegistryAbi.V2).path;
    }
    registryInUse = registry;
    RegistryReader reader =
        RegistryReader.open(
            registry,
            legacy,
            settings.readerOptions(),
            TimeSource.SYSTEM,
            null,
            RegistryReader.JUL);
    LabelSource labels =
        settings.labelsEnabled()
            ? new CatalogLabels(
                settings.catalog(),
                settings.labelKeys(),
                settings.labelLimits(),
                settings.labelsTimeout())
            : LabelSource.NONE;
    Duration interval = samplingPeriod;
    SandboxAttributes attributes = SandboxAttributes.from(settings);
    RunListener events =
        settings.events()
            ? new RunEvents(
                loggerProvider,
                SandboxMetrics.SCOPE,
                ExtensionVersion.VERSION,
                attributes::putRunIdentity,
                TimeSource.SYSTEM)
            : RunListener.NONE;
    SandboxSampler sampler = new SandboxSampler(reader, labels, attributes, buffer, events);
    // Said now, not at the first collection (60 s away in an application by default).
    RegistryProblem problem = sampler.check();
    if (MODE == RunMode.SIDECAR && problem != null && problem.kind().refusesThisProcess()) {
      sampler.close();
      refused(problem);
      return null;
    }
    SandboxMetrics created = new SandboxMetrics(meterProvider, sampler, stats, seriesProduced);
    if (interval != null) {
      sampler.start(
          interval, MODE == RunMode.SIDECAR ? MicrosandboxAutoConfiguration::refused : null);
    }
    return created;
  }

  /**
   * The sidecar meets a registry that refuses it (permission, owner) before it has read it: the
   * wrong user or a squatted file, which only someone acting mends, so it says so once and is off,
   * and the bundle's main exits non-zero with the reason, for systemd's restart and status. A
   * refusal after the registry was read is an outage the sampler rides out. An application only
   * logs it (the reader does).
   */
  private static void refused(RegistryProblem problem) {
    String reason = "the sidecar cannot read its registry: " + problem.message();
    if (!(ExtensionState.OFF_PREFIX + reason).equals(System.getProperty(ExtensionState.PROPERTY))) {
      off(Level.SEVERE, "microsandbox metrics are off: " + reason);
    }
  }

  /** Start-up lines an operator can check a wrong home or a self-defeating setting against. */
  private static void announce(MicrosandboxSettings active) {
    boolean homeExists = Files.isDirectory(Path.of(active.home().isEmpty() ? "." : active.home()));
    String line =
        "microsandbox metrics on ("
            + MODE.name().toLowerCase(Locale.ROOT)
            + " mode,"
            + " extension "
            + ExtensionVersion.VERSION
            + ", "
            + active.registryAccess().resolved().configValue()
            + " reader, "
            + sampling(active)
            + "): home "
            + active.home()
            + (homeExists ? "" : " (does not exist)")
            + ", registry "
            + registryInUse
            + ", maximum sample age "
            + active.maxSampleAge();
    String slash = RegistryLocation.trailingSlashHint(active.home());
    if (!homeExists) {
      LOGGER.warning(
          line
              + ". No sandbox can have run under a home that does not exist: set"
              + " MSB_HOME (or OTEL_MICROSANDBOX_HOME) to the home msb runs with");
    } else if (slash != null && !Files.exists(registryInUse)) {
      LOGGER.warning(line + ". No registry there yet. " + slash);
    } else {
      LOGGER.info(line);
    }
    Duration interval = samplingPeriod;
    if (interval != null
        && (double) exportIntervalMs / interval.toMillis() > active.maxBuffered()) {
      LOGGER.warning(
          "microsandbox metrics: "
              + MicrosandboxSettings.envName(MicrosandboxSettings.MAX_BUFFERED)
              + "="
              + active.maxBuffered()
              + " holds less than one"
              + " export interval ("
              + exportIntervalMs / interval.toMillis()
              + " collections at "
              + interval.toMillis()
              + " ms per "
              + exportIntervalMs
              + " ms export): samples are dropped"
              + " even while exports succeed. Raise it, or collect less often");
    }
    Duration age = active.maxSampleAge();
    if (!age.isZero() && age.compareTo(SHORTEST_SENSIBLE_SAMPLE_AGE) < 0) {
      LOGGER.warning(
          "microsandbox metrics: "
              + MicrosandboxSettings.envName(MicrosandboxSettings.MAX_SAMPLE_AGE)
              + " is "
              + age.toMillis()
              + " ms, shorter than msb's"
              + " sampling period (about 1 s): most sandboxes will be skipped as sample_too_old."
              + " A bare number means milliseconds; write 30s for 30 seconds");
    }
  }

  /** What the sidecar runs with, for the bundle's start-up line. */
  private static String inForce(MicrosandboxSettings active) {
    String where = destinations;
    return (where != null
            ? where
            : "exporters and run events as the declarative configuration file declares (events "
                + (active.events() ? "on" : "off")
                + ")")
        + "; every "
        + exportIntervalMs
        + " ms; "
        + sampling(active)
        + "; registry "
        + registryInUse;
  }

  private static String sampling(MicrosandboxSettings active) {
    Duration interval = samplingPeriod;
    return interval == null
        ? "sampling at each collection"
        : "sampling every "
            + interval.toMillis()
            + " ms, buffering "
            + active.maxBuffered()
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

  /**
   * The settings of {@code source}, or null (off, with one line saying why).
   *
   * @param exportsNothing whether no exporter is configured at all
   * @param unknown lines about keys of the source that are no setting
   */
  private static MicrosandboxSettings parse(
      MicrosandboxSettings.Source source, boolean exportsNothing, List<String> unknown) {
    unknown.forEach(line -> LOGGER.warning("microsandbox metrics: " + line));
    SettingNames.unknown(System.getenv(), System.getProperties())
        .forEach(line -> LOGGER.warning("microsandbox metrics: " + line));
    try {
      MicrosandboxSettings parsed = MicrosandboxSettings.from(source, System.getenv());
      if (!parsed.enabled()) {
        return off(
            Level.INFO,
            "microsandbox metrics are off ("
                + source.describe(MicrosandboxSettings.ENABLED)
                + " = false)");
      }
      String unreachable =
          parsed.registryDerived() ? parsed.registryAccess().sharedMemoryUnreachable() : null;
      if (unreachable != null) {
        return off(
            Level.WARNING,
            "microsandbox metrics are off: "
                + unreachable
                + ". The application itself is unaffected.");
      }
      if (MODE == RunMode.SIDECAR && exportsNothing) {
        return off(
            Level.SEVERE,
            "microsandbox metrics are off: OTEL_METRICS_EXPORTER=none leaves"
                + " the sidecar nothing to export to; set otlp, prometheus or console");
      }
      return parsed;
    } catch (MicrosandboxSettings.Invalid e) {
      return off(
          Level.SEVERE,
          "microsandbox metrics are off: "
              + e.getMessage()
              + ". Fix the"
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
