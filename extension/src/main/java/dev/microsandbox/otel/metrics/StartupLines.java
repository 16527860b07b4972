package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.support.ExtensionVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * What the extension says once it runs: the line an operator checks a wrong home or registry
 * against, warnings about self-defeating settings, and the sidecar's summary for the bundle's
 * start-up line.
 */
final class StartupLines {

  /**
   * A maximum sample age below this cannot be met by any real sampling period (msb samples ~1 s).
   */
  static final Duration SHORTEST_SENSIBLE_SAMPLE_AGE = Duration.ofSeconds(1);

  private static final Logger LOGGER = Logger.getLogger(StartupLines.class.getName());

  private StartupLines() {}

  /** Start-up lines an operator can check a wrong home or a self-defeating setting against. */
  static void announce(ExtensionSetup setup, MicrosandboxSettings active) {
    boolean homeExists = Files.isDirectory(Path.of(active.home().isEmpty() ? "." : active.home()));
    Path registry = setup.registryInUse();
    String line =
        "microsandbox metrics on ("
            + setup.mode.name().toLowerCase(Locale.ROOT)
            + " mode,"
            + " extension "
            + ExtensionVersion.VERSION
            + ", "
            + active.registryAccess().resolved().configValue()
            + " reader, "
            + sampling(setup, active)
            + "): home "
            + active.home()
            + (homeExists ? "" : " (does not exist)")
            + ", registry "
            + registry
            + ", maximum sample age "
            + active.maxSampleAge();
    String slash = RegistryLocation.trailingSlashHint(active.home());
    if (!homeExists) {
      LOGGER.warning(
          line
              + ". No sandbox can have run under a home that does not exist: set"
              + " MSB_HOME (or OTEL_MICROSANDBOX_HOME) to the home msb runs with");
    } else if (slash != null && !Files.exists(registry)) {
      LOGGER.warning(line + ". No registry there yet. " + slash);
    } else {
      LOGGER.info(line);
    }
    Duration interval = setup.samplingPeriod();
    long exportIntervalMs = setup.exportIntervalMs();
    if (interval != null
        && (double) exportIntervalMs / interval.toMillis() > active.maxBuffered()) {
      LOGGER.warning(
          "microsandbox metrics: "
              + MicrosandboxSettings.envName(MicrosandboxSettings.MAX_BUFFERED)
              + "="
              + active.maxBuffered()
              + " holds less than one"
              + " export interval ("
              + exportIntervalMs / interval.toMillis()
              + " collections at "
              + interval.toMillis()
              + " ms per "
              + exportIntervalMs
              + " ms export): samples are dropped"
              + " even while exports succeed. Raise it, or collect less often");
    }
    Duration age = active.maxSampleAge();
    if (!age.isZero() && age.compareTo(SHORTEST_SENSIBLE_SAMPLE_AGE) < 0) {
      LOGGER.warning(
          "microsandbox metrics: "
              + MicrosandboxSettings.envName(MicrosandboxSettings.MAX_SAMPLE_AGE)
              + " is "
              + age.toMillis()
              + " ms, shorter than msb's"
              + " sampling period (about 1 s): most sandboxes will be skipped as sample_too_old."
              + " A bare number means milliseconds; write 30s for 30 seconds");
    }
  }

  /** What the sidecar runs with, for the bundle's start-up line. */
  static String inForce(ExtensionSetup setup, MicrosandboxSettings active) {
    String where = setup.destinations();
    return (where != null
            ? where
            : "exporters and run events as the declarative configuration file declares (events "
                + (active.events() ? "on" : "off")
                + ")")
        + "; every "
        + setup.exportIntervalMs()
        + " ms; "
        + sampling(setup, active)
        + "; registry "
        + setup.registryInUse();
  }

  private static String sampling(ExtensionSetup setup, MicrosandboxSettings active) {
    Duration interval = setup.samplingPeriod();
    return interval == null
        ? "sampling at each collection"
        : "sampling every "
            + interval.toMillis()
            + " ms, buffering "
            + active.maxBuffered()
            + " collections per exporter";
  }
}
