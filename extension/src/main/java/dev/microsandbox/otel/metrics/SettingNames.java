package dev.microsandbox.otel.metrics;

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
final class SettingNames {

  private SettingNames() {}

  /** One line for each variable and property under our prefix that is no setting. */
  static List<String> unknown(Map<String, String> env, Properties system) {
    List<String> envNames =
        MicrosandboxSettings.ALL.stream()
            .map(MicrosandboxSettings::envName)
            .collect(Collectors.toList());
    String envPrefix = MicrosandboxSettings.envName(MicrosandboxSettings.PREFIX);
    List<String> lines = new ArrayList<>();
    env.keySet().stream()
        .filter(k -> k.startsWith(envPrefix) && !envNames.contains(k))
        .sorted()
        .forEach(k -> lines.add(line("environment variable " + k, closest(k, envNames))));
    system.stringPropertyNames().stream()
        .filter(
            k -> k.startsWith(MicrosandboxSettings.PREFIX) && !MicrosandboxSettings.ALL.contains(k))
        .sorted()
        .forEach(
            k -> lines.add(line("system property " + k, closest(k, MicrosandboxSettings.ALL))));
    return lines;
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
