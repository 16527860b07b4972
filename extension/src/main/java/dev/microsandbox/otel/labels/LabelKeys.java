package dev.microsandbox.otel.labels;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which catalog label keys become attributes: those the include pattern matches in full (every key
 * when there is none) and the exclude list does not name, except keys that would pass for an
 * identity attribute. Immutable.
 *
 * <p>Identity is compared as Prometheus shows it, not as the key is spelt: its exporter turns every
 * character outside {@code [a-zA-Z0-9_]} into {@code _} and then merges look-alikes into one label,
 * so a label {@code sandbox_name} would be joined into {@code sandbox.name}'s value ({@code
 * sandbox_name="sb-0;forged"}). A key is therefore reserved when, so renamed and lower-cased (case
 * alone makes no safe difference to a reader of a dashboard), it equals a reserved key treated the
 * same way, or starts with {@code otel_} (the exporter's own scope labels) or {@code __}
 * (Prometheus's internal labels).
 */
public final class LabelKeys {

  /** Every key; nothing reserved (the snapshot command shows labels as they are). */
  public static final LabelKeys ALL = new LabelKeys(Set.of(), null, Map.of());

  private final Set<String> excluded;
  private final Pattern included; // null: every key
  private final Map<String, String> reserved; // renamed key -> the reserved key it stands for

  private LabelKeys(Set<String> excluded, Pattern included, Map<String, String> reserved) {
    this.excluded = Set.copyOf(excluded);
    this.included = included;
    this.reserved = Map.copyOf(reserved);
  }

  /** Keys {@code included} matches in full (null: any), except the {@code excluded} ones. */
  public static LabelKeys of(Set<String> excluded, Pattern included) {
    return new LabelKeys(excluded, included, Map.of());
  }

  /** These keys, with {@code identity} (and anything that reads as one of them) reserved. */
  public LabelKeys reserving(Collection<String> identity) {
    return new LabelKeys(
        excluded,
        included,
        identity.stream().collect(Collectors.toMap(LabelKeys::renamed, k -> k, (a, b) -> a)));
  }

  /** Whether {@code key} is chosen by the include and exclude settings. */
  public boolean keep(String key) {
    return !excluded.contains(key) && (included == null || included.matcher(key).matches());
  }

  /**
   * What {@code key} would pass for ({@code sandbox.name}, {@code otel_*}, {@code __*}), or null
   * when it is no reserved key; only when some are reserved.
   */
  public String reservedAs(String key) {
    if (reserved.isEmpty()) {
      return null;
    }
    String renamed = renamed(key);
    if (renamed.startsWith("otel_") || renamed.startsWith("__")) {
      return renamed.startsWith("otel_") ? "otel_*" : "__*";
    }
    return reserved.get(renamed);
  }

  /** {@code key} lower-cased, every character outside {@code [a-z0-9_]} turned into {@code _}. */
  static String renamed(String key) {
    StringBuilder out = new StringBuilder(key.length());
    for (char c : key.toLowerCase(Locale.ROOT).toCharArray()) {
      boolean plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      out.append(plain ? c : '_');
    }
    return out.toString();
  }
}
