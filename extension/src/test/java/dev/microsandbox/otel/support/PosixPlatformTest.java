package dev.microsandbox.otel.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The platform table against a second source: Rust's {@code libc} crate as Debian packages it
 * ({@code librust-libc-dev}, which {@code .ci/run} installs). Each platform's constants are read
 * from the crate's files for that target, and its {@code struct stat} offsets computed from the
 * crate's field list and type aliases with C's layout rules (natural alignment, 64-bit targets).
 */
class PosixPlatformTest {

  static final Path CRATES = Path.of("/usr/share/cargo/registry");

  /** The crate's files that define each platform, most specific first. */
  static final Map<PosixPlatform, List<String>> SOURCES =
      Map.of(
          PosixPlatform.LINUX_X86_64,
          List.of(
              "linux_like/linux/gnu/b64/x86_64/mod.rs",
              "linux_like/linux/gnu/b64/mod.rs",
              "linux_like/linux/gnu/mod.rs",
              "linux_like/linux/mod.rs",
              "linux_like/mod.rs",
              "mod.rs"),
          PosixPlatform.LINUX_AARCH64,
          List.of(
              "linux_like/linux/gnu/b64/aarch64/mod.rs",
              "linux_like/linux/gnu/b64/mod.rs",
              "linux_like/linux/gnu/mod.rs",
              "linux_like/linux/mod.rs",
              "linux_like/mod.rs",
              "mod.rs"),
          PosixPlatform.MACOS_AARCH64,
          List.of("bsd/apple/b64/mod.rs", "bsd/apple/mod.rs", "bsd/mod.rs", "mod.rs"),
          PosixPlatform.MACOS_X86_64,
          List.of("bsd/apple/b64/mod.rs", "bsd/apple/mod.rs", "bsd/mod.rs", "mod.rs"));

  /** Sizes of the primitive types on every 64-bit target here. */
  static final Map<String, Integer> PRIMITIVES =
      Map.of(
          "i8", 1, "u8", 1, "i16", 2, "u16", 2, "i32", 4, "u32", 4, "i64", 8, "u64", 8, "c_int", 4,
          "c_long", 8);

  static Path unixSources() throws IOException {
    Optional<Path> crate = Optional.empty();
    if (Files.isDirectory(CRATES)) {
      try (Stream<Path> crates = Files.list(CRATES)) {
        crate =
            crates.filter(p -> p.getFileName().toString().startsWith("libc-")).sorted().findFirst();
      }
    }
    assumeTrue(
        crate.isPresent() || System.getenv("CI") != null,
        "no Rust libc crate under "
            + CRATES
            + " (apt-get install librust-libc-dev, as .ci/run does)");
    return crate
        .orElseThrow(() -> new AssertionError("CI must have librust-libc-dev installed"))
        .resolve("src/unix");
  }

  /** One target's view of the crate: the files that define it, most specific first. */
  static List<String> target(PosixPlatform platform) throws IOException {
    Path unix = unixSources();
    List<String> files = new ArrayList<>();
    for (String file : SOURCES.get(platform)) {
      files.add(Files.readString(unix.resolve(file)));
    }
    return files;
  }

  /**
   * What {@code pattern} captures for the target: in the most specific file that matches it, the
   * last match (in a {@code cfg_if!} the generic 64-bit branch comes last, after narrower ones).
   */
  static String definition(List<String> files, String pattern, String what) {
    for (String file : files) {
      Matcher m = Pattern.compile(pattern, Pattern.DOTALL).matcher(file);
      String found = null;
      while (m.find()) {
        found = m.group(1);
      }
      if (found != null) {
        return found;
      }
    }
    throw new AssertionError(what + " not defined");
  }

  /** The value of {@code pub const NAME: … = VALUE;} for the target. */
  static long constant(List<String> files, String name) {
    String value =
        definition(files, "pub const " + name + ": [:\\w]+ = (0x[0-9a-fA-F]+|\\d+);", name);
    return value.startsWith("0x") ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
  }

  /** Size in bytes of a crate type, following its {@code pub type} aliases. */
  static int sizeOf(List<String> source, String type) {
    String name = type.replace("::", "").trim();
    if (name.startsWith("[")) { // [T; N]
      Matcher array = Pattern.compile("\\[(.+); *(\\d+)\\]").matcher(name);
      assertTrue(array.matches(), type);
      return sizeOf(source, array.group(1)) * Integer.parseInt(array.group(2));
    }
    Integer primitive = PRIMITIVES.get(name);
    if (primitive != null) {
      return primitive;
    }
    return sizeOf(source, definition(source, "pub type " + name + " = ([:\\w]+);", "type " + name));
  }

  /** Field offsets and the size of the target's {@code struct stat}, laid out as C lays it out. */
  static Map<String, Integer> statLayout(List<String> source) {
    String body = definition(source, "pub struct stat \\{(.*?)\\n\\s*}", "struct stat");
    Map<String, Integer> offsets = new LinkedHashMap<>();
    int offset = 0;
    int largest = 1;
    Matcher field = Pattern.compile("(?:pub )?(\\w+): ([^,]+),").matcher(body);
    while (field.find()) {
      int size = sizeOf(source, field.group(2));
      int align =
          field.group(2).trim().startsWith("[") ? elementSize(source, field.group(2)) : size;
      offset = (offset + align - 1) / align * align;
      offsets.put(field.group(1), offset);
      offsets.put(field.group(1) + ".size", size);
      offset += size;
      largest = Math.max(largest, align);
    }
    offsets.put("sizeof", (offset + largest - 1) / largest * largest);
    return offsets;
  }

  private static int elementSize(List<String> source, String array) {
    Matcher m = Pattern.compile("\\[(.+);").matcher(array.replace("::", ""));
    assertTrue(m.find(), array);
    return sizeOf(source, m.group(1));
  }

  @ParameterizedTest
  @EnumSource(PosixPlatform.class)
  void theTableAgreesWithTheLibcCrate(PosixPlatform platform) throws IOException {
    List<String> source = target(platform);
    assertEquals(constant(source, "O_RDONLY"), PosixPlatform.O_RDONLY);
    assertEquals(constant(source, "O_NOFOLLOW"), platform.oNofollow, "O_NOFOLLOW");
    assertEquals(constant(source, "O_CLOEXEC"), platform.oCloexec, "O_CLOEXEC");
    assertEquals(constant(source, "O_NONBLOCK"), platform.oNonblock, "O_NONBLOCK");
    assertEquals(constant(source, "ELOOP"), platform.eloop, "ELOOP");
    assertEquals(constant(source, "ENOENT"), PosixPlatform.ENOENT);
    assertEquals(constant(source, "EACCES"), PosixPlatform.EACCES);
    assertEquals(constant(source, "S_IFMT"), PosixPlatform.S_IFMT);
    assertEquals(constant(source, "S_IFREG"), PosixPlatform.S_IFREG);
    assertEquals(constant(source, "S_IFDIR"), PosixPlatform.S_IFDIR);
    assertEquals(constant(source, "S_IFLNK"), PosixPlatform.S_IFLNK);
    assertEquals(constant(source, "PROT_READ"), PosixPlatform.PROT_READ);
    assertEquals(constant(source, "MAP_SHARED"), PosixPlatform.MAP_SHARED);

    Map<String, Integer> stat = statLayout(source);
    assertEquals(stat.get("sizeof"), platform.statSize, "sizeof(struct stat) " + stat);
    assertEquals(PosixPlatform.ST_DEV_OFFSET, stat.get("st_dev"));
    assertEquals(stat.get("st_dev.size"), platform.stDevSize, "st_dev size");
    assertEquals(stat.get("st_ino"), platform.stInoOffset, "st_ino");
    assertEquals(8, stat.get("st_ino.size"));
    assertEquals(stat.get("st_mode"), platform.stModeOffset, "st_mode");
    assertEquals(stat.get("st_mode.size"), platform.stModeSize, "st_mode size");
    assertEquals(stat.get("st_uid"), platform.stUidOffset, "st_uid");
    assertEquals(4, stat.get("st_uid.size"));
    assertEquals(stat.get("st_size"), platform.stSizeOffset, "st_size");
    assertEquals(8, stat.get("st_size.size"));
  }

  /** The crate links fstat to the 64-bit-inode symbol on Intel Macs, the layout read above. */
  @Test
  void theFstatSymbolsAreTheCratesOwn() throws IOException {
    String unix = Files.readString(unixSources().resolve("mod.rs"));
    Matcher fstat =
        Pattern.compile(
                "all\\(target_os = \"macos\", not\\(target_arch = \"aarch64\"\\)\\),\\s*"
                    + "link_name = \"(fstat\\$\\w+)\"\\s*\\)\\]\\s*(?:#\\[[^]]*\\]\\s*)*"
                    + "pub fn fstat\\(")
            .matcher(unix);
    assertTrue(fstat.find(), "the crate's fstat link names");
    assertEquals(fstat.group(1), PosixPlatform.MACOS_X86_64.fstatSymbol);
    assertEquals("fstat", PosixPlatform.MACOS_AARCH64.fstatSymbol);
    assertEquals("fstat", PosixPlatform.LINUX_X86_64.fstatSymbol);
  }

  @Test
  void platformsAreKnownByNameAndArchitecture() {
    assertEquals(PosixPlatform.LINUX_X86_64, PosixPlatform.of("Linux", "amd64"));
    assertEquals(PosixPlatform.LINUX_AARCH64, PosixPlatform.of("Linux", "aarch64"));
    assertEquals(PosixPlatform.MACOS_AARCH64, PosixPlatform.of("Mac OS X", "aarch64"));
    assertEquals(PosixPlatform.MACOS_X86_64, PosixPlatform.of("Mac OS X", "x86_64"));
    assertNull(PosixPlatform.of("Windows 11", "amd64"));
    assertNull(PosixPlatform.of("Linux", "riscv64"));
    assertEquals(
        PosixPlatform.O_RDONLY | PosixPlatform.LINUX_X86_64.oNonblock,
        PosixPlatform.LINUX_X86_64.shmOpenFlags(),
        "Linux: no FIFO planted in /dev/shm can block");
    assertEquals(PosixPlatform.O_RDONLY, PosixPlatform.MACOS_AARCH64.shmOpenFlags());
    List<PosixPlatform> withPath = new ArrayList<>();
    for (PosixPlatform p : PosixPlatform.values()) {
      if (p.shmHasPath) {
        withPath.add(p);
      }
    }
    assertEquals(List.of(PosixPlatform.LINUX_X86_64, PosixPlatform.LINUX_AARCH64), withPath);
  }
}
