package dev.microsandbox.otel.support;

/** Whole-number settings: parsed strictly, within a range. */
public final class WholeNumbers {

  private WholeNumbers() {}

  /**
   * {@code text} (surrounding blanks ignored) as a number from {@code min} to {@code max}; else
   * null.
   */
  public static Integer parse(String text, int min, int max) {
    try {
      int parsed = Integer.parseInt(text.trim());
      return parsed >= min && parsed <= max ? parsed : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
