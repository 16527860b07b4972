package dev.microsandbox.otel.support;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The versions this build carries, from the filtered {@code version.properties}. */
public final class ExtensionVersion {

  /** This extension's version (the instrumentation scope version). */
  public static final String VERSION;

  static {
    Properties properties = new Properties();
    try (InputStream in =
        ExtensionVersion.class.getResourceAsStream("/dev/microsandbox/otel/version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown": a version string is not worth failing start-up for
    }
    VERSION = properties.getProperty("version", "unknown");
  }

  private ExtensionVersion() {}
}
