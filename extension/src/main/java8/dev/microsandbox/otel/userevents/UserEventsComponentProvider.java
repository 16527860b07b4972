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
    // A number as written; a string where an environment substitution made one. Asked for as a
    // number first: the SDK warns about every value asked for as another type than it has.
    Long number =
        config.getPropertyKeys().contains(MAX_EVENT_BYTES) ? config.getLong(MAX_EVENT_BYTES) : null;
    String limit = number != null ? String.valueOf(number) : config.getString(MAX_EVENT_BYTES);
    return UserEventsMetricExporter.create(limit, "user_events exporter's " + MAX_EVENT_BYTES);
  }
}
