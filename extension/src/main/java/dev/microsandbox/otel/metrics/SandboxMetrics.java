package dev.microsandbox.otel.metrics;

import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.lifecycle.RunEvents;
import dev.microsandbox.otel.lifecycle.StopReason;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.FailureLog;
import dev.microsandbox.otel.userevents.UserEventsStats;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox series ({@link SandboxSeries}) and the collector's own health. Where the SDK takes
 * the {@link SandboxSeriesProducer} (configured by properties), or every reader of a declarative
 * file is a push exporter the extension wraps, every sandbox series is metric data built from the
 * registry pass ({@link #produce}, {@link #latestProduced}): one point per sandbox and series,
 * however many sandboxes, since metric data is not subject to the SDK's cardinality limit of 2,000
 * series per instrument, which would fold the rest into one overflow point. Otherwise (a file with
 * a pull reader, or an exporter that cannot be wrapped) the gauges are observable instruments and
 * the counters go through the wrapped push exporters. The collector's own health series are
 * observable instruments either way: one batch callback reports the latest pass of the {@link
 * SandboxSampler}. The pass runs once per collection when sampling follows the collections (in the
 * producer, which the SDK asks first, or else in the callback), and nowhere when the sampler runs
 * on its own period (then push exporters get every buffered sample, see {@link
 * SandboxPushExporter}). Nothing it does can throw into the SDK.
 */
final class SandboxMetrics implements AutoCloseable {

  /** Instrumentation scope name, the same as upstream's. */
  public static final String SCOPE = "microsandbox-metrics-collector";

  /** The scope every instrument here is registered under. */
  static final InstrumentationScopeInfo SCOPE_INFO =
      InstrumentationScopeInfo.builder(SCOPE).setVersion(ExtensionVersion.VERSION).build();

  static final AttributeKey<String> REASON = stringKey("reason");
  static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
  static final AttributeKey<String> EXPORTER = stringKey("exporter");
  private static final Attributes OWNER_DEAD = Attributes.of(REASON, "owner_dead");
  private static final Attributes SAMPLE_TOO_OLD = Attributes.of(REASON, "sample_too_old");
  private static final Attributes INCONSISTENT = Attributes.of(REASON, "inconsistent");
  private static final Attributes SUPERSEDED = Attributes.of(REASON, "superseded");
  private static final Logger LOGGER = Logger.getLogger(SandboxMetrics.class.getName());

  private final SandboxSampler sampler;
  private final SeriesSelection selection;
  private final SandboxSeries[] produced; // by produce() and latestProduced(); the rest: gauges
  private final SandboxSeries[] observedGauges; // as observable instruments
  private final List<AutoCloseable> registrations = new ArrayList<>();
  private final Attributes[] errorAttributes = new Attributes[RegistryProblem.Kind.values().length];
  private final ObservableDoubleMeasurement[] doubleGauges =
      new ObservableDoubleMeasurement[SandboxSeries.all().length];
  private final ObservableLongMeasurement[] longGauges =
      new ObservableLongMeasurement[SandboxSeries.all().length];
  private final ObservableLongMeasurement sandboxes;
  private final ObservableLongMeasurement skipped;
  private final ObservableLongMeasurement errors;
  private final ObservableLongMeasurement stops; // null: excluded
  private final Attributes[] stopAttributes = new Attributes[StopReason.values().length];
  private final java.util.Map<String, Attributes> exporterAttributes =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final FailureLog callbackFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics collection failed; sandbox series are missing from this"
              + " collection");

  /** Set once a {@link SandboxSeriesProducer} runs the passes: then the callback only reports. */
  private volatile boolean producerRunsPasses;

  /**
   * Series that read the registry at each collection of the meter provider's readers.
   *
   * @param reader the registry reader, owned (and closed) by this object from now on
   * @param labels the label source, owned (and closed) by this object from now on
   * @param stats export outcomes to publish, or null when no exporter is wrapped (pull exporters)
   * @param produced whether every sandbox series is metric data (from a registered {@link
   *     SandboxSeriesProducer}, or added by the wrapped push exporters) rather than observed
   */
  public SandboxMetrics(
      MeterProvider meterProvider,
      RegistryReader reader,
      LabelSource labels,
      SandboxAttributes attributes,
      ExportStats stats,
      boolean produced) {
    this(meterProvider, new SandboxSampler(reader, labels, attributes, null), stats, produced);
  }

  /**
   * Registers the instruments on {@code meterProvider}.
   *
   * @param sampler the registry passes, owned (and closed) by this object from now on
   * @param stats export outcomes to publish, or null when no exporter is wrapped (pull exporters)
   * @param produced whether every sandbox series is metric data (from a registered {@link
   *     SandboxSeriesProducer}, or added by the wrapped push exporters) rather than observed
   */
  SandboxMetrics(
      MeterProvider meterProvider, SandboxSampler sampler, ExportStats stats, boolean produced) {
    this.sampler = sampler;
    this.selection = sampler.selection();
    this.produced = produced ? selection.enabled() : selection.sums();
    this.observedGauges = produced ? new SandboxSeries[0] : selection.gauges();
    for (RegistryProblem.Kind kind : RegistryProblem.Kind.values()) {
      errorAttributes[kind.ordinal()] =
          Attributes.of(ERROR_TYPE, kind.name().toLowerCase(Locale.ROOT));
    }
    Meter meter =
        meterProvider
            .meterBuilder(SCOPE)
            .setInstrumentationVersion(ExtensionVersion.VERSION)
            .build();
    List<ObservableMeasurement> inCallback = new ArrayList<>();
    for (SandboxSeries gauge : observedGauges) {
      if (gauge.isDouble) {
        doubleGauges[gauge.ordinal()] =
            meter
                .gaugeBuilder(gauge.metricName)
                .setUnit(gauge.unit)
                .setDescription(gauge.description)
                .buildObserver();
        inCallback.add(doubleGauges[gauge.ordinal()]);
      } else {
        longGauges[gauge.ordinal()] =
            meter
                .gaugeBuilder(gauge.metricName)
                .ofLongs()
                .setUnit(gauge.unit)
                .setDescription(gauge.description)
                .buildObserver();
        inCallback.add(longGauges[gauge.ordinal()]);
      }
    }
    sandboxes =
        meter
            .gaugeBuilder("microsandbox.collector.sandboxes")
            .ofLongs()
            .setUnit("{sandbox}")
            .setDescription("Sandboxes exported by the last collection")
            .buildObserver();
    skipped =
        meter
            .gaugeBuilder("microsandbox.collector.slots.skipped")
            .ofLongs()
            .setUnit("{slot}")
            .setDescription("Active slots the last collection left out, by reason")
            .buildObserver();
    errors =
        meter
            .counterBuilder("microsandbox.collector.registry.errors")
            .setUnit("{collection}")
            .setDescription("Collections that found the registry unreadable, by error type")
            .buildObserver();
    inCallback.add(sandboxes);
    inCallback.add(skipped);
    inCallback.add(errors);
    if (selection.reportsStops()) {
      for (StopReason reason : StopReason.values()) {
        stopAttributes[reason.ordinal()] = Attributes.of(RunEvents.STOP_REASON, reason.value());
      }
      stops =
          meter
              .counterBuilder(SeriesSelection.STOPS_METRIC)
              .setUnit("{run}")
              .setDescription(
                  "Sandbox runs seen to stop, by reason: exited, owner_dead (crashed or killed),"
                      + " stalled (no fresh sample), replaced (a newer run took over)")
              .buildObserver();
      inCallback.add(stops);
    } else {
      stops = null;
    }
    registrations.add(
        meter.batchCallback(
            this::collect,
            inCallback.get(0),
            inCallback.subList(1, inCallback.size()).toArray(new ObservableMeasurement[0])));
    if (stats != null) {
      registrations.add(
          meter
              .counterBuilder("microsandbox.collector.exports.success")
              .setUnit("{export}")
              .setDescription("Successful metric exports since start, by exporter")
              .buildWithCallback(
                  m ->
                      stats.forEach(
                          (exporter, outcomes) ->
                              m.record(outcomes.success(), exporterAttributes(exporter)))));
      registrations.add(
          meter
              .counterBuilder("microsandbox.collector.exports.failure")
              .setUnit("{export}")
              .setDescription("Failed metric exports since start, by exporter")
              .buildWithCallback(
                  m ->
                      stats.forEach(
                          (exporter, outcomes) ->
                              m.record(outcomes.failure(), exporterAttributes(exporter)))));
      registrations.add(
          meter
              .gaugeBuilder("microsandbox.collector.last_success_timestamp")
              .setUnit("s")
              .setDescription("Unix time of the exporter's last successful metric export")
              .buildWithCallback(
                  m ->
                      stats.forEach(
                          (exporter, outcomes) -> {
                            long millis = outcomes.lastSuccessEpochMillis();
                            if (millis > 0) {
                              m.record(millis / 1000.0, exporterAttributes(exporter));
                            }
                          })));
      registrations.add(
          meter
              .counterBuilder("microsandbox.collector.collections.dropped")
              .setUnit("{collection}")
              .setDescription("Buffered collections evicted before this exporter sent them")
              .buildWithCallback(
                  m ->
                      stats.forEach(
                          (exporter, outcomes) -> {
                            if (outcomes.buffers()) {
                              m.record(outcomes.dropped(), exporterAttributes(exporter));
                            }
                          })));
    }
    registrations.addAll(UserEventsStats.registerInstruments(meter));
  }

  /** The attributes of one exporter's health series, made once per exporter. */
  private Attributes exporterAttributes(String exporter) {
    return exporterAttributes.computeIfAbsent(exporter, name -> Attributes.of(EXPORTER, name));
  }

  /** The batch callback: the latest pass, every sandbox instrument, the collector's health. */
  private void collect() {
    try {
      if (!sampler.scheduled() && !producerRunsPasses) {
        sampler.pass();
      }
      if (observedGauges.length > 0) {
        sampler.forEachLatest(this::record);
      }
      sandboxes.record(sampler.latestCount());
      skipped.record(sampler.skippedDeadOwner(), OWNER_DEAD);
      skipped.record(sampler.skippedTooOld(), SAMPLE_TOO_OLD);
      skipped.record(sampler.skippedInconsistent(), INCONSISTENT);
      skipped.record(sampler.skippedSuperseded(), SUPERSEDED);
      if (stops != null) { // every reason from the start: an alert's increase() sees the first
        for (StopReason reason : StopReason.values()) {
          stops.record(sampler.stops(reason), stopAttributes[reason.ordinal()]);
        }
      }
      for (int k = 0; k < errorAttributes.length; k++) {
        long count = sampler.registryErrors(k);
        if (count > 0) {
          errors.record(count, errorAttributes[k]);
        }
      }
    } catch (Throwable e) { // nothing of ours reaches the SDK's collecting thread
      callbackFailures.failed(e);
    }
  }

  private void record(SandboxSample s, SeriesAttributes a) {
    for (SandboxSeries gauge : observedGauges) {
      if (!gauge.presentIn(s)) {
        continue;
      }
      if (gauge.isDouble) {
        doubleGauges[gauge.ordinal()].record(gauge.doubleValue(s), a.of(gauge));
      } else {
        longGauges[gauge.ordinal()].record(gauge.longValue(s), a.of(gauge));
      }
    }
  }

  /** Points for {@link #produce}, to be reused by one reader in the reusable-data memory mode. */
  MetricDataBuilder newPoints() {
    return new MetricDataBuilder(produced);
  }

  /**
   * What a {@link SandboxSeriesProducer} adds to a collection, before the SDK's callbacks run: the
   * collection's registry pass (unless the sampler runs on its own period), then every produced
   * series of the latest pass, one point per reported sandbox and series, at its sample's time;
   * counters and up-down counters start at the sandbox's start.
   *
   * @param reused points to clear and refill (a reader's own), or null for new ones
   */
  Collection<MetricData> produce(Resource resource, MetricDataBuilder reused) {
    producerRunsPasses = true;
    if (!sampler.scheduled()) {
      sampler.pass();
    }
    return latestProduced(resource, reused);
  }

  /**
   * The produced series of the latest pass, without running one: what an exporter adds to a
   * collection whose pass the gauge callback ran, where no producer could be registered (the
   * counters and up-down counters only, since the gauges are instruments there).
   *
   * @param reused points to clear and refill (a reader's own), or null for new ones
   */
  Collection<MetricData> latestProduced(Resource resource, MetricDataBuilder reused) {
    if (produced.length == 0) {
      return List.of();
    }
    MetricDataBuilder points = reused != null ? reused : newPoints();
    points.clear();
    sampler.forEachLatest(points::add);
    List<MetricData> produced = new ArrayList<>();
    points.addMetrics(resource, SCOPE_INFO, produced);
    return produced;
  }

  /**
   * Unregisters every instrument, stops the sampler, releases the registry mapping and the catalog.
   */
  @Override
  public void close() {
    for (AutoCloseable registration : registrations) {
      try {
        registration.close();
      } catch (Exception e) {
        LOGGER.log(Level.FINE, "closing an instrument failed", e);
      }
    }
    registrations.clear();
    sampler.close();
  }
}
