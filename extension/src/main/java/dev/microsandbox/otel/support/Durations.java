package dev.microsandbox.otel.support;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way OpenTelemetry configuration writes them: a whole number with an
 * optional unit {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}; a bare number is
 * milliseconds. Shared by the agent configuration and the CLI so both accept the same text.
 */
public final class Durations {

  private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)?\\s*");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a duration (examples: 500ms, 30s,"
              + " 2m, 1h; 0 disables where allowed)");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large for a duration", e);
    }
    String unit = m.group(2) == null ? "ms" : m.group(2);
    try {
      switch (unit) {
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
          return Duration.ofMinutes(amount);
        case "h":
          return Duration.ofHours(amount);
        default:
          return Duration.ofDays(amount);
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large for a duration", e);
    }
  }
}
