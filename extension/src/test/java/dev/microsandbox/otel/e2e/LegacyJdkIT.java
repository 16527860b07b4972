package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a JVM older than 22 the extension says so once and stays off; the application runs normally. */
class LegacyJdkIT {

  @TempDir Path home;
  @TempDir Path logs;

  /** A JDK 8..21: the build's hint first, then /usr/lib/jvm. */
  static Optional<Path> legacyJdk() throws IOException {
    Stream<Path> candidates = Stream.of(System.getProperty("msb.legacy.java.home", ""))
        .filter(s -> !s.isEmpty()).map(Path::of);
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> installed = Files.list(jvms)) {
        candidates = Stream.concat(candidates, installed.sorted().toList().stream());
      }
    }
    return candidates.filter(home -> {
      int feature = feature(home);
      return feature >= 8 && feature < 22 && Files.isExecutable(home.resolve("bin/java"));
    }).findFirst();
  }

  static int feature(Path javaHome) {
    try {
      Matcher m = Pattern.compile("JAVA_VERSION=\"(?:1\\.)?(\\d+)").matcher(
          Files.readString(javaHome.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  void extensionOnJdk17LogsOneWarningAndTheAppExitsZero() throws Exception {
    Optional<Path> jdk = legacyJdk();
    assumeTrue(jdk.isPresent() || System.getenv("CI") != null,
        "no JDK older than 22 on this machine (install openjdk-17-jdk-headless to run this test)");
    Path javaHome = jdk.orElseThrow(() -> new AssertionError("CI must have a JDK older than 22"));
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(601, 6010, "legacy");
      // The source launcher looks like a JDK tool to the agent, which then stays off unless told.
      Map<String, String> env = E2e.with(E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf",
          receiver.endpoint()), "OTEL_JAVAAGENT_ENABLED", "true");
      try (AgentJvm jvm = AgentJvm.start(javaHome, AgentJvm.agentJar(), env, logs,
          AgentJvm.APP_SOURCE)) {
        E2e.await(Duration.ofSeconds(60), () -> !receiver.received().isEmpty(), () -> "agent exported nothing");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        String stderr = jvm.stderr();
        long warnings = stderr.lines().filter(l -> l.contains("needs Java 22 or newer")).count();
        assertEquals(1, warnings, stderr);
        assertFalse(stderr.contains("UnsupportedClassVersionError"), stderr);
        assertFalse(stderr.contains("Exception"), stderr);
        assertTrue(Otlp.points(AgentOtlpIT.requests(receiver)).stream()
            .noneMatch(p -> p.metric().getName().startsWith("microsandbox.")), "extension is off");
        assertTrue(jvm.stdout().contains("trivial app done"));
      }
    }
  }
}
