package dev.microsandbox.otel.metrics.settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * How the extension runs, which decides whose defaults apply. {@link #APPLICATION}: riding in
 * somebody's JVM, whose resource, export interval and logs are theirs and are never changed. {@link
 * #SIDECAR}: the bundle's stand-alone {@code … -jar msb-otel-agent.jar sidecar}, a drop-in for
 * {@code msb-metrics otel} with upstream's defaults.
 */
public enum RunMode {
  APPLICATION,
  SIDECAR;

  /** The bundle's main class; {@code sidecar} is its command. */
  static final String BUNDLE_MAIN = "dev.microsandbox.otel.bundle.BundleMain";

  static final String SIDECAR_COMMAND = "sidecar";

  /** The mode of this JVM, from the launcher's command line ({@code sun.java.command}). */
  public static RunMode detect() {
    return detect(System.getProperty("sun.java.command", ""));
  }

  /**
   * The mode for a launcher command line: the main class or {@code -jar} file, then the arguments.
   * Only the bundle's own main with the single argument {@code sidecar} is the sidecar.
   */
  public static RunMode detect(String javaCommand) {
    String command = javaCommand.trim();
    String suffix = " " + SIDECAR_COMMAND;
    if (!command.endsWith(suffix)) {
      return APPLICATION;
    }
    String main = command.substring(0, command.length() - suffix.length()).trim();
    if (main.equals(BUNDLE_MAIN)) {
      return SIDECAR;
    }
    return main.endsWith(".jar") && BUNDLE_MAIN.equals(mainClassOf(Path.of(main)))
        ? SIDECAR
        : APPLICATION;
  }

  private static String mainClassOf(Path jar) {
    if (!Files.isRegularFile(jar)) {
      return null;
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      return manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
