package dev.microsandbox.otel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What the release checks of the extension and the bundle share: the libraries a jar packs, read
 * from the jar itself, against the components of its CycloneDX bill of materials, and a checksum
 * file against the file it sums.
 */
public final class ReleaseArtifacts {

  /** {@code artifact-version.jar}: the version starts at the first dash before a digit. */
  private static final Pattern VERSIONED_JAR = Pattern.compile("(.+?)-(\\d[^/]*)\\.jar");

  private ReleaseArtifacts() {}

  /** Every component of the bill of materials {@code bom} (JSON), as group:name:version. */
  public static Set<String> components(Path bom) throws IOException {
    Set<String> all = new HashSet<>();
    for (JsonNode c : new ObjectMapper().readTree(bom.toFile()).path("components")) {
      all.add(
          c.path("group").asText()
              + ":"
              + c.path("name").asText()
              + ":"
              + c.path("version").asText());
    }
    return all;
  }

  /**
   * The libraries packed in a jar's bytes, as group:artifact:version from the Maven descriptors
   * ({@code META-INF/maven/.../pom.properties}) its entries carry, nested jars included; a nested
   * jar without one is named by its file ({@code artifact-version.jar}, as Maven copies them) as
   * {@code ?:artifact:version}.
   */
  public static Set<String> packed(InputStream jar) throws IOException {
    Set<String> libraries = new TreeSet<>();
    try (ZipInputStream in = new ZipInputStream(jar)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String name = e.getName();
        if (name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties")) {
          Properties p = new Properties();
          p.load(new ByteArrayInputStream(in.readAllBytes()));
          libraries.add(
              p.getProperty("groupId")
                  + ":"
                  + p.getProperty("artifactId")
                  + ":"
                  + p.getProperty("version"));
        } else if (name.endsWith(".jar")) {
          Set<String> inside = packed(new ByteArrayInputStream(in.readAllBytes()));
          Matcher file = VERSIONED_JAR.matcher(name.substring(name.lastIndexOf('/') + 1));
          if (inside.isEmpty() && file.matches()) {
            inside.add("?:" + file.group(1) + ":" + file.group(2));
          }
          libraries.addAll(inside);
        }
      }
    }
    return libraries;
  }

  /**
   * Whether {@code library} (group:name:version, or ?:name:version) is among {@code components}.
   */
  public static boolean listed(String library, Set<String> components) {
    return library.startsWith("?:")
        ? components.stream().anyMatch(c -> c.endsWith(":" + library.substring(2)))
        : components.contains(library);
  }

  /**
   * Holds {@code file}'s {@code .sha256} beside it to the file: "HEX NAME", as sha256sum writes.
   */
  public static void assertChecksum(Path file) throws IOException, NoSuchAlgorithmException {
    String expected =
        HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)))
            + "  "
            + file.getFileName();
    Path sum = file.resolveSibling(file.getFileName() + ".sha256");
    assertEquals(expected, Files.readString(sum).trim(), sum.toString());
  }
}
