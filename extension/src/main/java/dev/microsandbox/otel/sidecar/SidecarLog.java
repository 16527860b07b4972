package dev.microsandbox.otel.sidecar;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The lean sidecar's log: everything it writes (the SDK's, the extension's) goes through {@code
 * java.util.logging} to stderr, one record a line, at the level and in the format its settings
 * name, as {@code msb-metrics --log-level} and {@code --log-format} do. Under {@code -javaagent:}
 * the agent writes the process's log and these settings do not apply. The SDK exporter's own record
 * of each failed export, a stack trace every interval while a collector is down, is left out below
 * debug: the extension says each outage once, with the endpoint and the cause.
 */
public final class SidecarLog {

  /** The level: error, warn, info (the default), debug or trace. */
  public static final String LEVEL = "otel.microsandbox.log.level";

  /** The format: text (the default) or json, one object per line. */
  public static final String FORMAT = "otel.microsandbox.log.format";

  /** The agent's own debug switch, honoured here too where {@link #LEVEL} is unset. */
  static final String AGENT_DEBUG = "otel.javaagent.debug";

  /** The agent's logging choice; {@code none} silences the log where {@link #LEVEL} is unset. */
  static final String AGENT_LOGGING = "otel.javaagent.logging";

  /** One line a record, in the shape of the agent's own lines. */
  static final String TEXT = "[msb-otel %1$tF %1$tT.%1$tL] %4$s %3$s - %5$s%6$s%n";

  /** Where the SDK's exporters log, and how they begin the record of a failed export. */
  static final String EXPORTER_LOGGERS = "io.opentelemetry.exporter.";

  static final String FAILED_EXPORT = "Failed to export";

  /** Where the SDK's periodic reader logs, and its record of each failed export. */
  static final String READER_LOGGER = "io.opentelemetry.sdk.metrics.export.PeriodicMetricReader";

  static final String READER_FAILED = "Exporter failed";

  private static final Logger LOGGER = Logger.getLogger(SidecarLog.class.getName());

  /** The levels upstream names, each on the nearest {@code java.util.logging} level. */
  public enum Level {
    /** Failures only. */
    ERROR(java.util.logging.Level.SEVERE),
    /** Failures and warnings. */
    WARN(java.util.logging.Level.WARNING),
    /** What an operator reads at start and on each episode: the default. */
    INFO(java.util.logging.Level.INFO),
    /** Also each failed export as the SDK tells it, and the extension's details. */
    DEBUG(java.util.logging.Level.FINE),
    /** Everything. */
    TRACE(java.util.logging.Level.FINEST),
    /** Nothing at all. */
    OFF(java.util.logging.Level.OFF);

    final java.util.logging.Level jul;

    Level(java.util.logging.Level jul) {
      this.jul = jul;
    }

    /** The level a record of {@code level} is shown as. */
    static Level of(java.util.logging.Level level) {
      int value = level.intValue();
      for (Level named : values()) {
        if (value >= named.jul.intValue()) {
          return named;
        }
      }
      return TRACE;
    }
  }

  /** The two formats. */
  enum Format {
    TEXT,
    JSON
  }

  private final Level level;
  private final Format format;
  private final List<String> problems;

  private SidecarLog(Level level, Format format, List<String> problems) {
    this.level = level;
    this.format = format;
    this.problems = problems;
  }

  /**
   * The log as {@code env} and {@code system} set it (a system property wins over its variable); an
   * unknown value is said and replaced by the default.
   */
  static SidecarLog of(Map<String, String> env, Properties system) {
    List<String> problems = new ArrayList<>();
    String levelText = setting(LEVEL, env, system);
    Level level = Level.INFO;
    if (levelText != null) {
      level = parse(Level.class, levelText, LEVEL, problems, Level.INFO);
    } else if ("none".equalsIgnoreCase(setting(AGENT_LOGGING, env, system))) {
      level = Level.OFF;
    } else if ("true".equalsIgnoreCase(setting(AGENT_DEBUG, env, system))) {
      level = Level.DEBUG;
    }
    String formatText = setting(FORMAT, env, system);
    Format format =
        formatText == null
            ? Format.TEXT
            : parse(Format.class, formatText, FORMAT, problems, Format.TEXT);
    return new SidecarLog(level, format, problems);
  }

  /**
   * Sets up this process's log for the lean sidecar from its settings: the root logger's level, and
   * one handler to stderr in the chosen format. Said first, at warn: a value it did not take.
   */
  public static void install(Map<String, String> env, Properties system) {
    SidecarLog log = of(env, system);
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    root.addHandler(log.handler());
    root.setLevel(log.level.jul);
    log.problems.forEach(LOGGER::warning);
  }

  /** A handler to stderr in this log's format, without the exporter's per-failure records. */
  Handler handler() {
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(java.util.logging.Level.ALL);
    handler.setFormatter(format == Format.JSON ? new JsonLogFormatter() : textFormatter());
    boolean keepFailures = level.jul.intValue() <= Level.DEBUG.jul.intValue();
    handler.setFilter(record -> keepFailures || !isExporterFailure(record));
    return handler;
  }

  /** The level in force. */
  Level level() {
    return level;
  }

  /** Whether the records are JSON. */
  boolean json() {
    return format == Format.JSON;
  }

  /**
   * A failed export as the SDK logs it at each export: the exporter's record with its stack trace,
   * the periodic reader's line. A rejection's record (an HTTP status and the server's words, no
   * trace) is not one of them: it says what the extension's line cannot.
   */
  static boolean isExporterFailure(LogRecord record) {
    String logger = record.getLoggerName();
    String message = record.getMessage();
    if (logger == null || message == null) {
      return false;
    }
    return logger.startsWith(EXPORTER_LOGGERS)
            && message.startsWith(FAILED_EXPORT)
            && record.getThrown() != null
        || logger.equals(READER_LOGGER) && message.equals(READER_FAILED);
  }

  private static Formatter textFormatter() {
    return new SimpleFormatter() {
      @Override
      public String format(LogRecord record) {
        return String.format(
            TEXT,
            new java.util.Date(record.getMillis()),
            record.getSourceClassName(),
            record.getLoggerName(),
            Level.of(record.getLevel()).name(),
            formatMessage(record),
            thrown(record));
      }
    };
  }

  private static String thrown(LogRecord record) {
    if (record.getThrown() == null) {
      return "";
    }
    java.io.StringWriter trace = new java.io.StringWriter();
    trace.append(System.lineSeparator());
    record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
    return trace.toString().stripTrailing();
  }

  private static String setting(String property, Map<String, String> env, Properties system) {
    String value = system.getProperty(property);
    return value != null ? value : env.get(property.toUpperCase(Locale.ROOT).replace('.', '_'));
  }

  private static <E extends Enum<E>> E parse(
      Class<E> type, String text, String property, List<String> problems, E fallback) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text.trim())) {
        return constant;
      }
    }
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT));
    }
    problems.add(
        "microsandbox sidecar: "
            + property.toUpperCase(Locale.ROOT).replace('.', '_')
            + "='"
            + text
            + "' is not one of "
            + String.join(", ", names)
            + "; using "
            + fallback.name().toLowerCase(Locale.ROOT));
    return fallback;
  }
}
