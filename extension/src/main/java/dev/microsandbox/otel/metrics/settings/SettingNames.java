package dev.microsandbox.otel.metrics.settings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Finds the settings an operator misspelt: an {@code OTEL_MICROSANDBOX_*} variable or an {@code
 * otel.microsandbox.*} property that is no setting would otherwise be ignored silently (a label
 * meant to be dropped would go out).
 */
public final class SettingNames {

  /** Edits from our prefix that still read as a misspelling of it (MICROSANBOX, MICORSANDBOX). */
  private static final int MAX_PREFIX_SLIP = 2;

  private SettingNames() {}

  /**
   * One line for each variable and property under our prefix, or under a prefix a slip of the
   * keyboard away from it ({@code OTEL_MICROSANBOX_}, {@code otel.micrsandbox.}), that is no
   * setting.
   */
  public static List<String> unknown(Map<String, String> env, Properties system) {
    List<String> known = new ArrayList<>(MicrosandboxSettings.ALL);
    known.addAll(MicrosandboxSettings.PROCESS);
    List<String> envNames =
        known.stream().map(MicrosandboxSettings::envName).collect(Collectors.toList());
    String envPrefix = MicrosandboxSettings.envName(MicrosandboxSettings.PREFIX);
    List<String> lines = new ArrayList<>();
    env.keySet().stream()
        .filter(k -> !envNames.contains(k))
        .sorted()
        .forEach(k -> meant(k, envPrefix, '_', envNames, "environment variable ", lines));
    system.stringPropertyNames().stream()
        .filter(k -> !known.contains(k))
        .sorted()
        .forEach(k -> meant(k, MicrosandboxSettings.PREFIX, '.', known, "system property ", lines));
    return lines;
  }

  /** Adds a line for {@code name} if its first two words are {@code prefix}, or nearly. */
  private static void meant(
      String name,
      String prefix,
      char separator,
      List<String> settings,
      String what,
      List<String> lines) {
    int first = name.indexOf(separator);
    int second = first < 0 ? -1 : name.indexOf(separator, first + 1);
    if (second < 0 || distance(name.substring(0, second + 1), prefix) > MAX_PREFIX_SLIP) {
      return;
    }
    lines.add(line(what + name, closest(prefix + name.substring(second + 1), settings)));
  }

  private static String line(String what, String closest) {
    return what
        + " is not a setting of the microsandbox extension and is ignored; did you mean "
        + closest
        + "?";
  }

  /** The name in {@code names} fewest single-character edits away from {@code name}. */
  static String closest(String name, Collection<String> names) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : names) {
      int distance = distance(name, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance, two rows. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
