package dev.microsandbox.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build's {@code forget-entry-points} list (classes compiled in a pass of their own, for Java 8
 * or 22, whose stale copies must not survive a recompile) names every source of those passes.
 */
class EntryPointsListTest {

  private static final Pattern INCLUDE = Pattern.compile("<include>([\\w/]+)\\*\\.class</include>");

  @Test
  void everySeparatelyCompiledClassIsForgottenBeforeItsPass() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    int start = pom.indexOf("<id>forget-entry-points</id>");
    String list = pom.substring(start, pom.indexOf("</execution>", start));
    Set<String> listed = new TreeSet<>();
    Matcher m = INCLUDE.matcher(list);
    while (m.find()) {
      listed.add(m.group(1));
    }
    Set<String> sources = new TreeSet<>();
    for (String root : List.of("src/main/java8", "src/main/java22")) {
      Path base = Path.of(root);
      try (Stream<Path> walk = Files.walk(base)) {
        sources.addAll(
            walk.filter(f -> f.toString().endsWith(".java"))
                .map(f -> base.relativize(f).toString().replace('\\', '/').replace(".java", ""))
                .collect(Collectors.toList()));
      }
    }
    assertEquals(sources, listed);
  }
}
