package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where the reader differs on macOS, decided by code that runs anywhere, so tested here: owner
 * liveness without procfs, and the one sentence an old JVM on a Mac gets instead of a reader.
 */
class MacOsFallbacksTest {

  /** macOS has no /proc: the JDK's process table answers instead (sysctl there). */
  @Test
  void theProcessTableTellsALiveOwnerFromAGoneOne() throws Exception {
    OwnerLiveness liveness = OwnerLiveness.processTable();
    int self = (int) ProcessHandle.current().pid();
    assertTrue(liveness.isAlive(0, 1, self, 1, 0));
    Process exited = new ProcessBuilder("true").start();
    assertTrue(exited.waitFor(10, TimeUnit.SECONDS));
    assertFalse(liveness.isAlive(1, 1, (int) exited.pid(), 1, 0), "an owner that has exited");
  }

  @Test
  void onMacOsOnlyTheNativeReaderReachesSharedMemory() {
    String old = RegistryAccess.sharedMemoryUnreachable(true, RegistryAccess.BUFFER, 17);
    assertTrue(
        old.startsWith(
            "on macOS the registry is POSIX shared memory, which has no file path: only libc's"
                + " shm_open reaches it, through FFM, which needs Java 22 or newer"),
        old);
    assertTrue(old.endsWith("this JVM is Java 17"), old);
    String forced = RegistryAccess.sharedMemoryUnreachable(true, RegistryAccess.FFM, 25);
    assertTrue(forced.endsWith("this JVM is Java 25 with the ffm reader"), forced);
    assertNull(RegistryAccess.sharedMemoryUnreachable(true, RegistryAccess.NATIVE, 25));
    assertNull(RegistryAccess.sharedMemoryUnreachable(false, RegistryAccess.BUFFER, 17), "Linux");
  }
}
