package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the README and of docs/ resolves inside this repository: to a file that
 * exists, and, with a {@code #fragment}, to a heading of that page as GitHub names its anchor. A
 * user's clone has nothing beside it, so a link out of the tree is a dead link.
 */
class DocsLinksTest {

  static final Path ROOT = Path.of(System.getProperty("msb.examples.dir", ".")).resolve("..");

  static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$", Pattern.MULTILINE);
  static final Pattern CODE_BLOCK = Pattern.compile("```.*?```", Pattern.DOTALL);

  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** GitHub's anchor of a heading: lower case, punctuation gone, spaces as hyphens. */
  static String anchor(String heading) {
    return heading
        .trim()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N} _-]", "")
        .replace(' ', '-');
  }

  static Set<String> anchors(Path page) throws IOException {
    String text = CODE_BLOCK.matcher(Files.readString(page)).replaceAll("");
    Set<String> anchors = new HashSet<>();
    Matcher heading = HEADING.matcher(text);
    while (heading.find()) {
      anchors.add(anchor(heading.group(1)));
    }
    return anchors;
  }

  @Test
  void everyRelativeLinkResolvesInsideTheRepository() throws IOException {
    Path root = ROOT.toRealPath();
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages()) {
      String text = CODE_BLOCK.matcher(Files.readString(page)).replaceAll("");
      Matcher link = LINK.matcher(text);
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        checked++;
        String where = page.getFileName() + " -> " + target;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(where + " (no such file)");
          continue;
        }
        if (!resolved.toRealPath().startsWith(root)) {
          broken.add(where + " (outside the repository)");
          continue;
        }
        if (hash >= 0
            && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(target.substring(hash + 1))) {
          broken.add(where + " (no such heading; it has " + anchors(resolved) + ")");
        }
      }
    }
    assertTrue(checked > 30, "links found: " + checked);
    assertEquals(List.of(), broken, "broken links");
  }

  @Test
  void anchorsAreGithubs() {
    assertEquals(
        "instrument-sets-msb-semconv-both", anchor("Instrument sets (`msb`, `semconv`, `both`)"));
    assertEquals(
        "declarative-configuration-otelconfigfile",
        anchor("Declarative configuration (`otel.config.file`)"));
    assertEquals("the-jar-let-go-2026-12-06", anchor("The jar let go, 2026-12-06"));
  }
}
