package dev.microsandbox.otel.metrics;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * An SDK built by the SDK's own autoconfiguration, which finds the extension through ServiceLoader
 * as the agent does, with the listener run on it: no exporters unless the properties name one.
 */
public final class AutoconfiguredSdk {

  private AutoconfiguredSdk() {}

  /** The SDK for {@code properties}, with the test's own readers added by {@code readers}. */
  public static OpenTelemetrySdk start(
      Map<String, String> properties, UnaryOperator<SdkMeterProviderBuilder> readers) {
    Map<String, String> all =
        new HashMap<>(
            Map.of(
                "otel.metrics.exporter",
                "none",
                "otel.traces.exporter",
                "none",
                "otel.logs.exporter",
                "none"));
    all.putAll(properties);
    AutoConfiguredOpenTelemetrySdk autoConfigured =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> all)
            .addMeterProviderCustomizer((builder, config) -> readers.apply(builder))
            .disableShutdownHook()
            .build();
    new MicrosandboxAgentListener().afterAgent(autoConfigured);
    return autoConfigured.getOpenTelemetrySdk();
  }
}
