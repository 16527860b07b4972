package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.sidecar.SidecarLog;
import dev.microsandbox.otel.support.ExtensionState;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;

/**
 * The bundle's sidecar without the agent: the plain OpenTelemetry SDK, built by its own
 * autoconfiguration from the same {@code OTEL_*} variables or declarative configuration file the
 * agent reads, with this extension found through the same service files (its customizers, the
 * {@code user_events} exporter). The agent is an instrumentation engine the sidecar never uses; the
 * SDK alone is what it needs. The bundle's main loads this class in a class loader of the nested
 * SDK jars and calls {@link #start}; the SDK's shutdown hook exports one last time at SIGTERM.
 */
public final class StandaloneSidecar {

  /** The SDK's choice among several HTTP senders: the JDK's client, not OkHttp (kept for gRPC). */
  static final String HTTP_SENDER = "io.opentelemetry.sdk.common.export.HttpSenderProvider";

  static final String JDK_HTTP_SENDER =
      "io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider";

  private StandaloneSidecar() {}

  /**
   * Builds the SDK and starts the extension on it; never throws.
   *
   * @return the extension's state ({@link ExtensionState#PROPERTY}'s value)
   */
  public static String start() {
    if (System.getProperty(HTTP_SENDER) == null) {
      System.setProperty(HTTP_SENDER, JDK_HTTP_SENDER);
    }
    try {
      SidecarLog.install(System.getenv(), System.getProperties());
    } catch (RuntimeException e) { // the JVM's default log then, never no sidecar
      java.util.logging.Logger.getLogger(StandaloneSidecar.class.getName())
          .warning(
              "microsandbox sidecar: setting up its log failed, logging as the JVM does: " + e);
    }
    try {
      // The agent's defaults where the SDK's differ (OTLP over http/protobuf, not gRPC), and no
      // spans, which a sidecar never has; its logs are the run events' or none (set by the
      // extension's properties customizer); the variables and properties still win.
      Map<String, String> defaults = new HashMap<>();
      defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
      defaults.put("otel.traces.exporter", "none");
      AutoConfiguredOpenTelemetrySdk sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              .setServiceClassLoader(StandaloneSidecar.class.getClassLoader())
              .addPropertiesSupplier(() -> defaults)
              .build();
      ExtensionSetup.takeBuilt().start(sdk.getOpenTelemetrySdk());
    } catch (RuntimeException | LinkageError e) {
      ExtensionState.off("the OpenTelemetry SDK did not start: " + e.getMessage());
    }
    String state = System.getProperty(ExtensionState.PROPERTY);
    return state != null ? state : ExtensionState.OFF_PREFIX + "the extension did not start";
  }
}
