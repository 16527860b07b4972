package dev.microsandbox.otel.metrics.series;

import dev.microsandbox.otel.support.Globs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which sandboxes are reported ({@code OTEL_MICROSANDBOX_SANDBOXES_INCLUDE} / {@code _EXCLUDE}):
 * each entry is a glob on the sandbox name, or {@code key=glob} on one of its labels. A sandbox is
 * reported when the include list is empty or one of its entries matches, and no exclude entry does.
 * Immutable; the attribute cache asks once per sandbox identity, not per collection.
 */
public final class SandboxFilter {

  /** Every sandbox. */
  public static final SandboxFilter ALL = new SandboxFilter(List.of(), List.of());

  private final List<Entry> include;
  private final List<Entry> exclude;

  private SandboxFilter(List<Entry> include, List<Entry> exclude) {
    this.include = include;
    this.exclude = exclude;
  }

  /** The filter of two comma-separated entry lists (null or blank: none). */
  public static SandboxFilter parse(String include, String exclude) {
    List<Entry> in = entries(include);
    List<Entry> out = entries(exclude);
    return in.isEmpty() && out.isEmpty() ? ALL : new SandboxFilter(in, out);
  }

  /** Whether the sandbox called {@code name} with {@code labels} is reported. */
  boolean admits(String name, Map<String, String> labels) {
    return (include.isEmpty() || anyMatches(include, name, labels))
        && !anyMatches(exclude, name, labels);
  }

  private static boolean anyMatches(List<Entry> entries, String name, Map<String, String> labels) {
    for (Entry entry : entries) {
      String subject = entry.labelKey == null ? name : labels.get(entry.labelKey);
      if (subject != null && entry.pattern.matcher(subject).matches()) {
        return true;
      }
    }
    return false;
  }

  private static List<Entry> entries(String list) {
    List<Entry> entries = new ArrayList<>();
    if (list != null) {
      Arrays.stream(list.split(","))
          .map(String::trim)
          .filter(e -> !e.isEmpty())
          .forEach(
              e -> {
                int equals = e.indexOf('=');
                entries.add(
                    equals < 0
                        ? new Entry(null, Globs.compile(e))
                        : new Entry(
                            e.substring(0, equals).trim(),
                            Globs.compile(e.substring(equals + 1).trim())));
              });
    }
    return List.copyOf(entries);
  }

  /** A glob on the name (no label key) or on one label's value. */
  private static final class Entry {
    final String labelKey;
    final Pattern pattern;

    Entry(String labelKey, Pattern pattern) {
      this.labelKey = labelKey;
      this.pattern = pattern;
    }
  }
}
