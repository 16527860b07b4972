package dev.microsandbox.otel.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A declarative configuration file ({@code otel.config.file}) as an operator writes one: the
 * resource's service name, one periodic reader exporting OTLP http/protobuf, optionally a second
 * one with the {@code user_events} exporter, and the extension's settings under {@code
 * instrumentation/development.java.microsandbox}.
 */
public final class DeclarativeYaml {

  /** The file format the pinned agent (2.31, SDK 1.65) expects; newer agents accept it too. */
  public static final String FILE_FORMAT = "1.1";

  private final StringBuilder readers = new StringBuilder();
  private final StringBuilder logs = new StringBuilder();
  private final Map<String, String> settings = new TreeMap<>();
  private final Map<String, String> raw = new TreeMap<>();
  private String serviceName = "declared-app";

  /** A periodic reader exporting to {@code endpoint} (the receiver's base URL) every interval. */
  public DeclarativeYaml otlp(String endpoint, long intervalMs) {
    readers
        .append("    - periodic:\n        interval: ")
        .append(intervalMs)
        .append("\n        exporter:\n          otlp_http:\n            endpoint: ")
        .append(endpoint)
        .append("/v1/metrics\n");
    return this;
  }

  /** A periodic reader with the {@code user_events} exporter at {@code maxEventBytes}. */
  public DeclarativeYaml userEvents(long intervalMs, int maxEventBytes) {
    readers
        .append("    - periodic:\n        interval: ")
        .append(intervalMs)
        .append("\n        exporter:\n          user_events:\n            max_event_bytes: ")
        .append(maxEventBytes)
        .append('\n');
    return this;
  }

  /** A logger provider exporting to {@code endpoint} (the receiver's base URL) in batches. */
  public DeclarativeYaml otlpLogs(String endpoint, long delayMs) {
    logs.append("logger_provider:\n  processors:\n    - batch:\n        schedule_delay: ")
        .append(delayMs)
        .append("\n        exporter:\n          otlp_http:\n            endpoint: ")
        .append(endpoint)
        .append("/v1/logs\n");
    return this;
  }

  /** The resource's {@code service.name}. */
  public DeclarativeYaml serviceName(String name) {
    serviceName = name;
    return this;
  }

  /** One key of the extension's node ({@code collect_interval}, …), written as a string. */
  public DeclarativeYaml set(String key, String value) {
    settings.put(key, value);
    return this;
  }

  /** One key of the extension's node written as YAML has it: a number, a boolean, a list. */
  public DeclarativeYaml setRaw(String key, String yaml) {
    raw.put(key, yaml);
    return this;
  }

  /** The file's text. */
  public String text() {
    StringBuilder yaml =
        new StringBuilder("file_format: \"" + FILE_FORMAT + "\"\n")
            .append("resource:\n  attributes:\n    - name: service.name\n      value: ")
            .append(serviceName)
            .append("\nmeter_provider:\n  readers:\n")
            .append(readers)
            .append(logs)
            .append("instrumentation/development:\n  java:\n    microsandbox:\n");
    settings.forEach(
        (k, v) -> yaml.append("      ").append(k).append(": \"").append(v).append("\"\n"));
    raw.forEach((k, v) -> yaml.append("      ").append(k).append(": ").append(v).append('\n'));
    return yaml.toString();
  }

  /** Writes the file into {@code dir}; its path. */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve("otel.yaml"), text());
  }
}
