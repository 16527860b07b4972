package dev.microsandbox.otel.metrics.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.semconv.incubating.ContainerIncubatingAttributes;
import io.opentelemetry.semconv.incubating.DiskIncubatingAttributes;
import io.opentelemetry.semconv.incubating.NetworkIncubatingAttributes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Our spelling of the semantic-convention keys is the semconv artifact's, and no compiled class of
 * the extension refers to the artifact at run time (older agents do not carry it).
 */
class SemconvKeysTest {

  @Test
  void keysAreTheSemconvArtifactsKeys() {
    assertEquals(ContainerIncubatingAttributes.CONTAINER_NAME, SandboxAttributes.CONTAINER_NAME);
    assertEquals(ContainerIncubatingAttributes.CONTAINER_ID, SandboxAttributes.CONTAINER_ID);
    assertEquals(
        NetworkIncubatingAttributes.NETWORK_IO_DIRECTION, SandboxAttributes.NETWORK_IO_DIRECTION);
    assertEquals(DiskIncubatingAttributes.DISK_IO_DIRECTION, SandboxAttributes.DISK_IO_DIRECTION);
  }

  @Test
  void noExtensionCodeRefersToTheSemconvArtifact() throws IOException {
    Path classes = Path.of("target/classes");
    List<String> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files =
          walk.filter(f -> f.toString().endsWith(".class"))
              .map(Path::toString)
              .collect(Collectors.toList());
    }
    assertTrue(files.size() > 50, "compiled classes: " + files.size());
    // Instructions and signatures, as javap -c prints them. (javac leaves unused class entries of
    // inlined constants in the constant pool; the JVM resolves only what instructions use.)
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(List.of("-c", "-p"));
    args.addAll(files);
    int status =
        ToolProvider.findFirst("javap")
            .orElseThrow()
            .run(new PrintWriter(out), new PrintWriter(out), args.toArray(new String[0]));
    assertEquals(0, status, out.toString());
    assertTrue(
        out.toString().contains("dev/microsandbox/otel/metrics/series/SandboxAttributes"),
        "javap read the classes");
    List<String> referring =
        out.toString()
            .lines()
            .filter(
                line ->
                    line.contains("io/opentelemetry/semconv/")
                        || line.contains("io.opentelemetry.semconv."))
            .collect(Collectors.toList());
    assertEquals(List.of(), referring);
  }
}
