package dev.microsandbox.otel.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * {@code java -jar msb-otel-agent.jar [--version | sidecar]}. Prints which agent and which extension
 * the bundle carries; with {@code sidecar}, under {@code -javaagent:} the same jar, keeps a JVM alive
 * for the agent to export sandbox metrics until SIGTERM or SIGINT, when the agent's shutdown hook
 * flushes a last export. Compiled for Java 8, like the agent's own main class.
 */
public final class BundleMain {

  private BundleMain() {}

  /** Entry point. */
  public static void main(String[] args) throws InterruptedException {
    String command = args.length == 0 ? "--version" : args[0];
    if (command.equals("--version") || command.equals("version")) {
      System.out.println(versionLine());
    } else if (command.equals("sidecar") && args.length == 1) {
      sidecar();
    } else {
      System.err.println("usage: java -jar msb-otel-agent.jar [--version]\n"
          + "       java -javaagent:msb-otel-agent.jar -jar msb-otel-agent.jar sidecar");
      System.exit(2);
    }
  }

  private static void sidecar() throws InterruptedException {
    if (!agentAttached()) {
      System.err.println("msb-otel sidecar: the agent is not attached; start it as\n"
          + "  java -javaagent:msb-otel-agent.jar -jar msb-otel-agent.jar sidecar");
      System.exit(2);
    }
    System.out.println("msb-otel sidecar running (" + versionLine() + "); metrics go wherever OTEL_*"
        + " says; stop with SIGTERM or Ctrl+C");
    System.out.flush();
    // The agent's threads do the work; on SIGTERM/SIGINT the JVM runs its shutdown hook, which
    // collects and exports one last time before the process ends.
    Thread.currentThread().join();
  }

  /** Whether the agent has appended its jar to the bootstrap class path, as premain does. */
  private static boolean agentAttached() {
    try {
      Class.forName("io.opentelemetry.javaagent.bootstrap.AgentInitializer", false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static String versionLine() {
    Attributes manifest = manifest();
    return "opentelemetry-javaagent " + manifest.getValue("OpenTelemetry-Agent-Version")
        + " with microsandbox extension " + manifest.getValue("Microsandbox-Extension-Version");
  }

  private static Attributes manifest() {
    // Under -javaagent the bootstrap loader may have loaded this class: no code source, but then
    // `java -jar` put this very jar on the class path.
    java.security.CodeSource source = BundleMain.class.getProtectionDomain().getCodeSource();
    try {
      URL location = source != null ? source.getLocation()
          : new java.io.File(System.getProperty("java.class.path")).toURI().toURL();
      return read(new URL("jar:" + location + "!/META-INF/MANIFEST.MF"));
    } catch (IOException e) {
      return new Attributes();
    }
  }

  private static Attributes read(URL manifest) throws IOException {
    try (InputStream in = manifest.openStream()) {
      return new Manifest(in).getMainAttributes();
    }
  }
}
