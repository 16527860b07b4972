package dev.microsandbox.otel.userevents;

import com.google.auto.service.AutoService;
import dev.microsandbox.otel.support.JavaRuntime;
import io.opentelemetry.api.incubator.config.DeclarativeConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.ComponentProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/**
 * The {@code user_events} exporter by name in a declarative configuration file, as a periodic
 * reader's exporter: {@code exporter: {user_events: {max_event_bytes: 4000}}}. Compiled for Java 8
 * like {@link UserEventsExporterProvider}, which it mirrors.
 */
@AutoService(ComponentProvider.class)
public final class UserEventsComponentProvider implements ComponentProvider {

  /** The payload limit's key in the exporter's node. */
  static final String MAX_EVENT_BYTES = "max_event_bytes";

  @Override
  public Class<?> getType() {
    return MetricExporter.class;
  }

  @Override
  public String getName() {
    return UserEventsMetricExporter.NAME;
  }

  @Override
  public Object create(DeclarativeConfigProperties config) {
    if (!JavaRuntime.supported()) {
      return UserEventsExporterProvider.onUnsupportedJvm();
    }
    // The node's scalar as written (a number, or a string from an environment substitution).
    Object limit = DeclarativeConfigProperties.toMap(config).get(MAX_EVENT_BYTES);
    return UserEventsMetricExporter.create(limit == null ? null : String.valueOf(limit),
        "user_events exporter's " + MAX_EVENT_BYTES);
  }
}
