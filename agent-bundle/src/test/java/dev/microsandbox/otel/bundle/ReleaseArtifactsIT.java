package dev.microsandbox.otel.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.ReleaseArtifacts;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The bundle as a release ships it: its bill of materials names the agent it is built on and every
 * library it adds (the extension, what the extension packs, the lean sidecar's SDK), read from the
 * jar itself; and its checksum file sums it.
 */
class ReleaseArtifactsIT {

  static final Path BUNDLE = Path.of(System.getProperty("msb.bundle.jar"));
  static final Path AGENT = Path.of(System.getProperty("msb.agent.jar"));
  static final Path BOM = BUNDLE.resolveSibling("bom.json");

  @Test
  void theBillOfMaterialsNamesTheAgentAndEveryLibraryTheBundleAdds() throws Exception {
    Set<String> components = ReleaseArtifacts.components(BOM);
    String agentVersion = System.getProperty("msb.otel.agent.version");
    try (JarFile bundle = new JarFile(BUNDLE.toFile())) {
      assertEquals(
          agentVersion,
          bundle.getManifest().getMainAttributes().getValue("OpenTelemetry-Agent-Version"));
    }
    assertTrue(
        components.contains("io.opentelemetry.javaagent:opentelemetry-javaagent:" + agentVersion),
        "the agent in " + components);
    Set<String> added;
    Set<String> agents;
    try (InputStream bundle = Files.newInputStream(BUNDLE);
        InputStream agent = Files.newInputStream(AGENT)) {
      added = ReleaseArtifacts.packed(bundle);
      agents = ReleaseArtifacts.packed(agent); // the agent's own: its component covers them
    }
    added.removeAll(agents);
    assertTrue(
        added.contains(
            "dev.microsandbox.otel:msb-otel-extension:"
                + System.getProperty("msb.project.version")),
        "the extension among " + added);
    assertTrue(added.size() > 10, "libraries read from the bundle: " + added);
    List<String> unlisted =
        added.stream()
            .filter(l -> !ReleaseArtifacts.listed(l, components))
            .collect(Collectors.toList());
    assertEquals(List.of(), unlisted, "packed in the bundle, missing from " + BOM);
  }

  @Test
  void theBundlesChecksumSumsIt() throws Exception {
    ReleaseArtifacts.assertChecksum(BUNDLE);
    ReleaseArtifacts.assertChecksum(BOM);
  }
}
