package dev.microsandbox.otel.cli;

import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.SnapshotWatch;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged extension jar's snapshot command as a user runs it ({@code java -jar}, on the JDK of
 * this end-to-end run): a class the command needs and the jar lacks fails here, not in a user's
 * terminal.
 */
class SnapshotJarIT {

  @TempDir Path dir;

  @ParameterizedTest(name = "json={0}")
  @ValueSource(booleans = {false, true})
  void aWatchFromThePackagedJarTellsOfRunsThatComeAndGo(boolean json) throws Exception {
    SnapshotWatch.assertTellsOfRunsThatComeAndGo(AgentJvm.extensionJar(), json, dir);
  }
}
