package dev.microsandbox.otel.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A forked JVM running {@link TrivialApp} under the real OpenTelemetry agent, configured by
 * environment variables only. Output goes to files the test can read.
 */
public final class AgentJvm implements AutoCloseable {

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private AgentJvm(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** The upstream agent jar the build fetched from Maven Central. */
  public static Path agentJar() {
    return Path.of(System.getProperty("msb.agent.jar", "target/agent/opentelemetry-javaagent.jar"));
  }

  /** Where the build saves the other agents it fetches (AgentCompatibilityIT's matrix). */
  private static final Path AGENTS =
      Path.of(System.getProperty("msb.agents.dir", "target/agent/compatibility"));

  /** The jar of {@code agent}: a fetched version ({@code 2.0.0}), "newest", or "pinned". */
  public static Path agent(String agent) {
    return agent.equals("pinned")
        ? agentJar()
        : AGENTS.resolve("opentelemetry-javaagent-" + agent + ".jar");
  }

  /** An agent's release, from its jar's manifest. */
  public static String version(Path jar) throws IOException {
    try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
      return file.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  /** Whether {@code version} (major.minor.patch) is older than {@code than} (major.minor). */
  public static boolean older(String version, String than) {
    String[] v = version.split("\\.");
    String[] t = than.split("\\.");
    int major = Integer.parseInt(v[0]) - Integer.parseInt(t[0]);
    return major != 0 ? major < 0 : Integer.parseInt(v[1]) < Integer.parseInt(t[1]);
  }

  /** The extension jar the build just packaged. */
  public static Path extensionJar() {
    return Path.of(System.getProperty("msb.extension.jar"));
  }

  /** Runs {@link TrivialApp} from the compiled test classes. */
  public static final List<String> APP_CLASS =
      List.of("-cp", codeSource(TrivialApp.class).toString(), TrivialApp.class.getName());

  /**
   * Runs {@link TrivialApp} from its source file, for JDKs older than the test classes (JEP 330).
   */
  public static final List<String> APP_SOURCE =
      List.of(
          Path.of("src/test/java/dev/microsandbox/otel/e2e/TrivialApp.java")
              .toAbsolutePath()
              .toString());

  /** The directory or jar {@code type} was loaded from. */
  public static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** As {@link #start(Path, Path, Map, Path, List)} with the compiled app. */
  public static AgentJvm start(Path javaHome, Path agent, Map<String, String> env, Path logDir)
      throws IOException {
    return start(javaHome, agent, env, logDir, APP_CLASS);
  }

  /**
   * Starts {@code javaHome}/bin/java -javaagent:{@code agent} {@code app} (no agent when {@code
   * agent} is null: the bundle's stand-alone sidecar) with {@code env} added to a minimal
   * environment (no OTEL_* from the caller leaks in).
   */
  public static AgentJvm start(
      Path javaHome, Path agent, Map<String, String> env, Path logDir, List<String> app)
      throws IOException {
    return start(javaHome, agent, env, logDir, app, "128m");
  }

  /** As {@link #start(Path, Path, Map, Path, List)} with a maximum heap of {@code maxHeap}. */
  public static AgentJvm start(
      Path javaHome,
      Path agent,
      Map<String, String> env,
      Path logDir,
      List<String> app,
      String maxHeap)
      throws IOException {
    // Its temporary files (the agent's copies of extension jars, SQLite's native library) go in
    // the test's directory, which JUnit removes: a JVM a test kills cannot leave them in /tmp.
    Path tmp = Files.createDirectories(logDir.resolve("tmp"));
    List<String> command =
        new ArrayList<>(
            List.of(
                javaHome.resolve("bin/java").toString(),
                "-Xmx" + maxHeap,
                "-XX:TieredStopAtLevel=1",
                "-Djava.io.tmpdir=" + tmp.toAbsolutePath()));
    if (agent != null) {
      command.add(1, "-javaagent:" + agent.toAbsolutePath());
    }
    command.addAll(app);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.equals("MSB_HOME"));
    builder.environment().putAll(env);
    Path out = logDir.resolve("stdout.txt");
    Path err = logDir.resolve("stderr.txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new AgentJvm(builder.start(), out, err);
  }

  /** Everything the JVM wrote to stderr so far (the agent logs there). */
  public String stderr() throws IOException {
    return Files.readString(stderr);
  }

  /** Everything the JVM wrote to stdout so far. */
  public String stdout() throws IOException {
    return Files.readString(stdout);
  }

  /** The JVM's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the JVM is still running. */
  public boolean alive() {
    return process.isAlive();
  }

  /** Closes the app's stdin so it returns from main; waits for the exit status. */
  public int stop(Duration timeout) throws IOException, InterruptedException {
    process.getOutputStream().close();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("JVM did not exit within " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /**
   * Waits for the JVM to end by itself; its exit status, or an assertion error after {@code
   * timeout}.
   */
  public int awaitExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("JVM still running after " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /** Sends SIGTERM, as a service manager does; waits for the exit status. */
  public int terminate(Duration timeout) throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("JVM ignored SIGTERM for " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /** Sends SIGKILL and waits until the process is gone (reaped: its pid no longer exists). */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
