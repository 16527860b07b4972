package dev.microsandbox.otel.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The upstream-written fixture in {@code ../shared/fixtures}, read in place, and byte surgery on copies. */
public final class Fixtures {

  /** {@code sampled_at_ms} of every sampled slot in the fixture: the clock tests read it at. */
  public static final long SAMPLED_AT_MS = 1795317406433L;

  private Fixtures() {}

  /** The shared directory, from the build ({@code msb.shared.dir}) or relative to the module. */
  public static Path sharedDir() {
    return Path.of(System.getProperty("msb.shared.dir", "../../shared"));
  }

  /** The fixture registry; the calling test is skipped, with the reason, where shared/ is absent. */
  public static Path registry() {
    Path file = sharedDir().resolve("fixtures/registry-v3-basic.bin");
    assumeTrue(Files.isRegularFile(file), "upstream fixture not found at " + file.toAbsolutePath()
        + ": this clone has no ../shared next to it, so the conformance check cannot run");
    return file;
  }

  /** What the upstream reader decoded from the fixture. */
  public static Path expectedJson() {
    return registry().resolveSibling("registry-v3-basic.expected.json");
  }

  /** A private, writable (mode 0600) copy of the fixture. */
  public static Path copy(Path dir) throws IOException {
    Path copy = dir.resolve("registry-copy.bin");
    Files.copy(registry(), copy, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    return copy;
  }

  /** Overwrites little-endian {@code value} of {@code width} bytes at {@code offset}. */
  public static void poke(Path file, long offset, int width, long value) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes.array(), 0, width);
    }
  }

  /** Overwrites raw bytes at {@code offset}. */
  public static void pokeBytes(Path file, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes);
    }
  }

  /** Truncates (or extends) {@code file} to {@code size} bytes. */
  public static void resize(Path file, long size) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
  }
}
