package dev.microsandbox.otel.metrics.series;

import dev.microsandbox.otel.support.ExtensionVersion;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;

/** The instrumentation scope of every series and run event the extension reports. */
public final class MetricsScope {

  /** The scope's name, the same as upstream's. */
  public static final String NAME = "microsandbox-metrics-collector";

  /** The scope's version: this extension's. */
  public static final String VERSION = ExtensionVersion.VERSION;

  /** The scope as the SDK's metric data carry it. */
  public static final InstrumentationScopeInfo INFO =
      InstrumentationScopeInfo.builder(NAME).setVersion(VERSION).build();

  private MetricsScope() {}
}
