package dev.microsandbox.otel.labels;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which catalog label keys become attributes: those the include pattern matches in full (every key
 * when there is none) and the exclude list does not name. Immutable.
 */
public final class LabelKeys {

  /** Every key. */
  public static final LabelKeys ALL = new LabelKeys(Set.of(), null);

  private final Set<String> excluded;
  private final Pattern included; // null: every key

  private LabelKeys(Set<String> excluded, Pattern included) {
    this.excluded = Set.copyOf(excluded);
    this.included = included;
  }

  /** Keys {@code included} matches in full (null: any), except the {@code excluded} ones. */
  public static LabelKeys of(Set<String> excluded, Pattern included) {
    return new LabelKeys(excluded, included);
  }

  /** Whether {@code key} is kept. */
  public boolean keep(String key) {
    return !excluded.contains(key) && (included == null || included.matcher(key).matches());
  }
}
