package dev.microsandbox.otel.metrics.instruments;

import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.lifecycle.RunEvents;
import dev.microsandbox.otel.lifecycle.StopReason;
import dev.microsandbox.otel.metrics.sampling.SandboxSampler;
import dev.microsandbox.otel.metrics.series.CollectorSeries;
import dev.microsandbox.otel.registry.RegistryProblem;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import java.util.List;
import java.util.Locale;

/**
 * What the latest registry pass saw, as the collector's health series: sandboxes exported, slots
 * skipped by reason, registry errors by type and (unless excluded) runs stopped by reason, recorded
 * in the batch callback from the sampler's counts.
 */
final class CollectorHealth {

  static final AttributeKey<String> REASON = stringKey("reason");
  static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
  private static final Attributes OWNER_DEAD = Attributes.of(REASON, "owner_dead");
  private static final Attributes SAMPLE_TOO_OLD = Attributes.of(REASON, "sample_too_old");
  private static final Attributes INCONSISTENT = Attributes.of(REASON, "inconsistent");
  private static final Attributes SUPERSEDED = Attributes.of(REASON, "superseded");

  private final ObservableLongMeasurement sandboxes;
  private final ObservableLongMeasurement skipped;
  private final ObservableLongMeasurement errors;
  private final ObservableLongMeasurement stops; // null: excluded
  private final Attributes[] errorAttributes = new Attributes[RegistryProblem.Kind.values().length];
  private final Attributes[] stopAttributes = new Attributes[StopReason.values().length];

  /** Builds the observers on {@code meter}, added to {@code inCallback}. */
  CollectorHealth(Meter meter, boolean reportsStops, List<ObservableMeasurement> inCallback) {
    for (RegistryProblem.Kind kind : RegistryProblem.Kind.values()) {
      errorAttributes[kind.ordinal()] =
          Attributes.of(ERROR_TYPE, kind.name().toLowerCase(Locale.ROOT));
    }
    sandboxes = CollectorSeries.SANDBOXES.gauge(meter).ofLongs().buildObserver();
    skipped = CollectorSeries.SLOTS_SKIPPED.gauge(meter).ofLongs().buildObserver();
    errors = CollectorSeries.REGISTRY_ERRORS.counter(meter).buildObserver();
    inCallback.add(sandboxes);
    inCallback.add(skipped);
    inCallback.add(errors);
    if (reportsStops) {
      for (StopReason reason : StopReason.values()) {
        stopAttributes[reason.ordinal()] = Attributes.of(RunEvents.STOP_REASON, reason.value());
      }
      stops = CollectorSeries.STOPS.counter(meter).buildObserver();
      inCallback.add(stops);
    } else {
      stops = null;
    }
  }

  /** Records the counts of the sampler's latest pass. */
  void record(SandboxSampler sampler) {
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
  }
}
