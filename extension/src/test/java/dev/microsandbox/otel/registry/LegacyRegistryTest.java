package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.cli.SampleFormat;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The registries older runtimes write (ABI v2) beside the current one: read with the same guards,
 * merged per pass with one report per sandbox run (from v3 where both hold it), never blocking the
 * current registry's sandboxes.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class LegacyRegistryTest {

  @Parameter RegistryAccess access;

  static final long NOW = 1_800_000_000_000L;
  static final int SELF_PID = (int) ProcessHandle.current().pid();

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final RecordingLog log = new RecordingLog();

  RegistryReader.Options options() {
    return RegistryReader.Options.DEFAULTS.with(access);
  }

  /** The sample upstream's own v2 test helper writes (crates/metrics/lib/compatibility.rs). */
  static SandboxSample upstreamHelperSample() {
    return new SandboxSample()
        .identity(7, 99, SELF_PID, "legacy-sandbox")
        .times(NOW - 3_000, NOW)
        .flags(
            RegistryLayout.FLAG_CPU
                | RegistryLayout.FLAG_MEMORY
                | RegistryLayout.FLAG_MEMORY_AVAILABLE)
        .cpu(12.5f, 23)
        .memory(4096, 1024, 3072, 0)
        .io(11, 12, 13, 14);
  }

  static int publish(RegistryWriter writer, SandboxSample s) {
    int slot = writer.start(s, s.runId(), s.pid());
    return slot;
  }

  @Test
  void aV2RegistryDecodesAsUpstreamsReaderDecodesIt() throws IOException {
    Path file = dir.resolve("msb-met-0000000000000000-v2");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 1, RegistryAbi.V2);
        RegistryReader reader = RegistryReader.open(file, null, options(), clock, null, log)) {
      publish(writer, upstreamHelperSample().upper(1, 2, 3)); // v2 has nowhere to put these
      assertEquals(RegistryAbi.V2, reader.abi(), "the name says v2");
      RegistrySnapshot snapshot = reader.read(false);
      assertNull(snapshot.problem());
      assertEquals(1, snapshot.size());
      SandboxSample s = snapshot.get(0);
      assertEquals(RegistryAbi.V2, s.abi());
      assertEquals("legacy-sandbox", s.name());
      assertEquals(7, s.sandboxId());
      assertEquals(99, s.runId());
      assertEquals(12.5f, s.cpuPercent());
      assertEquals(23, s.vcpuTimeNs());
      assertEquals(1024, s.memoryBytes());
      assertEquals(4096, s.memoryLimitBytes());
      assertTrue(s.has(RegistryLayout.FLAG_MEMORY_AVAILABLE));
      assertEquals(3072, s.memoryAvailableBytes());
      assertEquals(
          List.of(11L, 12L, 13L, 14L),
          List.of(s.diskReadBytes(), s.diskWriteBytes(), s.netRxBytes(), s.netTxBytes()));
      JsonNode json = new ObjectMapper().readTree(SampleFormat.json(s, null));
      assertEquals(2, json.get("abi").asInt());
      assertTrue(
          json.get("upper_used_bytes").isNull()
              && json.get("upper_free_bytes").isNull()
              && json.get("upper_host_allocated_bytes").isNull(),
          json.toString());
      assertTrue(SampleFormat.line(s, Map.of()).endsWith("abi=v2"), SampleFormat.line(s, Map.of()));
    }
  }

  @Test
  void eachReaderChecksTheVersionItsNameSays() throws IOException {
    Path v2 = dir.resolve("msb-met-0000000000000000-v2");
    Path v3Named = dir.resolve("msb-met-0000000000000000-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(v2, 1, RegistryAbi.V2)) {
      publish(writer, upstreamHelperSample());
    }
    Files.copy(v2, v3Named);
    try (RegistryReader reader = RegistryReader.open(v3Named, null, options(), clock, null, log)) {
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(RegistryProblem.Kind.UNSUPPORTED_VERSION, snapshot.problem().kind());
      assertTrue(
          snapshot
              .problem()
              .message()
              .contains("has format version 2 where its name says" + " version 3"),
          snapshot.problem().message());
    }
  }

  /** One run in both registries, one in each only: three sandboxes, the shared one from v3. */
  @Test
  void theMergeReportsEachRunOnceAndPrefersTheCurrentRegistry() throws IOException {
    Path v3 = dir.resolve("msb-met-1111111111111111-v3");
    Path v2 = dir.resolve("msb-met-1111111111111111-v2");
    try (RegistryWriter current = RegistryWriter.openOrCreate(v3, 4);
        RegistryWriter legacy = RegistryWriter.openOrCreate(v2, 4, RegistryAbi.V2);
        RegistryReader reader = RegistryReader.open(v3, v2, options(), clock, null, log)) {
      SandboxSample shared =
          new SandboxSample()
              .identity(1, 10, SELF_PID, "shared")
              .times(NOW - 5_000, NOW - 100)
              .memory(1 << 20, 111, 0, 0)
              .upper(5, 6, 7)
              .flags(0x7f);
      publish(current, shared);
      publish(
          current,
          new SandboxSample()
              .identity(2, 20, SELF_PID, "current-only")
              .times(NOW - 5_000, NOW - 100)
              .memory(1 << 20, 222, 0, 0));
      publish(
          legacy,
          new SandboxSample()
              .identity(1, 10, SELF_PID, "shared")
              .times(NOW - 5_000, NOW - 100)
              .memory(1 << 20, 999, 0, 0));
      int legacySlot =
          publish(
              legacy,
              new SandboxSample()
                  .identity(3, 30, SELF_PID, "legacy-only")
                  .times(NOW - 5_000, NOW - 100)
                  .memory(1 << 20, 333, 0, 0));
      for (int pass = 0; pass < 3; pass++) { // holders swap between the readers: same answer
        RegistrySnapshot snapshot = reader.read(false);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < snapshot.size(); i++) {
          SandboxSample s = snapshot.get(i);
          seen.add(s.name() + "/v" + s.abi().version() + "/" + s.memoryBytes());
        }
        assertEquals(List.of("shared/v3/111", "current-only/v3/222", "legacy-only/v2/333"), seen);
        assertEquals(4 + legacySlot, snapshot.get(2).slot(), "legacy slots follow the current");
        assertEquals(1, snapshot.skippedSuperseded(), "the shared run's v2 copy");
        assertTrue(snapshot.get(0).has(RegistryLayout.FLAG_UPPER_USED));
      }
      assertEquals(List.of(), log.at(Level.WARNING), "nothing to warn about");
    }
  }

  @Test
  void anAbsentV2RegistryCostsNothingAndABrokenOneNeverBlocksTheCurrent() throws IOException {
    Path v3 = dir.resolve("msb-met-2222222222222222-v3");
    Path v2 = dir.resolve("msb-met-2222222222222222-v2");
    try (RegistryWriter current = RegistryWriter.openOrCreate(v3, 2);
        RegistryReader reader = RegistryReader.open(v3, v2, options(), clock, null, log)) {
      publish(
          current,
          new SandboxSample()
              .identity(1, 10, SELF_PID, "alive")
              .times(NOW - 5_000, NOW - 100)
              .memory(1 << 20, 1, 0, 0));
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(1, snapshot.size());
      assertNull(snapshot.problem());
      assertTrue(
          log.all().stream().noneMatch(l -> l.contains(v2.toString())),
          "an absent v2 registry is no news: " + log.all());

      Files.write(v2, new byte[8192]); // a zeroed header: never becomes ready
      Files.setPosixFilePermissions(
          v2, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      clock.advance(Duration.ofSeconds(10).toMillis());
      for (int pass = 0; pass < 3; pass++) {
        clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
        snapshot = reader.read(false);
        assertEquals(1, snapshot.size(), "the current registry's sandbox");
        assertNull(snapshot.problem(), "the v2 registry's problem is its own");
      }
      List<String> problems = new ArrayList<>(log.at(Level.WARNING));
      problems.addAll(log.at(Level.SEVERE));
      assertEquals(1, problems.size(), "one line for the broken v2 registry: " + log.all());
      assertTrue(problems.get(0).contains(v2.toString()), problems.toString());
    }
  }
}
