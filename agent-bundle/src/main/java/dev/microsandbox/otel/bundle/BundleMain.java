package dev.microsandbox.otel.bundle;

import dev.microsandbox.otel.support.ExtensionState;
import dev.microsandbox.otel.support.JavaRuntime;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * {@code java -jar msb-otel-agent.jar [--version | sidecar | snapshot …]}: the one deployable jar's
 * commands. {@code --version} prints which agent and which extension the bundle carries; {@code
 * sidecar} exports sandbox metrics until SIGTERM or SIGINT, when a last export is flushed, and
 * exits at once, non-zero, with the reason, when nothing would ever be exported: on its own it runs
 * the extension on the plain OpenTelemetry SDK the jar carries (the lean form, no instrumentation
 * agent), under {@code -javaagent:} the same jar it keeps a JVM alive for the agent to export;
 * {@code snapshot} runs the embedded extension's snapshot command. Compiled for Java 8, like the
 * agent's own main class, so that an old {@code java} gets a sentence.
 */
public final class BundleMain {

  // The extension's own constants, inlined by the compiler: this class never loads the extension's.
  /** What the extension publishes about itself. */
  static final String STATE_PROPERTY = ExtensionState.PROPERTY;

  static final int REQUIRED_FEATURE = JavaRuntime.REQUIRED_FEATURE;

  /**
   * The snapshot command's status when it fails for a reason of its own: the extension's {@code
   * Cli.FAILED}, a Java 11 class this one cannot compile against (BundleMainTest checks they
   * agree).
   */
  static final int SNAPSHOT_FAILED = 3;

  static final String EXTENSION_ENTRY = "extensions/msb-otel-extension.jar";

  /** Where the bundle carries the stand-alone sidecar's SDK jars. */
  static final String LEAN_DIR = "lean/";

  // Classes the bundle loads by name from the nested jars; BundleMainTest checks they exist.
  static final String CLI = "dev.microsandbox.otel.cli.Cli";
  static final String STANDALONE_SIDECAR = "dev.microsandbox.otel.metrics.StandaloneSidecar";

  /**
   * The lean form's log settings (the extension's {@code SidecarLog}; BundleMainTest checks the
   * names), which the agent form cannot honour: there the agent writes the log.
   */
  static final String[] LOG_SETTINGS = {
    "otel.microsandbox.log.level", "otel.microsandbox.log.format"
  };

  static final String SIDECAR_HELP =
      String.join(
          "\n",
          "usage: java -jar msb-otel-agent.jar sidecar",
          "   (or java -javaagent:msb-otel-agent.jar -jar msb-otel-agent.jar sidecar)",
          "",
          "Exports the sandbox metrics of this host's microsandbox registry until SIGTERM or",
          "Ctrl+C, with msb-metrics otel's defaults: a registry read every second, an export",
          "every 10 s, service.name=microsandbox. Configured by environment variables (or the",
          "matching -Dotel.* properties), or by a declarative file (OTEL_CONFIG_FILE):",
          "",
          "  OTEL_EXPORTER_OTLP_ENDPOINT     where to send (msb-metrics --endpoint);"
              + " default http://localhost:4318",
          "  OTEL_EXPORTER_OTLP_PROTOCOL     http/protobuf (default) or grpc (msb-metrics'"
              + " default, port 4317)",
          "  OTEL_EXPORTER_OTLP_HEADERS      k=v,k2=v2, values URL-encoded (--header)",
          "  OTEL_RESOURCE_ATTRIBUTES        k=v,... (--resource)",
          "  OTEL_METRICS_EXPORTER           otlp (default), prometheus, console, user_events",
          "  OTEL_EXPORTER_PROMETHEUS_HOST   the pull endpoint's address; default localhost",
          "  OTEL_METRIC_EXPORT_INTERVAL     ms between exports (--flush-interval); default 10000",
          "  MSB_HOME                        the runtime's home (--msb-home)",
          "  OTEL_MICROSANDBOX_COLLECT_INTERVAL, _MAX_BUFFERED, _EMIT_RUN_ID, _EMIT_PID, _EVENTS,",
          "  _LABELS_ENABLED, ...            every extension setting: docs/configuration.md",
          "  OTEL_MICROSANDBOX_LOG_LEVEL     error, warn, info (default), debug, trace"
              + " (--log-level)",
          "  OTEL_MICROSANDBOX_LOG_FORMAT    text (default) or json (--log-format)",
          "",
          "At start it prints one line with what is in force. Flag by flag from msb-metrics:",
          "docs/comparison.md.",
          "");

  /** How long the sidecar waits for the agent to report the extension's state. */
  static final long STATE_WAIT_MS = 10_000;

  /** How often the running sidecar looks whether the extension has turned itself off. */
  static final long STATE_POLL_MS = 500;

  private BundleMain() {}

  /** Entry point. */
  public static void main(String[] args) throws InterruptedException {
    String command = args.length == 0 ? "--version" : args[0];
    if (command.equals("--version") || command.equals("version")) {
      System.out.println(versionLine());
    } else if (command.equals("sidecar") && args.length == 1) {
      sidecar();
    } else if (command.equals("sidecar")
        && args.length == 2
        && (args[1].equals("--help") || args[1].equals("-h"))) {
      System.out.print(SIDECAR_HELP);
    } else if (command.equals("snapshot")) {
      System.exit(snapshot(args));
    } else {
      System.err.println(
          "usage: java -jar msb-otel-agent.jar [--version]\n"
              + "       java -jar msb-otel-agent.jar sidecar    (or under"
              + " -javaagent:msb-otel-agent.jar)\n"
              + "       java -jar msb-otel-agent.jar snapshot [--help | options]");
      System.exit(2);
    }
  }

  private static void sidecar() throws InterruptedException {
    requireJava("the sidecar");
    String version = versionLine();
    String state;
    if (agentAttached()) {
      for (String setting : LOG_SETTINGS) {
        if (System.getProperty(setting) != null || System.getenv(variable(setting)) != null) {
          System.err.println(
              "msb-otel sidecar: under -javaagent the agent writes this process's log, so "
                  + variable(setting)
                  + " does not apply (it is the lean form's: java -jar msb-otel-agent.jar"
                  + " sidecar, no -javaagent); here OTEL_JAVAAGENT_DEBUG=true logs at debug and"
                  + " OTEL_JAVAAGENT_LOGGING=none logs nothing");
        }
      }
      state = awaitExtensionState();
      if (state == null) {
        System.err.println(
            "msb-otel sidecar: the OpenTelemetry agent did not start the"
                + " microsandbox extension within "
                + STATE_WAIT_MS / 1000
                + " s, so nothing would be"
                + " exported; see the agent's error above (for example a Prometheus port already in"
                + " use)");
        System.exit(1);
      }
    } else {
      state = startWithoutAgent();
      releaseThisJar();
    }
    if (!state.equals(ExtensionState.ON)) {
      System.err.println("msb-otel sidecar: nothing would be exported, exiting: " + state);
      System.exit(1);
    }
    String inForce = System.getProperty(ExtensionState.IN_FORCE);
    System.out.println(
        "msb-otel sidecar running ("
            + version
            + (agentAttached() ? ", agent form" : ", lean form")
            + "): "
            + (inForce != null ? inForce : "metrics go wherever OTEL_* says")
            + "; stop with SIGTERM or Ctrl+C");
    System.out.flush();
    // The agent's threads do the work; on SIGTERM/SIGINT the JVM runs its shutdown hook, which
    // collects and exports one last time before the process ends. The extension turns itself off
    // when the registry refuses this process (permission, owner): then the sidecar ends, non-zero.
    while (true) {
      Thread.sleep(STATE_POLL_MS);
      String now = System.getProperty(STATE_PROPERTY);
      if (now != null && now.startsWith(ExtensionState.OFF_PREFIX)) {
        System.err.println("msb-otel sidecar: nothing can be exported any more, exiting: " + now);
        System.exit(1);
      }
    }
  }

  /**
   * The lean form: the extension on the plain OpenTelemetry SDK, both loaded from the jars nested
   * in this one ({@value #EXTENSION_ENTRY} and {@value #LEAN_DIR}), copied to a private temporary
   * directory that is removed at exit, in a class loader of their own. Returns the extension's
   * state, as the agent form does.
   */
  private static String startWithoutAgent() {
    try {
      File dir = PrivateCopies.create(PrivateCopies.SIDECAR);
      List<URL> jars = new ArrayList<URL>();
      try (JarFile bundle = new JarFile(bundleJar())) {
        jars.add(copy(bundle, EXTENSION_ENTRY, dir)); // first: its classes win
        for (JarEntry entry : Collections.list(bundle.entries())) {
          if (entry.getName().startsWith(LEAN_DIR) && entry.getName().endsWith(".jar")) {
            jars.add(copy(bundle, entry.getName(), dir));
          }
        }
      }
      URLClassLoader loader = nestedLoader(jars.toArray(new URL[0]));
      Thread.currentThread().setContextClassLoader(loader);
      return (String)
          Class.forName(STANDALONE_SIDECAR, true, loader).getMethod("start").invoke(null);
    } catch (PrivateCopies.Unusable e) {
      return ExtensionState.OFF_PREFIX + e.getMessage();
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return ExtensionState.OFF_PREFIX + "the sidecar could not load its SDK from this jar: " + e;
    }
  }

  /**
   * Lets go of this jar once the lean sidecar runs from its copies. The class path keeps the jar
   * open, and an open jar keeps its central directory on the heap: 2.4 MB for the agent's 16,700
   * entries, needed for nothing once the SDK's classes come from the copies. The application class
   * loader's class path is closed for it (the manifest's {@code Add-Opens} lets this class reach
   * it); every class this one still uses is loaded by then, and a class asked of that loader later
   * is not found, as if absent. Best effort: on a JVM built otherwise the jar stays open, as
   * before.
   */
  private static void releaseThisJar() {
    try {
      Field classPath =
          Class.forName("jdk.internal.loader.BuiltinClassLoader").getDeclaredField("ucp");
      classPath.setAccessible(true);
      Object path = classPath.get(ClassLoader.getSystemClassLoader());
      path.getClass().getMethod("closeLoaders").invoke(path);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // The jar stays open: 2.4 MB more heap, nothing else.
    }
  }

  /**
   * A class loader of {@code jars} whose parent is the platform loader (java.sql for SQLite, the
   * JDK's HTTP client), not this jar's agent classes. The platform loader is looked up
   * reflectively: this class is compiled for Java 8, and requireJava has checked 11+.
   */
  private static URLClassLoader nestedLoader(URL[] jars) throws ReflectiveOperationException {
    ClassLoader platform =
        (ClassLoader) ClassLoader.class.getMethod("getPlatformClassLoader").invoke(null);
    return new URLClassLoader(jars, platform);
  }

  /**
   * Copies {@code bundle}'s entry {@code name} into {@code dir}; the copy's URL. Read from the jar
   * the caller opened and closes, not as a class-path resource, whose jar: URL the JDK caches open
   * for good (releaseThisJar).
   */
  private static URL copy(JarFile bundle, String name, File dir) throws IOException {
    File target = new File(dir, name.substring(name.lastIndexOf('/') + 1));
    JarEntry entry = bundle.getJarEntry(name);
    if (entry == null) {
      throw new IOException("this jar carries no " + name);
    }
    try (InputStream in = bundle.getInputStream(entry)) {
      target.deleteOnExit();
      Files.copy(in, target.toPath(), StandardCopyOption.REPLACE_EXISTING);
    }
    return target.toURI().toURL();
  }

  /** The bundle jar this class runs from. */
  private static File bundleJar() throws IOException {
    java.security.CodeSource source = BundleMain.class.getProtectionDomain().getCodeSource();
    try {
      return source != null
          ? new File(source.getLocation().toURI())
          : new File(System.getProperty("java.class.path"));
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
  }

  /**
   * The extension's state once the agent has set it up. The agent's premain normally finishes
   * before main runs; a delayed start is waited for.
   */
  private static String awaitExtensionState() throws InterruptedException {
    long deadline = System.nanoTime() + STATE_WAIT_MS * 1_000_000L;
    while (true) {
      String state = System.getProperty(STATE_PROPERTY);
      if (state != null || System.nanoTime() - deadline > 0) {
        return state;
      }
      Thread.sleep(50);
    }
  }

  /**
   * Runs the embedded extension's snapshot command. The extension sits inside this jar as a jar of
   * its own; it is copied to a private temporary directory and loaded in a class loader of its own.
   */
  private static int snapshot(String[] args) {
    requireJava("the snapshot command");
    try {
      URL extension;
      try (JarFile bundle = new JarFile(bundleJar())) {
        extension = copy(bundle, EXTENSION_ENTRY, PrivateCopies.create(PrivateCopies.SNAPSHOT));
      }
      try (URLClassLoader loader = nestedLoader(new URL[] {extension})) {
        Method run =
            Class.forName(CLI, true, loader)
                .getMethod(
                    "run",
                    String[].class,
                    java.io.PrintStream.class,
                    java.io.PrintStream.class,
                    java.util.Map.class);
        return (Integer) run.invoke(null, args, System.out, System.err, System.getenv());
      }
    } catch (InvocationTargetException e) { // the command itself threw: say what, not the wrapper
      System.err.println("msb-otel: the snapshot command failed: " + e.getCause());
      e.getCause().printStackTrace();
      return SNAPSHOT_FAILED;
    } catch (PrivateCopies.Unusable e) {
      System.err.println("msb-otel: the snapshot command cannot start: " + e.getMessage());
      return 2; // the JVM's arguments, not a fault of the command
    } catch (IOException | ReflectiveOperationException e) {
      System.err.println("msb-otel: the snapshot command failed to start: " + e);
      return SNAPSHOT_FAILED;
    }
  }

  /** The environment variable of a property: upper case, dots as underscores. */
  static String variable(String property) {
    return property.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
  }

  private static void requireJava(String what) {
    String spec = System.getProperty("java.specification.version", "0");
    int feature;
    try {
      feature = Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec);
    } catch (NumberFormatException e) {
      feature = 0;
    }
    if (feature < REQUIRED_FEATURE) {
      System.err.println(
          "msb-otel: "
              + what
              + " needs Java "
              + REQUIRED_FEATURE
              + " or newer; this JVM is Java "
              + feature
              + " ("
              + System.getProperty("java.home")
              + ")");
      System.exit(2);
    }
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
    return "opentelemetry-javaagent "
        + manifest.getValue("OpenTelemetry-Agent-Version")
        + " with microsandbox extension "
        + manifest.getValue("Microsandbox-Extension-Version");
  }

  private static Attributes manifest() {
    // Under -javaagent the bootstrap loader may have loaded this class: no code source, but then
    // `java -jar` put this very jar on the class path.
    java.security.CodeSource source = BundleMain.class.getProtectionDomain().getCodeSource();
    try {
      URL location =
          source != null
              ? source.getLocation()
              : new java.io.File(System.getProperty("java.class.path")).toURI().toURL();
      return read(new URL("jar:" + location + "!/META-INF/MANIFEST.MF"));
    } catch (IOException e) {
      return new Attributes();
    }
  }

  private static Attributes read(URL manifest) throws IOException {
    // Uncached: the JDK's cache of jar: URLs would hold this jar open for good (releaseThisJar).
    java.net.URLConnection connection = manifest.openConnection();
    connection.setUseCaches(false);
    try (InputStream in = connection.getInputStream()) {
      return new Manifest(in).getMainAttributes();
    }
  }
}
