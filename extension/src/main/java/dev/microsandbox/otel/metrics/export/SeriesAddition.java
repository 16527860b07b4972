package dev.microsandbox.otel.metrics.export;

import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * The sandbox series added to a collection where no producer could be registered with the SDK (a
 * declarative configuration file): those of the registry pass the collection's callback ran.
 */
final class SeriesAddition {

  private final Function<Resource, Collection<MetricData>> series;

  /**
   * @param series the sandbox series of the latest registry pass for a resource
   */
  SeriesAddition(Function<Resource, Collection<MetricData>> series) {
    this.series = series;
  }

  /** The collection and the sandbox series of its registry pass. */
  Collection<MetricData> to(Collection<MetricData> metrics) {
    Collection<MetricData> added = series.apply(BufferedExport.resourceOf(metrics));
    if (added.isEmpty()) {
      return metrics;
    }
    List<MetricData> batch = new ArrayList<>(metrics.size() + added.size());
    batch.addAll(metrics);
    batch.addAll(added);
    return batch;
  }
}
