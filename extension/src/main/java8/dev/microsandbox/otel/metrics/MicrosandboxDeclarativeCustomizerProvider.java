package dev.microsandbox.otel.metrics;

import com.google.auto.service.AutoService;
import dev.microsandbox.otel.support.JavaRuntime;
import io.opentelemetry.sdk.autoconfigure.declarativeconfig.DeclarativeConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.declarativeconfig.DeclarativeConfigurationCustomizerProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension's hook into an SDK built from a declarative configuration file (agent 2.28+, where
 * the SDK's customizer has this package): every push exporter the file declares is wrapped for
 * export health, the outage buffer and the sandbox series, as {@link
 * MicrosandboxCustomizerProvider} does for an SDK configured by properties. The settings themselves
 * are read once the SDK is built ({@link MicrosandboxAgentListener}). Compiled for Java 8 like the
 * other entry points.
 */
@AutoService(DeclarativeConfigurationCustomizerProvider.class)
public final class MicrosandboxDeclarativeCustomizerProvider
    implements DeclarativeConfigurationCustomizerProvider {

  private static final Logger LOGGER =
      Logger.getLogger(MicrosandboxDeclarativeCustomizerProvider.class.getName());

  @Override
  public void customize(DeclarativeConfigurationCustomizer customizer) {
    if (!JavaRuntime.supported()) {
      return; // the listener says why, once
    }
    try {
      ExtensionSetup setup = DeclarativePath.begin();
      customizer.addModelCustomizer(readersNoted(setup));
      customizer.addMetricExporterCustomizer(
          MetricExporter.class, (exporter, config) -> DeclarativePath.wrap(setup, exporter));
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(
          Level.WARNING,
          "microsandbox metrics: the declarative configuration's exporter customizer failed;"
              + " sandbox metrics go out without export health, the outage buffer and the"
              + " semantic-convention counters",
          e);
    }
  }

  /**
   * A model customizer that only looks: whether the file has a pull reader decides whether the
   * sandbox gauges must be instruments. The model is handled as an Object, since its class's
   * package differs between agent versions (the method's erased signature does not).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Function readersNoted(ExtensionSetup setup) {
    Function<Object, Object> noting =
        model -> {
          DeclarativePath.readersSeen(setup, model);
          return model;
        };
    return noting;
  }
}
