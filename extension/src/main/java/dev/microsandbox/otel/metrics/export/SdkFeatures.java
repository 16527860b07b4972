package dev.microsandbox.otel.metrics.export;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.function.BiFunction;

/**
 * What the agent's SDK offers beyond the oldest supported agent (2.0, SDK 1.34), asked once by
 * reflection on its public API rather than by calling and catching a linkage error.
 */
public final class SdkFeatures {

  private SdkFeatures() {}

  /** Whether metric readers can be wrapped: SDK 1.36 (agent 2.2) and newer. */
  public static boolean hasReaderCustomizer() {
    try {
      AutoConfigurationCustomizer.class.getMethod("addMetricReaderCustomizer", BiFunction.class);
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** Whether a failed result can carry its cause: SDK 1.41 (agent 2.7) and newer. */
  static boolean hasFailureThrowable() {
    try {
      CompletableResultCode.class.getMethod("getFailureThrowable");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
