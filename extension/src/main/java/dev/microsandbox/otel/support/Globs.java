package dev.microsandbox.otel.support;

import java.util.regex.Pattern;

/** Shell-style globs as used in the settings: {@code *} any run of characters, {@code ?} one. */
public final class Globs {

  private Globs() {}

  /** The pattern that matches exactly what {@code glob} matches, as a whole. */
  public static Pattern compile(String glob) {
    StringBuilder regex = new StringBuilder();
    int literalStart = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (i > literalStart) {
          regex.append(Pattern.quote(glob.substring(literalStart, i)));
        }
        regex.append(c == '*' ? ".*" : ".");
        literalStart = i + 1;
      }
    }
    if (literalStart < glob.length()) {
      regex.append(Pattern.quote(glob.substring(literalStart)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
