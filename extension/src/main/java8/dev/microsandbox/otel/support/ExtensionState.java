package dev.microsandbox.otel.support;

/**
 * Whether the extension is exporting, published as a JVM-wide system property so that the bundle's
 * sidecar main (another class loader than the agent's extension loader) can tell "running" from
 * "nothing will ever be exported" and exit with the reason instead of idling. Compiled for Java 8
 * with the other entry points.
 */
public final class ExtensionState {

  /** System property holding {@link #ON}, or {@link #OFF_PREFIX} followed by the reason. */
  public static final String PROPERTY = "dev.microsandbox.otel.state";

  /** The extension's instruments are registered. */
  public static final String ON = "on";

  /** Prefix of the value when the extension is off. */
  public static final String OFF_PREFIX = "off: ";

  /**
   * System property holding what the sidecar runs with (exporters, endpoints without secrets,
   * interval, sampling, run events, registry), for the bundle's start-up line.
   */
  public static final String IN_FORCE = "dev.microsandbox.otel.inForce";

  private ExtensionState() {}

  /** Records what the sidecar runs with, before {@link #on()}. */
  public static void inForce(String summary) {
    System.setProperty(IN_FORCE, summary);
  }

  /** Records that the instruments are registered. */
  public static void on() {
    System.setProperty(PROPERTY, ON);
  }

  /** Records that the extension is off, and why (one sentence an operator can act on). */
  public static void off(String reason) {
    System.setProperty(PROPERTY, OFF_PREFIX + reason);
  }
}
