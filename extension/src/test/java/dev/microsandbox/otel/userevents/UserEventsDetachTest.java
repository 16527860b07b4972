package dev.microsandbox.otel.userevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.LoggerCapture;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tracer that detaches in the middle of an export: the enable bit is checked before every event,
 * and the kernel's refusal after the detach (EBADF) means nobody listens, not a write error.
 */
class UserEventsDetachTest {

  /** A tracepoint whose tracer leaves after {@code listenFor} events. */
  static final class Detaching implements Tracepoint {
    final int listenFor;
    final boolean bitLags; // the kernel refuses writes before the bit reads clear
    int written;
    int refused;

    Detaching(int listenFor, boolean bitLags) {
      this.listenFor = listenFor;
      this.bitLags = bitLags;
    }

    @Override
    public boolean listening() {
      return written < listenFor || (bitLags && refused == 0);
    }

    @Override
    public String write(byte[] payload, int length) {
      if (written >= listenFor) {
        refused++;
        return "EBADF (Bad file descriptor)";
      }
      written++;
      return null;
    }

    @Override
    public void close() {}
  }

  @Test
  void aDetachMidExportEndsItQuietlyAsNobodyListening() throws Exception {
    for (boolean bitLags : new boolean[] {false, true}) {
      long errorsBefore = UserEventsStats.writeErrors();
      long eventsBefore = UserEventsStats.events();
      Detaching tracepoint = new Detaching(3, bitLags);
      UserEventsMetricExporter exporter =
          new UserEventsMetricExporter(tracepoint, EventBatcher.checked(256));
      try (LoggerCapture log = LoggerCapture.of(UserEventsMetricExporter.class)) {
        CompletableResultCode result = exporter.export(List.of(EventBatcherTest.gauge(20, 40)));
        assertTrue(result.isSuccess(), "nothing failed: nobody listens any more");
        assertEquals(3, tracepoint.written);
        assertTrue(tracepoint.refused <= 1, "no write after the detach is known");
        assertEquals(errorsBefore, UserEventsStats.writeErrors(), "no write error");
        assertEquals(eventsBefore + 3, UserEventsStats.events());
        assertFalse(log.text().contains("writing an event failed"), log.text());
        assertTrue(log.text().contains("no tracer listens any more"), log.text());
        assertTrue(exporter.idle(), "the next export is idle");
      }
    }
  }

  @Test
  void aRefusalWhileTheTracerListensIsAWriteError() throws Exception {
    long errorsBefore = UserEventsStats.writeErrors();
    Tracepoint refusing =
        new Tracepoint() {
          @Override
          public boolean listening() {
            return true;
          }

          @Override
          public String write(byte[] payload, int length) {
            return "EINVAL (Invalid argument)";
          }

          @Override
          public void close() {}
        };
    UserEventsMetricExporter exporter =
        new UserEventsMetricExporter(refusing, EventBatcher.checked(256));
    assertFalse(exporter.export(List.of(EventBatcherTest.gauge(5, 40))).isSuccess());
    assertEquals(errorsBefore + 5, UserEventsStats.writeErrors());
  }
}
