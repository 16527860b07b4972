package dev.microsandbox.otel.metrics;

import com.google.auto.service.AutoService;
import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.JavaRuntime;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's first contact with the extension. Compiled for Java 8 so that it loads on any JVM the
 * agent runs on: on a JVM older than 11 it logs one warning and the extension stays off; otherwise
 * it hands over to code compiled for Java 11 (and, on 22+, the FFM registry reader).
 */
@AutoService(AutoConfigurationCustomizerProvider.class)
public final class MicrosandboxCustomizerProvider implements AutoConfigurationCustomizerProvider {

  private static final Logger LOGGER =
      Logger.getLogger(MicrosandboxCustomizerProvider.class.getName());

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    if (!JavaRuntime.supported()) {
      String reason = JavaRuntime.unsupportedMessage("the microsandbox metrics extension");
      LOGGER.warning(reason + "; it stays off and the application runs normally");
      ExtensionState.off(reason);
      return;
    }
    try {
      PropertiesPath.customize(customizer);
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(Level.SEVERE, "microsandbox metrics are off: start-up failed", e);
      ExtensionState.off("start-up failed: " + e);
    }
  }
}
