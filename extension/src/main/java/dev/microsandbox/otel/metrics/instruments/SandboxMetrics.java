package dev.microsandbox.otel.metrics.instruments;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.data.MetricDataBuilder;
import dev.microsandbox.otel.metrics.sampling.SandboxSampler;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.FailureLog;
import dev.microsandbox.otel.userevents.UserEventsStats;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox series ({@link SandboxSeries}) and the collector's own health. Where the SDK takes
 * the {@code SandboxSeriesProducer} (configured by properties), or every reader of a declarative
 * file is a push exporter the extension wraps, every sandbox series is metric data built from the
 * registry pass ({@link #produce}, {@link #latestProduced}): one point per sandbox and series,
 * however many sandboxes, since metric data is not subject to the SDK's cardinality limit of 2,000
 * series per instrument, which would fold the rest into one overflow point. Otherwise (a file with
 * a pull reader, or an exporter that cannot be wrapped) the gauges are observable instruments and
 * the counters go through the wrapped push exporters. The collector's own health series are
 * observable instruments either way: one batch callback reports the latest pass of the {@link
 * SandboxSampler}. The pass runs once per collection when sampling follows the collections (in the
 * producer, which the SDK asks first, or else in the callback), and nowhere when the sampler runs
 * on its own period (then push exporters get every buffered sample, see {@code
 * SandboxPushExporter}). Nothing it does can throw into the SDK.
 */
public final class SandboxMetrics implements AutoCloseable {

  private static final Logger LOGGER = Logger.getLogger(SandboxMetrics.class.getName());

  private final SandboxSampler sampler;
  private final SandboxSeries[] produced; // by produce() and latestProduced(); the rest: gauges
  private final ObservedGauges gauges;
  private final CollectorHealth health;
  private final List<AutoCloseable> registrations = new ArrayList<>();
  private final FailureLog callbackFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics collection failed; sandbox series are missing from this"
              + " collection");

  /** Set once a series producer runs the passes: then the callback only reports. */
  private volatile boolean producerRunsPasses;

  /**
   * Series that read the registry at each collection of the meter provider's readers.
   *
   * @param reader the registry reader, owned (and closed) by this object from now on
   * @param labels the label source, owned (and closed) by this object from now on
   * @param stats export outcomes to publish, or null when no exporter is wrapped (pull exporters)
   * @param produced whether every sandbox series is metric data (from a registered producer, or
   *     added by the wrapped push exporters) rather than observed
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
   * @param produced whether every sandbox series is metric data (from a registered producer, or
   *     added by the wrapped push exporters) rather than observed
   */
  public SandboxMetrics(
      MeterProvider meterProvider, SandboxSampler sampler, ExportStats stats, boolean produced) {
    this.sampler = sampler;
    SeriesSelection selection = sampler.selection();
    this.produced = produced ? selection.enabled() : selection.sums();
    Meter meter =
        meterProvider
            .meterBuilder(MetricsScope.NAME)
            .setInstrumentationVersion(MetricsScope.VERSION)
            .build();
    List<ObservableMeasurement> inCallback = new ArrayList<>();
    gauges =
        new ObservedGauges(meter, produced ? new SandboxSeries[0] : selection.gauges(), inCallback);
    health = new CollectorHealth(meter, selection.reportsStops(), inCallback);
    registrations.add(
        meter.batchCallback(
            this::collect,
            inCallback.get(0),
            inCallback.subList(1, inCallback.size()).toArray(new ObservableMeasurement[0])));
    if (stats != null) {
      ExportHealth.register(meter, stats, registrations);
    }
    registrations.addAll(UserEventsStats.registerInstruments(meter));
  }

  /** The batch callback: the latest pass, every sandbox instrument, the collector's health. */
  private void collect() {
    try {
      if (!sampler.scheduled() && !producerRunsPasses) {
        sampler.pass();
      }
      if (gauges.any()) {
        sampler.forEachLatest(gauges::record);
      }
      health.record(sampler);
    } catch (Throwable e) { // nothing of ours reaches the SDK's collecting thread
      callbackFailures.failed(e);
    }
  }

  /** Points for {@link #produce}, to be reused by one reader in the reusable-data memory mode. */
  public MetricDataBuilder newPoints() {
    return new MetricDataBuilder(produced);
  }

  /**
   * What a series producer adds to a collection, before the SDK's callbacks run: the collection's
   * registry pass (unless the sampler runs on its own period), then every produced series of the
   * latest pass, one point per reported sandbox and series, at its sample's time; counters and
   * up-down counters start at the sandbox's start.
   *
   * @param reused points to clear and refill (a reader's own), or null for new ones
   */
  public Collection<MetricData> produce(Resource resource, MetricDataBuilder reused) {
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
  public Collection<MetricData> latestProduced(Resource resource, MetricDataBuilder reused) {
    if (produced.length == 0) {
      return List.of();
    }
    MetricDataBuilder points = reused != null ? reused : newPoints();
    points.clear();
    sampler.forEachLatest(points::add);
    List<MetricData> produced = new ArrayList<>();
    points.addMetrics(resource, MetricsScope.INFO, produced);
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
