package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.ReleaseArtifacts;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The extension as a release ships it: its bill of materials names every library the jar packs; its
 * sources jar holds every source of the three roots; its Javadoc jar is there; each has its
 * checksum file.
 */
class ReleaseArtifactsIT {

  static final Path JAR = Path.of(System.getProperty("msb.extension.jar"));
  static final Path SOURCES = sibling("-sources.jar");
  static final Path JAVADOC = sibling("-javadoc.jar");
  static final Path BOM = JAR.resolveSibling("bom.json");

  private static Path sibling(String suffix) {
    String name = JAR.getFileName().toString();
    return JAR.resolveSibling(name.substring(0, name.length() - ".jar".length()) + suffix);
  }

  @Test
  void theBillOfMaterialsNamesEveryLibraryTheJarPacks() throws Exception {
    Set<String> components = ReleaseArtifacts.components(BOM);
    Set<String> packed;
    try (InputStream jar = Files.newInputStream(JAR)) {
      packed = ReleaseArtifacts.packed(jar);
    }
    // Its own descriptor, and at least SQLite's JDBC driver.
    packed.remove(
        "dev.microsandbox.otel:msb-otel-extension:" + System.getProperty("msb.project.version"));
    assertTrue(
        packed.stream().anyMatch(l -> l.startsWith("org.xerial:sqlite-jdbc:")), packed::toString);
    List<String> unlisted =
        packed.stream()
            .filter(l -> !ReleaseArtifacts.listed(l, components))
            .collect(Collectors.toList());
    assertEquals(List.of(), unlisted, "packed in the extension, missing from " + BOM);
  }

  @Test
  void theSourcesJarHoldsEverySourceOfTheThreeRoots() throws Exception {
    Set<String> sources = new TreeSet<>();
    for (String root : List.of("src/main/java", "src/main/java8", "src/main/java22")) {
      Path base = Path.of(root);
      try (Stream<Path> walk = Files.walk(base)) {
        walk.filter(f -> f.toString().endsWith(".java"))
            .forEach(f -> sources.add(base.relativize(f).toString().replace('\\', '/')));
      }
    }
    Set<String> packed;
    try (JarFile jar = new JarFile(SOURCES.toFile())) {
      packed =
          jar.stream()
              .map(e -> e.getName())
              .filter(n -> n.endsWith(".java"))
              .collect(Collectors.toCollection(TreeSet::new));
      assertTrue(jar.getEntry("META-INF/msb-otel/LICENSE") != null, "the licence in the sources");
    }
    assertEquals(sources, packed);
    try (JarFile javadoc = new JarFile(JAVADOC.toFile())) {
      assertTrue(javadoc.getEntry("index.html") != null, "the Javadoc's index");
    }
  }

  @Test
  void everyReleaseArtifactHasItsChecksum() throws Exception {
    for (Path artifact : List.of(JAR, SOURCES, JAVADOC, BOM)) {
      ReleaseArtifacts.assertChecksum(artifact);
    }
  }
}
