package dev.microsandbox.otel.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The upstream-written fixture in {@code ../shared/fixtures}, read in place, and byte surgery on
 * copies.
 */
public final class Fixtures {

  /** {@code sampled_at_ms} of every sampled slot in the fixture: the clock tests read it at. */
  public static final long SAMPLED_AT_MS = 1795317406433L;

  private Fixtures() {}

  /** The shared directory, from the build ({@code msb.shared.dir}) or relative to the module. */
  public static Path sharedDir() {
    return Path.of(System.getProperty("msb.shared.dir", "../../shared"));
  }

  /**
   * The fixture registry; the calling test is skipped, with the reason, where shared/ is absent.
   */
  public static Path registry() {
    Path file = sharedDir().resolve("fixtures/registry-v3-basic.bin");
    assumeTrue(
        Files.isRegularFile(file),
        "upstream fixture not found at "
            + file.toAbsolutePath()
            + ": this clone has no ../shared next to it, so the conformance check cannot run");
    return file;
  }

  /** What the upstream reader decoded from the fixture. */
  public static Path expectedJson() {
    return registry().resolveSibling("registry-v3-basic.expected.json");
  }

  /**
   * A private, writable (mode 0600) copy of the fixture: the upstream file where shared/ is
   * present, else {@link #writeReplica} of it, so that tests which damage a copy run in any clone.
   */
  public static Path copy(Path dir) throws IOException {
    Path copy = dir.resolve("registry-copy.bin");
    Path upstream = sharedDir().resolve("fixtures/registry-v3-basic.bin");
    if (Files.isRegularFile(upstream)) {
      Files.copy(upstream, copy, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
    } else {
      Files.deleteIfExists(copy);
      writeReplica(copy);
    }
    return copy;
  }

  /**
   * The fixture's eight slots written by our {@link RegistryWriter}, with the values and states of
   * registry-v3-basic.expected.json (see shared/fixtures/README.md): same capacity, same file size,
   * same decoded views.
   */
  public static void writeReplica(Path file) throws IOException {
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      SandboxSample[] slots = {
        sample(101, 1010, 1, "alpha", 90_000, 0x7f)
            .cpu(150.25f, 13_000)
            .memory(536_870_912, 2000, 17_000, 19_000)
            .io(3000, 5000, 7000, 11_000)
            .upper(23_000, 29_000, 31_000),
        sample(102, 1020, 1, "bravo-noflags", 5000, 0)
            .memory(1_073_741_824, 0, 0, 0)
            .io(11, 22, 33, 44),
        sample(103, 0, 0, "charlie-reserved", 0, 0),
        sample(104, 1040, 1, "delta-unsampled", 0, 0),
        sample(105, 1050, 1, "echo-stale", 60_000, 0x7f)
            .cpu(7.5f, 91)
            .memory(268_435_456, 14, 119, 133)
            .io(21, 35, 49, 77)
            .upper(161, 203, 217),
        sample(106, 1060, 1, "é".repeat(64), 3_600_000, 0x7f)
            .cpu(389.5f, 1_604_938_257L)
            .memory(67_108_864, 246_913_578, 2_098_765_413L, 2_345_678_991L)
            .io(370_370_367, 617_283_945, 864_197_523, 1_358_024_679L)
            .upper(2_839_506_147L, 3_580_246_881L, 3_827_160_459L),
        sample(107, 1070, 1_073_741_808, "golf-deadpid", 10_000, 0x7f)
            .cpu(42.5f, 546)
            .memory(134_217_728, 84, 714, 798)
            .io(126, 210, 294, 462)
            .upper(966, 1218, 1302),
        sample(108, 1080, 1, "hotel-freed", 1000, 0),
      };
      for (SandboxSample s : slots) {
        writer.claim(s); // slots 0..7 in order: nothing is released before all are claimed
      }
      for (int slot = 0; slot < slots.length; slot++) {
        SandboxSample s = slots[slot];
        if (slot == 2) {
          continue; // reserved, never activated
        }
        writer.activate(slot, s.runId(), s.pid());
        if (slot != 3) { // slot 3: active, never sampled
          writer.publish(slot, s);
        }
      }
      writer.release(4, true); // clean exit: stale, last sample kept
      writer.release(7, false); // freed after use
    }
  }

  private static SandboxSample sample(
      int id, int runId, int pid, String name, long uptimeMs, int flags) {
    return new SandboxSample()
        .identity(id, runId, pid, name)
        .times(SAMPLED_AT_MS - uptimeMs, SAMPLED_AT_MS)
        .flags(flags);
  }

  /** Overwrites little-endian {@code value} of {@code width} bytes at {@code offset}. */
  public static void poke(Path file, long offset, int width, long value) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes.array(), 0, width);
    }
  }

  /** The little-endian u64 at {@code offset}. */
  public static long peek(Path file, long offset) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(offset);
      raf.readFully(bytes.array());
    }
    return bytes.getLong(0);
  }

  /** Overwrites raw bytes at {@code offset}. */
  public static void pokeBytes(Path file, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes);
    }
  }

  /** The user {@code nobody}, for files a test makes another user's (as root). */
  public static java.nio.file.attribute.UserPrincipal nobody() throws IOException {
    return java.nio.file.FileSystems.getDefault()
        .getUserPrincipalLookupService()
        .lookupPrincipalByName("nobody");
  }

  /** Truncates (or extends) {@code file} to {@code size} bytes. */
  public static void resize(Path file, long size) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
  }
}
