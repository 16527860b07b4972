package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryLocationTest {

  @Test
  void fnv1aMatchesPublishedVectors() {
    assertEquals(0xcbf29ce484222325L, RegistryLocation.fnv1a64(new byte[0]));
    assertEquals(0xaf63dc4c8601ec8cL, RegistryLocation.fnv1a64("a".getBytes(StandardCharsets.UTF_8)));
    assertEquals(0x85944171f73967e8L, RegistryLocation.fnv1a64("foobar".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void nameIsSixteenLowerHexDigitsOfTheRawPath() {
    String name = RegistryLocation.shmName("/home/msb/.microsandbox");
    assertEquals(String.format("/msb-met-%016x-v3",
        RegistryLocation.fnv1a64("/home/msb/.microsandbox".getBytes(StandardCharsets.UTF_8))), name);
    assertEquals(28, name.length());
    assertEquals("/msb-met-af63dc4c8601ec8c-v3", RegistryLocation.shmName("a"));
    assertNotEquals(RegistryLocation.shmName("/a/b"), RegistryLocation.shmName("/a/b/"),
        "no trailing-slash trimming");
    assertEquals(Path.of("/dev/shm/msb-met-af63dc4c8601ec8c-v3"), RegistryLocation.registryFile("a"));
  }

  @Test
  void homeResolvesLikeUpstream() {
    assertEquals("/srv/msb", RegistryLocation.resolveHome(Map.of("MSB_HOME", "/srv/msb", "HOME", "/h")));
    assertEquals("/h/.microsandbox", RegistryLocation.resolveHome(Map.of("HOME", "/h")));
    assertEquals("/h/.microsandbox", RegistryLocation.resolveHome(Map.of("MSB_HOME", "", "HOME", "/h")));
    assertEquals("./.microsandbox", RegistryLocation.resolveHome(Map.of()));
    assertEquals(Path.of("/srv/msb/db/msb.db"), RegistryLocation.catalogFile("/srv/msb"));
  }
}
