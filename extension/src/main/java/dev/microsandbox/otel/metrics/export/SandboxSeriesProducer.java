package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.metrics.data.MetricDataBuilder;
import dev.microsandbox.otel.metrics.instruments.SandboxMetrics;
import dev.microsandbox.otel.support.FailureLog;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The sandbox series as the SDK's {@link MetricProducer}: metric data built from the registry pass,
 * one point per sandbox and series at any number of sandboxes (the SDK's instruments fold what is
 * beyond their cardinality limit into one overflow point), with sums that start when their
 * sandbox's run started (which asynchronous instruments cannot express). The SDK asks registered
 * producers before its own instruments, so the producer runs the collection's registry pass ({@link
 * SandboxMetrics#produce}) and the health callback that follows reports the same pass.
 *
 * <p>Every reader gets new points, except a reader wrapped by {@link ReleasingMetricReader} in the
 * reusable-data memory mode: it exports one collection before it collects the next, so its points
 * are set again in place, as the SDK reuses its own ({@link #reusingPointsOf}).
 */
public final class SandboxSeriesProducer implements MetricProducer {

  private static final Logger LOGGER = Logger.getLogger(SandboxSeriesProducer.class.getName());

  /** The points of the reader collecting on this thread, while a wrapped reader collects. */
  private static final ThreadLocal<ReaderPoints> COLLECTING = new ThreadLocal<>();

  private final Supplier<SandboxMetrics> metrics;
  private final FailureLog failures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: producing the sandbox series failed; they are missing from"
              + " this collection");

  /**
   * A producer for the SDK's meter provider builder.
   *
   * @param metrics the instruments once registered (null before, and after shutdown)
   */
  public SandboxSeriesProducer(Supplier<SandboxMetrics> metrics) {
    this.metrics = metrics;
  }

  @Override
  public Collection<MetricData> produce(Resource resource) {
    return produce(resource, true);
  }

  /**
   * The produced series of the latest registry pass, without running one: for an exporter to add to
   * a collection where this producer could not be registered with the SDK (a declarative
   * configuration file), so the health callback ran the pass.
   */
  public Collection<MetricData> latestSeries(Resource resource) {
    return produce(resource, false);
  }

  private Collection<MetricData> produce(Resource resource, boolean runPass) {
    SandboxMetrics current = metrics.get();
    if (current == null) {
      return List.of();
    }
    try {
      ReaderPoints reader = COLLECTING.get();
      MetricDataBuilder reused = reader == null ? null : reader.pointsFor(current);
      return runPass ? current.produce(resource, reused) : current.latestProduced(resource, reused);
    } catch (Throwable e) { // nothing of ours reaches the SDK's collecting thread
      failures.failed(e);
      return List.of();
    }
  }

  /**
   * {@code registration} as a reader in {@code mode} should see it: in the reusable-data mode, its
   * collections reuse one set of points; otherwise unchanged.
   */
  static CollectionRegistration reusingPointsOf(
      CollectionRegistration registration, MemoryMode mode) {
    if (mode != MemoryMode.REUSABLE_DATA) {
      return registration;
    }
    ReaderPoints points = new ReaderPoints();
    return new CollectionRegistration() {
      @Override
      public Collection<MetricData> collectAllMetrics() {
        COLLECTING.set(points);
        try {
          return registration.collectAllMetrics();
        } finally {
          COLLECTING.remove();
        }
      }
    };
  }

  /** One reader's points, kept across its collections. */
  private static final class ReaderPoints {
    private SandboxMetrics owner;
    private MetricDataBuilder points;

    MetricDataBuilder pointsFor(SandboxMetrics metrics) {
      if (owner != metrics) {
        owner = metrics;
        points = metrics.newPoints();
      }
      return points;
    }
  }
}
