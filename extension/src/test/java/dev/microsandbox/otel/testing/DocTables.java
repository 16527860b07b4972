package dev.microsandbox.otel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The rows of the Markdown tables in one of the project's {@code docs/} pages, cell by cell. */
public final class DocTables {

  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  private DocTables() {}

  /** The page {@code name} of {@code docs/}, beside this module. */
  public static Path page(String name) {
    return Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve(name);
  }

  /** Every table row of {@code page} (header and rule lines left out), as its cells. */
  public static List<List<String>> rows(Path page) {
    List<String> lines;
    try {
      lines = Files.readAllLines(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      boolean header = i + 1 < lines.size() && lines.get(i + 1).trim().startsWith("|---");
      if (!line.startsWith("|") || line.startsWith("|---") || header) {
        continue;
      }
      rows.add(
          Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
              .map(String::trim)
              .collect(Collectors.toList()));
    }
    return rows;
  }

  /** The code spans of {@code cell} ({@code `a`, `b`} gives a and b). */
  public static List<String> codeIn(String cell) {
    List<String> code = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      code.add(m.group(1));
    }
    return code;
  }
}
