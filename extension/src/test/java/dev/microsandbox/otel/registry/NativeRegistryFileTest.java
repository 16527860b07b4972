package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The macOS reader's libc calls ({@link RegistryAccess#NATIVE}), run here on Linux's libc, whose
 * {@code shm_open} reaches {@code /dev/shm}: what {@code fstat} reports is what the JDK reports for
 * the same file (so the platform's {@code struct stat} offsets are right), a registry in the
 * shared-memory namespace is read through {@code shm_open}, and nothing planted at the registry's
 * name can block or fool the open. The reader tests run on it as well ({@code Readers}).
 */
class NativeRegistryFileTest {

  @TempDir Path dir;

  @BeforeEach
  void needsFfm() {
    assumeTrue(
        RegistryAccess.NATIVE.availableOnThisJvm(),
        "libc's calls go through FFM, Java 22+: the pre-22 run has no native reader");
  }

  @Test
  void fstatReportsWhatTheJdkReports() throws Exception {
    Path file = dir.resolve("msb-met-stat-v3");
    RegistryWriter.openOrCreate(file, 3).close();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    PosixFileAttributes jdk =
        Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    PosixFileAttributes libc = RegistryAccess.NATIVE.stat(file);
    assertEquals(jdk.size(), libc.size());
    assertEquals(RegistryLayout.fileSize(3), libc.size());
    assertEquals(jdk.permissions(), libc.permissions());
    assertEquals(jdk.owner().getName(), libc.owner().getName());
    assertTrue(libc.isRegularFile() && !libc.isSymbolicLink() && !libc.isDirectory());
    assertEquals(
        List.of(
            ((Number) Files.getAttribute(file, "unix:dev")).longValue(),
            Files.getAttribute(file, "unix:ino")),
        libc.fileKey(),
        "(st_dev, st_ino)");
  }

  @Test
  void aRegistryInTheSharedMemoryNamespaceIsReadThroughShmOpen() throws Exception {
    Path file = Path.of("/dev/shm/msb-met-nativetest" + ProcessHandle.current().pid() + "-v3");
    try {
      try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 4)) {
        long now = System.currentTimeMillis();
        writer.start(
            new SandboxSample()
                .identity(7, 70, (int) ProcessHandle.current().pid(), "shm-seven")
                .times(now - 1000, now)
                .memory(1 << 30, 4096, 0, 0),
            70,
            (int) ProcessHandle.current().pid());
      }
      try (RegistryReader reader =
          new RegistryReader(
              file,
              new RegistryReader.Options(Duration.ZERO, true, RegistryAccess.NATIVE),
              TimeSource.SYSTEM,
              null,
              new RecordingLog())) {
        RegistrySnapshot snapshot = reader.read(false);
        assertEquals(1, snapshot.size(), () -> String.valueOf(snapshot.problem()));
        assertEquals("shm-seven", snapshot.get(0).name());
        assertEquals(4096, snapshot.get(0).memoryBytes());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void aLinkAFifoOrADirectoryIsReportedAsSuchWithoutBlocking() throws Exception {
    Path target = Files.writeString(dir.resolve("target"), "x");
    Path link = Files.createSymbolicLink(dir.resolve("msb-met-link-v3"), target);
    assertTrue(RegistryAccess.NATIVE.stat(link).isSymbolicLink(), "O_NOFOLLOW: ELOOP");

    Path fifo = dir.resolve("msb-met-fifo-v3");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    PosixFileAttributes planted = RegistryAccess.NATIVE.stat(fifo); // O_NONBLOCK: no writer needed
    assertFalse(planted.isRegularFile());
    assertTrue(planted.isOther());

    Path directory = Files.createDirectory(dir.resolve("msb-met-dir-v3"));
    assertTrue(RegistryAccess.NATIVE.stat(directory).isDirectory());

    assertThrows(
        NoSuchFileException.class, () -> RegistryAccess.NATIVE.stat(dir.resolve("absent")));
  }

  @Test
  void ownersAreNamedAsTheUserDatabaseNamesThem() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "changing a file's owner needs root; this run is not root");
    Path file = Files.writeString(dir.resolve("owned"), "x");
    Files.setOwner(file, Fixtures.nobody());
    assertEquals("nobody", RegistryAccess.NATIVE.stat(file).owner().getName());
    Files.setAttribute(file, "unix:uid", 4_000_000);
    assertEquals(
        "uid 4000000",
        RegistryAccess.NATIVE.stat(file).owner().getName(),
        "a uid no user has is shown as its number");
  }
}
