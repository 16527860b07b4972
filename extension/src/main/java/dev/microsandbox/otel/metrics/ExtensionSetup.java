package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.lifecycle.RunEvents;
import dev.microsandbox.otel.lifecycle.RunListener;
import dev.microsandbox.otel.metrics.export.SandboxPushExporter;
import dev.microsandbox.otel.metrics.export.SandboxSeriesProducer;
import dev.microsandbox.otel.metrics.instruments.ExportStats;
import dev.microsandbox.otel.metrics.instruments.SandboxMetrics;
import dev.microsandbox.otel.metrics.sampling.SampleBuffer;
import dev.microsandbox.otel.metrics.sampling.SandboxSampler;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.metrics.settings.RunMode;
import dev.microsandbox.otel.metrics.settings.SettingNames;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the extension set up in one SDK, built once by whichever path configures it ({@link
 * PropertiesPath} for {@code OTEL_*} variables and properties, {@link DeclarativePath} for a
 * declarative file): the settings, the wrapped exporters and the outage buffer they share, the
 * series producer, and, once the SDK is built ({@link #start}), the instruments. Nothing here lets
 * an exception reach the agent: a failure switches the extension off with one log line.
 *
 * <p>The agent creates the customizer providers and the listener as separate service instances and
 * hands nothing from one to the other, so the setup being built waits in {@link #BUILDING} until
 * the listener takes it: the extension's one static hand-off.
 */
final class ExtensionSetup {

  /** The sidecar's defaults, upstream's: sample every second, export every ten. */
  static final Duration SIDECAR_COLLECT_INTERVAL = Duration.ofSeconds(1);

  static final long SIDECAR_EXPORT_INTERVAL_MS = 10_000;

  /** The SDK's export interval when none is set (a declarative file's periodic reader too). */
  static final long SDK_EXPORT_INTERVAL_MS = 60_000;

  private static final Logger LOGGER = Logger.getLogger(ExtensionSetup.class.getName());

  /** The setup a configuration path began, until the listener takes it for the built SDK. */
  private static final AtomicReference<ExtensionSetup> BUILDING = new AtomicReference<>();

  /** How the SDK is configured, which decides what the extension can wrap and register. */
  enum Configuration {
    /** {@code OTEL_*} variables and properties: every customizer of the SDK's autoconfiguration. */
    PROPERTIES,
    /** A declarative file whose exporters the extension wraps (agent 2.28+). */
    FILE_WRAPPED,
    /** A declarative file the extension can only read once the SDK is built (agent 2.26, 2.27). */
    FILE_UNWRAPPED
  }

  final Configuration configuration;
  final RunMode mode;
  final ExportStats stats = new ExportStats();
  final SandboxSeriesProducer producer = new SandboxSeriesProducer(this::metrics);

  /** The exporters wrapped for this SDK, for the outage buffer once it exists. */
  private final List<SandboxPushExporter> wrapped = new CopyOnWriteArrayList<>();

  private final AtomicInteger openReaders = new AtomicInteger();

  // Set while the SDK is built, on the SDK's thread, and read by the SDK's threads after: volatile.
  private volatile MicrosandboxSettings settings; // null: not read yet, invalid, or off
  private volatile boolean settingsRead;
  private volatile boolean exporterWrapped;
  private volatile boolean seriesProduced;
  private volatile boolean needsInstruments; // a file's pull reader, or an unwrapped exporter
  private volatile SampleBuffer buffer; // null: sampling follows the collections
  private volatile Duration samplingPeriod; // null: sampling follows the collections
  private volatile long exportIntervalMs;
  private volatile String destinations; // the sidecar's, from its properties; null under a file
  private volatile Path registryInUse;
  private volatile SandboxMetrics metrics;

  private ExtensionSetup(Configuration configuration, RunMode mode) {
    this.configuration = configuration;
    this.mode = mode;
    this.exportIntervalMs = SDK_EXPORT_INTERVAL_MS;
    this.needsInstruments =
        configuration != Configuration.PROPERTIES; // a file: until its model is seen
  }

  /** A new setup for an SDK about to be configured so; the listener will take it. */
  static ExtensionSetup begin(Configuration configuration) {
    ExtensionSetup setup = new ExtensionSetup(configuration, RunMode.detect());
    BUILDING.set(setup);
    return setup;
  }

  /**
   * The setup of the SDK just built: the one a path began, or (no customizer ran: a declarative
   * file on an agent that lets no extension wrap its exporters) a new one read from the file.
   */
  static ExtensionSetup takeBuilt() {
    ExtensionSetup begun = BUILDING.getAndSet(null);
    return begun != null
        ? begun
        : new ExtensionSetup(Configuration.FILE_UNWRAPPED, RunMode.detect());
  }

  MicrosandboxSettings settings() {
    return settings;
  }

  boolean sidecar() {
    return mode == RunMode.SIDECAR;
  }

  SandboxMetrics metrics() {
    return metrics;
  }

  Duration samplingPeriod() {
    return samplingPeriod;
  }

  long exportIntervalMs() {
    return exportIntervalMs;
  }

  String destinations() {
    return destinations;
  }

  Path registryInUse() {
    return registryInUse;
  }

  void exportInterval(long millis) {
    exportIntervalMs = millis;
  }

  void destinations(String phrase) {
    destinations = phrase;
  }

  /** Every sandbox series is metric data from the registry pass (the SDK took the producer). */
  void seriesProduced() {
    seriesProduced = true;
  }

  /** A file's readers include a pull reader (or not): the gauges must be instruments (or not). */
  void needsInstruments(boolean needed) {
    needsInstruments = needed;
  }

  boolean needsInstruments() {
    return needsInstruments;
  }

  /**
   * {@code exporter} wrapped for export health and, once the settings ask for one, the outage
   * buffer; with {@code addSeries}, it also adds the sandbox series (no producer could be
   * registered).
   */
  MetricExporter wrap(MetricExporter exporter, boolean addSeries, String target) {
    exporterWrapped = true;
    SandboxPushExporter counting =
        new SandboxPushExporter(
            exporter, stats, TimeSource.SYSTEM, addSeries ? producer::latestSeries : null, target);
    SampleBuffer active = buffer;
    if (active != null) {
      counting.attach(active);
    }
    wrapped.add(counting);
    return counting;
  }

  /** A reader was wrapped: the last one's shutdown releases the registry and the catalog. */
  void readerOpened() {
    openReaders.incrementAndGet();
  }

  void readerShutDown() {
    if (openReaders.decrementAndGet() == 0) {
      SandboxMetrics open = metrics;
      metrics = null;
      if (open != null) {
        open.close();
      }
    }
  }

  /**
   * Takes {@code active} (null: off) as the settings, with an outage buffer where they need one.
   */
  void adopt(MicrosandboxSettings active) {
    settingsRead = true;
    settings = active;
    samplingPeriod =
        active == null ? null : active.collectInterval(sidecar() ? SIDECAR_COLLECT_INTERVAL : null);
    // One buffer per SDK, exactly when sampling runs on its own period.
    SampleBuffer created =
        samplingPeriod != null
            ? new SampleBuffer(active.maxBuffered(), active.series().enabled())
            : null;
    buffer = created;
    if (created != null) {
      wrapped.forEach(exporter -> exporter.attach(created));
    }
  }

  /**
   * Registers the instruments on the SDK the agent built; returns them, or null when the extension
   * is off. Where no properties were read, the SDK came from a declarative configuration file, and
   * the settings are read from it first. The SDK's callbacks keep them alive; the last reader's
   * shutdown closes them.
   */
  SandboxMetrics start(OpenTelemetrySdk sdk) {
    if (!settingsRead) {
      seriesProduced = configuration == Configuration.FILE_WRAPPED && !needsInstruments;
      adopt(
          guarded(
              "reading the declarative configuration",
              () -> DeclarativePath.read(this, sdk),
              null));
    }
    MicrosandboxSettings active = settings;
    if (active == null) {
      return null;
    }
    SandboxMetrics started =
        guarded(
            "registering the sandbox instruments",
            () -> create(sdk.getMeterProvider(), sdk.getLogsBridge(), active),
            null);
    if (started != null) {
      metrics = started;
      StartupLines.announce(this, active);
      if (sidecar()) {
        ExtensionState.inForce(StartupLines.inForce(this, active));
      }
      ExtensionState.on();
    }
    return started;
  }

  /** The metrics for {@code settings} on {@code meterProvider}; sampling started where set. */
  private SandboxMetrics create(
      MeterProvider meterProvider, LoggerProvider loggerProvider, MicrosandboxSettings settings) {
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
    SandboxAttributes attributes = settings.attributes();
    RunListener events =
        settings.events()
            ? new RunEvents(
                loggerProvider,
                MetricsScope.NAME,
                MetricsScope.VERSION,
                attributes::putRunIdentity,
                TimeSource.SYSTEM)
            : RunListener.NONE;
    SandboxSampler sampler = new SandboxSampler(reader, labels, attributes, buffer, events);
    // Said now, not at the first collection (60 s away in an application by default).
    RegistryProblem problem = sampler.check();
    if (sidecar() && problem != null && problem.kind().refusesThisProcess()) {
      sampler.close();
      refused(problem);
      return null;
    }
    SandboxMetrics created =
        new SandboxMetrics(meterProvider, sampler, exporterWrapped ? stats : null, seriesProduced);
    Duration interval = samplingPeriod;
    if (interval != null) {
      sampler.start(interval, sidecar() ? ExtensionSetup::refused : null);
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

  /**
   * The settings of {@code source}, or null (off, with one line saying why).
   *
   * @param exportsNothing whether no exporter is configured at all
   * @param unknown lines about keys of the source that are no setting
   */
  MicrosandboxSettings parse(
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
      if (sidecar() && exportsNothing) {
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

  static MicrosandboxSettings off(Level level, String reason) {
    LOGGER.log(level, reason);
    ExtensionState.off(reason);
    return null;
  }

  /** What {@code action} returns, or {@code fallback} when it throws (the extension then off). */
  <T> T guarded(String what, Supplier<T> action, T fallback) {
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
