package dev.microsandbox.otel.userevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.support.JavaRuntime;
import dev.microsandbox.otel.testing.LoggerCapture;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/**
 * The enable word's memory outlives a registration the kernel did not end: when DIAG_IOCSUNREG
 * fails (here on a file descriptor that is not open, so the kernel answers EBADF), the memory is
 * kept for the life of the JVM and one WARN says so, rather than freed under the kernel's writes.
 * Through reflection: the class and the FFM API are Java 22's, these tests compile for 17.
 */
class FfmTracepointTest {

  @Test
  void aFailedUnregisterKeepsTheEnableWordAlive() throws Exception {
    assumeTrue(
        JavaRuntime.feature() >= JavaRuntime.FFM_FEATURE,
        "the FFM tracepoint needs Java "
            + JavaRuntime.FFM_FEATURE
            + "+; this run is on Java "
            + JavaRuntime.feature()
            + " (the 22+ run tests it)");
    Class<?> arenaType = Class.forName("java.lang.foreign.Arena");
    Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
    Object arena = arenaType.getMethod("ofShared").invoke(null);
    Method allocate = arenaType.getMethod("allocate", long.class, long.class);
    Object enable = allocate.invoke(arena, 4L, 4L);
    Object errno = allocate.invoke(arena, 64L, 8L);
    Class<?> tracepoint = Class.forName("dev.microsandbox.otel.userevents.FfmTracepoint");
    Method release =
        tracepoint.getDeclaredMethod("release", arenaType, int.class, segmentType, segmentType);
    release.setAccessible(true);
    try (LoggerCapture log = LoggerCapture.of(tracepoint)) {
      release.invoke(null, arena, -1, enable, errno);
      Object scope = arenaType.getMethod("scope").invoke(arena);
      assertTrue(
          (Boolean)
              Class.forName("java.lang.foreign.MemorySegment$Scope")
                  .getMethod("isAlive")
                  .invoke(scope),
          "the memory the kernel may still write stays allocated");
      assertEquals(1, log.lines().size(), log.text());
      assertTrue(
          log.lines()
              .get(0)
              .startsWith(
                  "WARNING user_events exporter: the kernel did not unregister"
                      + " user_events:otlp_metrics (EBADF); its enable word stays allocated for the"
                      + " life of this JVM"),
          log.text());
    }
  }
}
