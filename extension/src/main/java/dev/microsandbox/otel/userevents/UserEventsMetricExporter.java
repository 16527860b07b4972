package dev.microsandbox.otel.userevents;

import dev.microsandbox.otel.support.IdleExporter;
import dev.microsandbox.otel.support.WholeNumbers;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Metrics as Linux {@code user_events}: every export becomes {@code otlp_metrics} events, each an
 * OTLP request with one metric and as many of its points as fit ({@link EventBatcher}),
 * byte-compatible with OpenTelemetry's Rust exporter. Writes only while a tracer listens (the
 * kernel's enable bit, checked per export); otherwise an export succeeds without encoding anything.
 * Delta temporality for counters and histograms, as the Rust exporter. When the kernel, tracefs,
 * the permissions or the JVM do not allow it, one WARN says why and how to fix it, and the exporter
 * does nothing.
 */
public final class UserEventsMetricExporter implements MetricExporter, IdleExporter {

  /** The exporter's name in {@code OTEL_METRICS_EXPORTER}. */
  public static final String NAME = "user_events";

  /**
   * {@code OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES}: the SDK turns every underscore of an
   * environment variable into a dot, so the property has none.
   */
  public static final String MAX_EVENT_BYTES = "otel.exporter.user.events.max.event.bytes";

  /** The default payload limit: every standard consumer (perf, ftrace's 4 KiB pages) takes it. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 4000;

  private static final Logger LOGGER = Logger.getLogger(UserEventsMetricExporter.class.getName());
  private static final AggregationTemporalitySelector TEMPORALITY =
      AggregationTemporalitySelector.deltaPreferred();

  private final Tracepoint tracepoint; // null: unavailable, nothing is written
  private final EventBatcher batcher; // null exactly when tracepoint is
  private volatile boolean handedOver; // its tracepoint is another exporter's now
  private Boolean wasListening;
  private boolean writeFailureLogged;

  UserEventsMetricExporter(Tracepoint tracepoint, EventBatcher batcher) {
    this.tracepoint = tracepoint;
    this.batcher = batcher;
    UserEventsStats.configured();
  }

  /** The exporter {@code config} describes; never throws. */
  public static MetricExporter create(ConfigProperties config) {
    return create(config.getString(MAX_EVENT_BYTES), "OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES");
  }

  /**
   * The exporter for a payload limit as configured; never throws.
   *
   * @param limit the limit's text, null or blank for the default
   * @param setting how the operator spells the setting, for the message about a bad value
   */
  public static MetricExporter create(String limit, String setting) {
    int maxEventBytes = maxEventBytes(limit, setting);
    EventBatcher batcher;
    try {
      batcher = EventBatcher.checked(maxEventBytes);
    } catch (java.io.IOException | RuntimeException | LinkageError e) {
      LOGGER.warning(
          "user_events exporter does nothing: it encodes with the agent's own OTLP"
              + " marshaler (LowAllocationMetricsRequestMarshaler, agent 2.4 or newer), which this"
              + " agent lacks or has in another shape ("
              + e
              + "). The application and the other"
              + " exporters are unaffected");
      return new UserEventsMetricExporter(null, null);
    }
    Tracepoint tracepoint = null;
    try {
      tracepoint = Tracepoints.register(Tracepoints.mounts());
      LOGGER.info(
          "user_events exporter: registered user_events:otlp_metrics (at most "
              + maxEventBytes
              + " bytes of OTLP per event); events are written while a tracer"
              + " listens");
    } catch (UserEventsUnavailable e) {
      LOGGER.warning(
          "user_events exporter does nothing: "
              + e.getMessage()
              + ". The application and the other exporters are unaffected");
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(
          Level.WARNING, "user_events exporter does nothing: registering the event failed", e);
    }
    return new UserEventsMetricExporter(tracepoint, tracepoint == null ? null : batcher);
  }

  static int maxEventBytes(ConfigProperties config) {
    return maxEventBytes(
        config.getString(MAX_EVENT_BYTES), "OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES");
  }

  private static int maxEventBytes(String value, String setting) {
    if (value == null || value.isBlank()) {
      return DEFAULT_MAX_EVENT_BYTES;
    }
    Integer parsed = WholeNumbers.parse(value, 256, EventBatcher.HARD_LIMIT);
    if (parsed != null) {
      return parsed;
    }
    LOGGER.warning(
        setting
            + " = '"
            + value
            + "' is not a whole number from 256 to "
            + EventBatcher.HARD_LIMIT
            + "; using "
            + DEFAULT_MAX_EVENT_BYTES);
    return DEFAULT_MAX_EVENT_BYTES;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    if (tracepoint == null) {
      return CompletableResultCode.ofSuccess();
    }
    try {
      boolean listening = tracepoint.listening();
      logListenerChange(listening);
      if (!listening) {
        return CompletableResultCode.ofSuccess();
      }
      EventBatcher.Outcome outcome = batcher.write(metrics, this::writeEvent);
      UserEventsStats.add(outcome);
      if (outcome.detached) {
        logListenerChange(false);
      }
      return outcome.failedWrites == 0
          ? CompletableResultCode.ofSuccess()
          : CompletableResultCode.ofFailure();
    } catch (Throwable e) { // nothing of ours reaches the SDK's exporting thread
      LOGGER.log(Level.FINE, "user_events export failed", e);
      return CompletableResultCode.ofFailure();
    }
  }

  /**
   * One event, if a tracer still listens: the bit is checked before every write, as the Rust
   * exporter does, and a write refused after a detach (the kernel answers EBADF) means the same.
   */
  private int writeEvent(byte[] payload, int length) {
    if (!tracepoint.listening()) {
      return EventBatcher.Sink.DETACHED;
    }
    String error = tracepoint.write(payload, length);
    if (error == null) {
      return EventBatcher.Sink.WRITTEN;
    }
    if (!tracepoint.listening()) {
      return EventBatcher.Sink.DETACHED;
    }
    if (!writeFailureLogged) {
      writeFailureLogged = true;
      LOGGER.warning(
          "user_events exporter: writing an event failed ("
              + error
              + "); counted"
              + " in microsandbox.collector.user_events.write_errors, logged once");
    }
    return EventBatcher.Sink.FAILED;
  }

  /** Whether an export now would write nothing: the event is unavailable, or nobody listens. */
  @Override
  public boolean idle() {
    return tracepoint == null || !tracepoint.listening();
  }

  private void logListenerChange(boolean listening) {
    if (wasListening == null ? listening : wasListening != listening) {
      LOGGER.info(
          listening
              ? "user_events exporter: a tracer attached to"
                  + " user_events:otlp_metrics; writing events"
              : "user_events exporter: no tracer listens"
                  + " any more; not writing until one attaches");
    }
    wasListening = listening;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return TEMPORALITY.getAggregationTemporality(instrumentType);
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  /**
   * A new exporter that writes through this one's registered event, which this one then leaves
   * alone (its shutdown no longer unregisters it): what a declarative configuration's customizer
   * returns, since the SDK shuts down the exporter it replaces.
   */
  public MetricExporter takeOver() {
    handedOver = true;
    return new UserEventsMetricExporter(tracepoint, batcher);
  }

  @Override
  public CompletableResultCode shutdown() {
    if (tracepoint != null && !handedOver) {
      tracepoint.close();
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "UserEventsMetricExporter{" + (tracepoint == null ? "unavailable" : "registered") + '}';
  }
}
