package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryLocationTest {

  @Test
  void fnv1aMatchesPublishedVectors() {
    assertEquals(0xcbf29ce484222325L, RegistryLocation.fnv1a64(new byte[0]));
    assertEquals(
        0xaf63dc4c8601ec8cL, RegistryLocation.fnv1a64("a".getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        0x85944171f73967e8L, RegistryLocation.fnv1a64("foobar".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void nameIsSixteenLowerHexDigitsOfTheRawPath() {
    String name = RegistryLocation.shmName("/home/msb/.microsandbox");
    assertEquals(
        String.format(
            "/msb-met-%016x-v3",
            RegistryLocation.fnv1a64("/home/msb/.microsandbox".getBytes(StandardCharsets.UTF_8))),
        name);
    assertEquals(28, name.length());
    assertEquals("/msb-met-af63dc4c8601ec8c-v3", RegistryLocation.shmName("a"));
    assertNotEquals(
        RegistryLocation.shmName("/a/b"),
        RegistryLocation.shmName("/a/b/"),
        "no trailing-slash trimming");
    assertEquals(
        Path.of("/dev/shm/msb-met-af63dc4c8601ec8c-v3"), RegistryLocation.registryFile("a"));
  }

  /** Spec §1, with names computed independently of this code (Python's FNV-1a, written out). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      value = {
        "HOME=/ joins to /.microsandbox, never //       | null     | /       | /pw     |"
            + " msb-met-45924a48268ecf9b-v3",
        "HOME=/home/u/ gets one separator                | null     | /home/u/ | /pw    |"
            + " msb-met-a3292eaac203de93-v3",
        "HOME=/home/u                                     | null     | /home/u | /pw     |"
            + " msb-met-a3292eaac203de93-v3",
        "an empty HOME falls back to the passwd home      | null     | ''      | /etc/pw |"
            + " msb-met-aede4bd020cd696e-v3",
        "an unset HOME falls back to the passwd home      | null     | null    | /etc/pw |"
            + " msb-met-aede4bd020cd696e-v3",
        "MSB_HOME is used as is, trailing slash kept      | /srv/msb/ | /h     | /pw     |"
            + " msb-met-0449b285e87d190b-v3",
        "MSB_HOME without the slash is another registry   | /srv/msb | /h      | /pw     |"
            + " msb-met-abb495b919406f66-v3",
        "MSB_HOME set but empty is used as is             | ''       | /h      | /pw     |"
            + " msb-met-cbf29ce484222325-v3",
        "no home at all: ./.microsandbox                  | null     | null    | null    |"
            + " msb-met-5324023a145b08ef-v3",
        "a passwd home of ? (the JVM's none) is none    | null     | ''      | ?       |"
            + " msb-met-5324023a145b08ef-v3",
      })
  void homeAndNameResolveExactlyLikeUpstream(
      String why, String msbHome, String home, String passwdHome, String expectedFile) {
    Map<String, String> env = new HashMap<>();
    if (msbHome != null) {
      env.put("MSB_HOME", msbHome);
    }
    if (home != null) {
      env.put("HOME", home);
    }
    String resolved = RegistryLocation.resolveHome(env, passwdHome);
    assertEquals(
        Path.of("/dev/shm", expectedFile),
        RegistryLocation.registryFile(resolved),
        why + " (resolved home '" + resolved + "')");
  }

  @Test
  void theCatalogLivesUnderTheHome() {
    assertEquals(Path.of("/srv/msb/db/msb.db"), RegistryLocation.catalogFile("/srv/msb"));
  }

  @Test
  void theV2RegistryOfAHomeDiffersOnlyInItsSuffix() {
    assertEquals("/msb-met-af63dc4c8601ec8c-v2", RegistryLocation.shmName("a", RegistryAbi.V2));
    assertEquals(
        RegistryAbi.V2, RegistryLocation.abiOf(RegistryLocation.registryFile("a", RegistryAbi.V2)));
    assertEquals(RegistryAbi.V3, RegistryLocation.abiOf(Path.of("/tmp/any-file")));
  }

  /**
   * The runtime's name file under {@code <home>/run/metrics/}: absent or agreeing, the derived
   * registry is read silently; naming another, that one is read and one line says why.
   */
  @Test
  void theRuntimesNameFileConfirmsOrCorrectsTheDerivedRegistry(@TempDir Path home)
      throws IOException {
    String h = home.toString();
    Path derived = RegistryLocation.registryFile(h);
    RegistryLocation.Choice absent = RegistryLocation.choose(h, RegistryAbi.V3);
    assertEquals(derived, absent.path);
    assertNull(absent.note);

    Path file = RegistryLocation.nameFile(h, RegistryAbi.V3);
    assertEquals(home.resolve("run/metrics/registry-v3.name"), file);
    Files.createDirectories(file.getParent());
    Files.writeString(file, derived.getFileName() + "\ncapacity=1024\n");
    RegistryLocation.Choice agreeing = RegistryLocation.choose(h, RegistryAbi.V3);
    assertEquals(derived, agreeing.path);
    assertNull(agreeing.note);

    String runtimes = RegistryLocation.shmName(h + "/").substring(1); // msb saw a trailing slash
    Files.writeString(file, "/" + runtimes + " 1024\n");
    RegistryLocation.Choice corrected = RegistryLocation.choose(h, RegistryAbi.V3);
    assertEquals(RegistryLocation.SHM_DIR.resolve(runtimes), corrected.path);
    assertEquals(
        "the runtime recorded its registry as /"
            + runtimes
            + " in "
            + file
            + ", but the"
            + " home '"
            + h
            + "' gives /"
            + derived.getFileName()
            + ": this process spells MSB_HOME"
            + " differently from the runtime (a relative path, a trailing slash, a symbolic link?)."
            + " Reading the runtime's /dev/shm/"
            + runtimes
            + "; set MSB_HOME exactly as msb has it to"
            + " silence this",
        corrected.note);

    Files.writeString(file, "no registry name here\n");
    assertEquals(derived, RegistryLocation.choose(h, RegistryAbi.V3).path, "nothing to go by");
  }
}
