package dev.microsandbox.otel.sidecar;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per log record, on one line, in the shape of {@code msb-metrics --log-format
 * json} (tracing's JSON: {@code timestamp}, {@code level}, {@code fields.message}, {@code target}),
 * so that a log shipper already parsing upstream's lines parses these. A thrown exception goes in
 * {@code fields.error}, its stack trace included, escaped: a record never spans two lines.
 */
final class JsonLogFormatter extends Formatter {

  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String format(LogRecord record) {
    StringWriter text = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(text)) {
      g.writeStartObject();
      g.writeStringField("timestamp", Instant.ofEpochMilli(record.getMillis()).toString());
      g.writeStringField("level", SidecarLog.Level.of(record.getLevel()).name());
      g.writeObjectFieldStart("fields");
      g.writeStringField("message", formatMessage(record));
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        g.writeStringField("error", trace.toString());
      }
      g.writeEndObject();
      g.writeStringField("target", record.getLoggerName());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.append('\n').toString();
  }
}
