package dev.microsandbox.otel.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.microsandbox.otel.lifecycle.RunListener;
import dev.microsandbox.otel.lifecycle.RunMessages;
import dev.microsandbox.otel.lifecycle.SandboxRun;
import dev.microsandbox.otel.lifecycle.StopReason;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The starts and stops {@code snapshot --watch} prints before each table: the events an exporter
 * sends, as one {@code #} line for people (escaped like every name the table prints) or one JSON
 * object, with an {@code event} field, for programs.
 */
final class RunLines implements RunListener {

  private static final JsonFactory JSON = new JsonFactory();

  private final PrintStream out;
  private final boolean json;

  RunLines(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  @Override
  public void started(SandboxRun run) {
    out.println(
        json
            ? json(RunMessages.START, run, null)
            : "# "
                + Instant.ofEpochMilli(run.startedAtMs())
                + " "
                + line(RunMessages.startLine(run)));
  }

  @Override
  public void stopped(SandboxRun run, StopReason reason) {
    out.println(
        json
            ? json(RunMessages.STOP, run, reason)
            : "# "
                + Instant.ofEpochMilli(run.lastSampledAtMs())
                + " "
                + line(RunMessages.stopLine(run, reason))
                + "; cpu "
                + run.cpuTimeSeconds()
                + " s, memory peak "
                + SampleFormat.bytes(run.memoryPeakBytes())
                + ", disk "
                + SampleFormat.bytes(run.diskReadBytes())
                + " read, "
                + SampleFormat.bytes(run.diskWriteBytes())
                + " written, network "
                + SampleFormat.bytes(run.netRxBytes())
                + " in, "
                + SampleFormat.bytes(run.netTxBytes())
                + " out");
  }

  private static String line(String text) {
    return SampleFormat.printable(text);
  }

  /** One JSON object: the event, the run's identity, and for a stop its reason and totals. */
  static String json(String event, SandboxRun run, StopReason reason) {
    StringWriter text = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(text)) {
      g.writeStartObject();
      g.writeStringField("event", event);
      g.writeNumberField("sandbox_id", run.sandboxId());
      g.writeNumberField("run_id", run.runId());
      g.writeStringField("name", run.name());
      g.writeNumberField("started_at_ms", run.startedAtMs());
      if (reason != null) {
        g.writeStringField("reason", reason.value());
        g.writeNumberField("last_sampled_at_ms", run.lastSampledAtMs());
        g.writeNumberField("duration_s", run.durationSeconds());
        g.writeNumberField("cpu_time_s", run.cpuTimeSeconds());
        g.writeNumberField("memory_peak_bytes", run.memoryPeakBytes());
        g.writeNumberField("disk_read_bytes", run.diskReadBytes());
        g.writeNumberField("disk_write_bytes", run.diskWriteBytes());
        g.writeNumberField("net_rx_bytes", run.netRxBytes());
        g.writeNumberField("net_tx_bytes", run.netTxBytes());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }
}
