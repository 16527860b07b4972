package dev.microsandbox.otel.metrics;

import com.google.auto.service.AutoService;
import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.JavaRuntime;
import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Registers the sandbox instruments on the agent's meter provider once the SDK is built, after
 * reading the settings from a declarative configuration file if the SDK came from one. Compiled for
 * Java 8 like {@link MicrosandboxCustomizerProvider}, which has already said why it is off on an
 * older JVM.
 */
@AutoService(AgentListener.class)
public final class MicrosandboxAgentListener implements AgentListener {

  private static final Logger LOGGER = Logger.getLogger(MicrosandboxAgentListener.class.getName());

  @Override
  public void afterAgent(AutoConfiguredOpenTelemetrySdk autoConfiguredSdk) {
    if (!JavaRuntime.supported()) {
      return;
    }
    try {
      ExtensionSetup.takeBuilt().start(autoConfiguredSdk.getOpenTelemetrySdk());
    } catch (RuntimeException | LinkageError e) {
      LOGGER.log(Level.SEVERE, "microsandbox metrics are off: start-up failed", e);
      ExtensionState.off("start-up failed: " + e);
    }
  }
}
