package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.registry.RegistryProblem.Kind;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken registries made from copies of the upstream fixture: each gives an empty snapshot, one
 * specific problem, one log line however often it is read, and never an exception.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class BrokenRegistryTest {

  @Parameter RegistryAccess access;

  private static final TimeSource CLOCK = MutableClock.fixed(Fixtures.SAMPLED_AT_MS);

  @TempDir Path dir;

  interface Damage {
    void apply(Path file) throws IOException;
  }

  static Stream<Arguments> damages() {
    return Stream.of(
        Arguments.of(
            "bad magic",
            Kind.BAD_MAGIC,
            "magic 0x",
            (Damage) f -> Fixtures.poke(f, H_MAGIC, 8, 0x0102030405060708L)),
        Arguments.of(
            "version 2",
            Kind.UNSUPPORTED_VERSION,
            "format version 2",
            (Damage) f -> Fixtures.poke(f, H_VERSION, 4, 2)),
        Arguments.of(
            "header stuck in state 1",
            Kind.NOT_READY,
            "initializing",
            (Damage) f -> Fixtures.poke(f, H_STATE, 4, HEADER_INITIALIZING)),
        Arguments.of(
            "header state 7",
            Kind.BAD_HEADER_STATE,
            "header state 7",
            (Damage) f -> Fixtures.poke(f, H_STATE, 4, 7)),
        Arguments.of(
            "header_len 128",
            Kind.BAD_GEOMETRY,
            "header_len 128",
            (Damage) f -> Fixtures.poke(f, H_HEADER_LEN, 4, 128)),
        Arguments.of(
            "slot_len 1024",
            Kind.BAD_GEOMETRY,
            "slot_len 1024",
            (Damage) f -> Fixtures.poke(f, H_SLOT_LEN, 4, 1024)),
        Arguments.of(
            "capacity beyond the file",
            Kind.CAPACITY_EXCEEDS_FILE,
            "claims 9 slots",
            (Damage) f -> Fixtures.poke(f, H_CAPACITY, 4, 9)),
        Arguments.of(
            "capacity 0xffffffff",
            Kind.CAPACITY_TOO_LARGE,
            "claims 4294967295 slots, more than the 65536 this reader accepts",
            (Damage) f -> Fixtures.poke(f, H_CAPACITY, 4, 0xffffffffL)),
        Arguments.of(
            "capacity 65537, in a file that holds it",
            Kind.CAPACITY_TOO_LARGE,
            "claims 65537 slots",
            (Damage)
                f -> {
                  Fixtures.poke(f, H_CAPACITY, 4, MAX_CAPACITY + 1);
                  Fixtures.resize(f, fileSize(MAX_CAPACITY + 1));
                }),
        Arguments.of(
            "truncated mid-slot",
            Kind.CAPACITY_EXCEEDS_FILE,
            "the file is 3000 bytes",
            (Damage) f -> Fixtures.resize(f, 3000)),
        Arguments.of(
            "shorter than the header",
            Kind.TOO_SMALL,
            "100 bytes",
            (Damage) f -> Fixtures.resize(f, 100)),
        Arguments.of(
            "garbage",
            Kind.BAD_MAGIC,
            "not a microsandbox metrics registry",
            (Damage)
                f ->
                    Fixtures.pokeBytes(
                        f,
                        0,
                        "garbage garbage garbage garbage!".getBytes(StandardCharsets.US_ASCII))),
        Arguments.of(
            "group-writable",
            Kind.INSECURE_PERMISSIONS,
            "rw-rw----",
            (Damage)
                f ->
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"))),
        Arguments.of(
            "world-writable",
            Kind.INSECURE_PERMISSIONS,
            "chmod 600",
            (Damage)
                f ->
                    Files.setPosixFilePermissions(
                        f, PosixFilePermissions.fromString("rw-rw-rw-"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damages")
  void brokenRegistryIsOneSpecificProblemAndAnEmptySnapshot(
      String name, Kind kind, String detail, Damage damage) throws IOException {
    Path file = Fixtures.copy(dir);
    damage.apply(file);
    RecordingLog log = new RecordingLog();
    try (RegistryReader reader = reader(file, log)) {
      for (int i = 0; i < 5; i++) {
        RegistrySnapshot snapshot = reader.read(true);
        assertEquals(0, snapshot.size(), name);
        assertNotNull(snapshot.problem(), name);
        assertEquals(kind, snapshot.problem().kind(), snapshot.problem().message());
        assertTrue(snapshot.problem().message().contains(detail), snapshot.problem().message());
        assertTrue(snapshot.problem().message().contains(file.toString()), "names the file");
      }
    }
    assertEquals(
        1, log.at(Level.WARNING).size(), () -> "one line per distinct problem: " + log.all());
  }

  @Test
  void groupReadableButNotWritableIsAccepted() throws IOException {
    Path file = Fixtures.copy(dir);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      assertEquals(3, reader.read(false).size());
    }
  }

  @Test
  void notARegularFile() throws IOException {
    Path file = Files.createDirectory(dir.resolve("registry-dir"));
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      assertEquals(Kind.NOT_A_FILE, reader.read(false).problem().kind());
    }
  }

  @Test
  void aSymbolicLinkIsRefusedEvenToAGoodRegistry() throws IOException {
    Path target = Fixtures.copy(dir);
    Path link = Files.createSymbolicLink(dir.resolve("msb-met-link-v3"), target);
    try (RegistryReader reader = reader(link, new RecordingLog())) {
      RegistrySnapshot snapshot = reader.read(false);
      assertEquals(Kind.NOT_A_FILE, snapshot.problem().kind());
      assertTrue(
          snapshot.problem().message().contains("symbolic link"), snapshot.problem().message());
      assertEquals(0, snapshot.size());
    }
  }

  @Test
  void oddSeqSlotIsSkippedOthersStillRead() throws IOException {
    Path file = Fixtures.copy(dir);
    Fixtures.poke(file, slotOffset(0) + S_SEQ, 8, 7); // writer died mid-sample
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      RegistrySnapshot snapshot = reader.read(false);
      assertNull(snapshot.problem());
      assertEquals(2, snapshot.size());
      assertEquals(102, snapshot.get(0).sandboxId());
      assertEquals(1, snapshot.skippedInconsistent());
    }
  }

  @Test
  void nameLengthAboveCapacityIsClamped() throws IOException {
    Path file = Fixtures.copy(dir);
    Fixtures.poke(file, slotOffset(1) + S_NAME_LEN, 2, 300);
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      String name = reader.read(false).get(1).name();
      assertTrue(name.startsWith("bravo-noflags"), name);
      assertEquals(
          NAME_CAPACITY, name.getBytes(StandardCharsets.UTF_8).length, "128 bytes, NULs included");
    }
  }

  @Test
  void invalidUtf8IsReplacedNotThrown() throws IOException {
    Path file = Fixtures.copy(dir);
    Fixtures.pokeBytes(
        file, slotOffset(0) + S_NAME, new byte[] {'a', (byte) 0xff, (byte) 0xc3, 'z', 'x'});
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      assertEquals("a\uFFFD\uFFFDz", reader.read(false).get(0).name().substring(0, 4));
    }
  }

  @Test
  void valuesAtOrAbove2To63AreClampedNeverNegative() throws IOException {
    Path file = Fixtures.copy(dir);
    Fixtures.poke(file, slotOffset(0) + S_DISK_READ, 8, -1L); // u64 max
    Fixtures.poke(file, slotOffset(0) + S_NET_TX, 8, Long.MIN_VALUE); // exactly 2^63
    try (RegistryReader reader = reader(file, new RecordingLog())) {
      SandboxSample alpha = reader.read(false).get(0);
      assertEquals(Long.MAX_VALUE, alpha.diskReadBytes());
      assertEquals(Long.MAX_VALUE, alpha.netTxBytes());
      assertEquals(5000, alpha.diskWriteBytes());
    }
  }

  @Test
  void differentProblemsAreEachLoggedOnceAndRecoveryOnce() throws IOException {
    Path file = Fixtures.copy(dir);
    RecordingLog log = new RecordingLog();
    MutableClock clock = new MutableClock(Fixtures.SAMPLED_AT_MS);
    try (RegistryReader reader =
        new RegistryReader(file, RegistryReader.Options.DEFAULTS.with(access), clock, null, log)) {
      assertEquals(3, reader.read(false).size());
      Fixtures.poke(file, H_VERSION, 4, 2);
      clock.advance(
          RegistryReader
              .RECHECK_INTERVAL_MS); // same inode and size: header is re-read only on remap
      Fixtures.resize(file, 4353); // size change forces a remap
      for (int i = 0; i < 3; i++) {
        assertEquals(Kind.UNSUPPORTED_VERSION, reader.read(false).problem().kind());
      }
      Fixtures.poke(file, H_VERSION, 4, 3);
      Fixtures.poke(file, H_MAGIC, 8, 0);
      Fixtures.poke(file, H_STATE, 4, 2);
      for (int i = 0; i < 3; i++) {
        assertEquals(Kind.BAD_MAGIC, reader.read(false).problem().kind());
      }
      Fixtures.poke(file, H_MAGIC, 8, MAGIC);
      assertEquals(3, reader.read(false).size());
      assertEquals(3, reader.read(false).size());
    }
    assertEquals(2, log.at(Level.WARNING).size(), log.all()::toString);
    assertEquals(1, log.all().stream().filter(l -> l.contains("readable again")).count());
  }

  private RegistryReader reader(Path file, RecordingLog log) {
    return new RegistryReader(file, RegistryReader.Options.DEFAULTS.with(access), CLOCK, null, log);
  }
}
