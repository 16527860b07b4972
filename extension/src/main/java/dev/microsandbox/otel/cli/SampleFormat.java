package dev.microsandbox.otel.cli;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.SandboxSample;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/** Renders samples for people (one table line) and for programs (one JSON object per sandbox). */
public final class SampleFormat {

  private static final JsonFactory JSON = new JsonFactory();
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private SampleFormat() {}

  /**
   * One human-readable line: name, id, cpu, memory used / limit ("(live)" after a limit the runtime
   * refreshed from the live VM size), disk r/w, net rx/tx, uptime, and labels when there are any.
   */
  public static String line(SandboxSample s, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(160);
    b.append(printable(s.name()))
        .append("  id=")
        .append(s.sandboxId())
        .append(String.format(Locale.ROOT, "  cpu=%.2f%%", s.cpuPercent()))
        .append("  mem=")
        .append(bytes(s.memoryBytes()))
        .append(" / ")
        .append(bytes(s.memoryLimitBytes()))
        .append(s.memoryLimitLive() ? " (live)" : "")
        .append("  disk r=")
        .append(bytes(s.diskReadBytes()))
        .append(" w=")
        .append(bytes(s.diskWriteBytes()))
        .append("  net rx=")
        .append(bytes(s.netRxBytes()))
        .append(" tx=")
        .append(bytes(s.netTxBytes()))
        .append("  up=")
        .append(uptime(s.uptimeMs()));
    if (s.state() == RegistryLayout.SLOT_STALE) {
      b.append("  Stale");
    }
    if (s.abi() != RegistryAbi.V3) {
      b.append("  abi=v").append(s.abi().version()); // an older runtime's registry
    }
    if (!labels.isEmpty()) {
      b.append("  labels={");
      String separator = "";
      for (Map.Entry<String, String> label : labels.entrySet()) {
        b.append(separator)
            .append(printable(label.getKey()))
            .append('=')
            .append(printable(label.getValue()));
        separator = ", ";
      }
      b.append('}');
    }
    return b.toString();
  }

  /**
   * {@code text} safe for a terminal: names and labels are anyone's bytes, so a newline would forge
   * a line of the table and an ANSI or OSC escape would reach the terminal. Control characters (C0,
   * DEL, C1) and the bidirectional overrides that reorder what is shown are printed as Java escapes
   * (backslash-n, backslash-t, backslash-u and four hex digits), a backslash as two, so what is
   * printed reads back unambiguously.
   */
  static String printable(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escaped = escape(c);
      if (escaped != null && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        out.append(escaped != null ? escaped : String.valueOf(c));
      }
    }
    return out == null ? text : out.toString();
  }

  private static String escape(char c) {
    switch (c) {
      case '\\':
        return "\\\\";
      case '\n':
        return "\\n";
      case '\t':
        return "\\t";
      case '\r':
        return "\\r";
      default:
        boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
        boolean bidi = (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
        return control || bidi ? String.format(Locale.ROOT, "\\u%04x", (int) c) : null;
    }
  }

  /**
   * One JSON object with every decoded field, named as in the upstream fixture; optional fields are
   * null without their flag. {@code labels} is added when not null, {@code abi} for a sample of an
   * older runtime's registry.
   */
  public static String json(SandboxSample s, Map<String, String> labels) {
    StringWriter out = new StringWriter(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("state", RegistryLayout.slotStateName(s.state()));
      if (s.abi() != RegistryAbi.V3) {
        g.writeNumberField("abi", s.abi().version()); // absent: v3, as upstream prints it
      }
      g.writeNumberField("sandbox_id", s.sandboxId());
      g.writeNumberField("run_id", s.runId());
      g.writeNumberField("pid", s.pid());
      g.writeStringField("name", s.name());
      g.writeNumberField("sampled_at_ms", s.sampledAtMs());
      g.writeNumberField("uptime_ms", s.uptimeMs());
      g.writeNumberField("cpu_percent", s.cpuPercent());
      g.writeNumberField("vcpu_time_ns", s.vcpuTimeNs());
      g.writeNumberField("memory_bytes", s.memoryBytes());
      optional(g, "memory_available_bytes", s, FLAG_MEMORY_AVAILABLE, s.memoryAvailableBytes());
      optional(
          g,
          "memory_host_resident_bytes",
          s,
          FLAG_MEMORY_HOST_RESIDENT,
          s.memoryHostResidentBytes());
      g.writeNumberField("memory_limit_bytes", s.memoryLimitBytes());
      g.writeBooleanField("memory_limit_live", s.memoryLimitLive()); // upstream 0.7.x's field
      g.writeNumberField("disk_read_bytes", s.diskReadBytes());
      g.writeNumberField("disk_write_bytes", s.diskWriteBytes());
      g.writeNumberField("net_rx_bytes", s.netRxBytes());
      g.writeNumberField("net_tx_bytes", s.netTxBytes());
      optional(g, "upper_used_bytes", s, FLAG_UPPER_USED, s.upperUsedBytes());
      optional(g, "upper_free_bytes", s, FLAG_UPPER_FREE, s.upperFreeBytes());
      optional(
          g,
          "upper_host_allocated_bytes",
          s,
          FLAG_UPPER_HOST_ALLOCATED,
          s.upperHostAllocatedBytes());
      if (labels != null) {
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, String> label : labels.entrySet()) {
          g.writeStringField(label.getKey(), label.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void optional(JsonGenerator g, String field, SandboxSample s, int flag, long value)
      throws IOException {
    if (s.has(flag)) {
      g.writeNumberField(field, value);
    } else {
      g.writeNullField(field);
    }
  }

  /** {@code 1536} → {@code "1.50 KiB"}: binary units, two decimals above bytes. */
  static String bytes(long value) {
    if (value < 1024) {
      return value + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(value)) / 10;
    return String.format(Locale.ROOT, "%.2f %s", value / Math.pow(1024, unit), UNITS[unit]);
  }

  /** {@code 3_723_000} → {@code "1h2m3s"}. */
  static String uptime(long millis) {
    long seconds = millis / 1000;
    long h = seconds / 3600;
    long m = seconds % 3600 / 60;
    long s = seconds % 60;
    if (h > 0) {
      return h + "h" + m + "m" + s + "s";
    }
    return m > 0 ? m + "m" + s + "s" : s + "s";
  }
}
