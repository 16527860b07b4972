package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import dev.microsandbox.otel.registry.RegistryProblem.Kind;
import dev.microsandbox.otel.support.DistinctProblemLog;
import dev.microsandbox.otel.support.LogSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Level;

/**
 * The registry file as a read-only mapping, checked before it is trusted: no symbolic link, no
 * group- or world-writable mode, a valid header whose capacity the file holds. The file's identity,
 * size and permissions are checked again at most once per {@link
 * RegistryReader#RECHECK_INTERVAL_MS} of monotonic time (one {@code stat}): a registry that appears
 * is attached, one that is recreated (new inode or size) is remapped, one that is gone is let go.
 * What is wrong is a {@link RegistryProblem}, logged once per distinct problem. {@link
 * RegistryReader} reads the slots of what this maps; the split follows Aeron's, which maps its CnC
 * file apart from reading counters. Not thread-safe: owned by one reader.
 */
final class RegistryMapping implements AutoCloseable {

  private final Path file;
  private final RegistryAbi abi;
  private final RegistryAccess access;
  private final DistinctProblemLog problems;
  private final LogSink log;
  private final String userName = System.getProperty("user.name", "");
  private final String readableAgain;

  private RegistryMemory map;

  /** Kept open while mapped: one fstat per pass notices a file cut short before it is read. */
  private FileChannel channel;

  private Object fileKey;
  private long fileSizeAtMap;
  private int capacity;
  private long lastCheckMonotonicMs;
  private boolean absenceLogged;
  private String ownerWarnedFor;
  private RegistryProblem problem; // of the latest attach or failure; null: none

  RegistryMapping(Path file, RegistryAbi abi, RegistryAccess access, LogSink log) {
    this.file = file;
    this.abi = abi;
    this.access = access;
    this.log = log;
    this.problems = new DistinctProblemLog(log);
    this.readableAgain = "microsandbox registry " + file + " is readable again";
  }

  /**
   * The mapped registry, checked as described above, or null when there is none to read: absent, or
   * broken ({@link #problem()} says how). A file mapped anew is a new object: its slots are new.
   */
  RegistryMemory attach(long monotonicNow) throws IOException {
    problem = null;
    return attached(monotonicNow) ? map : null;
  }

  /** Slots of the mapped registry; 0 when none is mapped. */
  int capacity() {
    return capacity;
  }

  /** What the latest {@link #attach} or {@link #failed} found wrong; null if nothing. */
  RegistryProblem problem() {
    return problem;
  }

  /** A pass read every slot: a problem logged before is over (logged once). */
  void readable() {
    problems.clear(readableAgain);
  }

  /** A pass failed while reading {@code cause}: unmapped, to be mapped again on the next pass. */
  void failed(Throwable cause) {
    detach();
    fail(
        Kind.IO_ERROR,
        "microsandbox registry %s failed while being read (%s); it will be"
            + " remapped on the next collection",
        file,
        cause);
  }

  /** Unmaps the registry; the next {@link #attach} maps it again. */
  @Override
  public void close() {
    detach();
  }

  private boolean attached(long monotonicNow) throws IOException {
    if (map != null && monotonicNow - lastCheckMonotonicMs < RegistryReader.RECHECK_INTERVAL_MS) {
      ensureNotCutShort();
      return headerReady();
    }
    lastCheckMonotonicMs = monotonicNow;
    PosixFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      absent();
      return false;
    } catch (IOException | UnsupportedOperationException e) {
      return fail(Kind.IO_ERROR, "cannot stat microsandbox registry %s: %s", file, e);
    }
    if (attrs.isSymbolicLink()) {
      // /dev/shm is world-writable: a link there could point anywhere. shm_open(3) refuses links
      // too.
      return fail(
          Kind.NOT_A_FILE,
          "refusing microsandbox registry %s: it is a symbolic link, not"
              + " the shared-memory object msb creates",
          file);
    }
    if (!attrs.isRegularFile()) {
      return fail(Kind.NOT_A_FILE, "microsandbox registry %s is not a regular file", file);
    }
    if (attrs.permissions().contains(PosixFilePermission.GROUP_WRITE)
        || attrs.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
      return fail(
          Kind.INSECURE_PERMISSIONS,
          "refusing microsandbox registry %s: its mode %s lets"
              + " group or others write it, so anyone on the host could forge sandbox metrics; msb"
              + " creates it rw------- (fix: chmod 600 %s)",
          file,
          PosixFilePermissions.toString(attrs.permissions()),
          file);
    }
    String owner = attrs.owner().getName();
    if (!owner.equals(userName) && !owner.equals(ownerWarnedFor)) {
      ownerWarnedFor = owner;
      log.log(
          Level.WARNING,
          "microsandbox registry "
              + file
              + " is owned by '"
              + owner
              + "' but this process runs as '"
              + userName
              + "'; run it as the user that runs msb");
    }
    if (map != null && attrs.fileKey().equals(fileKey) && attrs.size() == fileSizeAtMap) {
      return headerReady();
    }
    detach();
    return map(attrs);
  }

  /** What was found (mode, owner, this process's user) and the fix that fits it. */
  private String accessDeniedCause(PosixFileAttributes attrs) {
    String mode = PosixFilePermissions.toString(attrs.permissions());
    String owner = attrs.owner().getName();
    String found =
        "it is mode "
            + mode
            + ", owned by '"
            + owner
            + "', and this process runs as '"
            + userName
            + "'";
    if (owner.equals(userName)) {
      return found
          + ": its owner may not read it (msb creates it rw-------; fix: chmod 600 "
          + file
          + ", or restart msb)";
    }
    return found
        + ": run this process as '"
        + owner
        + "', the user that runs msb (its registry is"
        + " readable by its owner alone)";
  }

  private boolean map(PosixFileAttributes attrs) {
    long size = attrs.size();
    if (size < HEADER_LEN) {
      return fail(
          Kind.TOO_SMALL,
          "microsandbox registry %s is %d bytes, smaller than the %d-byte" + " header",
          file,
          size,
          HEADER_LEN);
    }
    RegistryMemory whole;
    FileChannel opened = null;
    try {
      opened = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      whole = access.map(opened, Math.min(size, fileSize(MAX_CAPACITY)));
    } catch (AccessDeniedException e) {
      return fail(
          Kind.ACCESS_DENIED,
          "cannot open microsandbox registry %s: permission denied" + " (EACCES); %s",
          file,
          accessDeniedCause(attrs));
    } catch (IOException | RuntimeException e) {
      closeQuietly(opened);
      return fail(Kind.IO_ERROR, "cannot map microsandbox registry %s: %s", file, e);
    }
    RegistryProblem invalid = validateHeader(whole, size);
    if (invalid != null) {
      whole.close();
      closeQuietly(opened);
      return fail(invalid);
    }
    channel = opened;
    capacity = whole.getInt(H_CAPACITY);
    map = whole; // validated: every slot offset below fileSize(capacity) lies inside the mapping
    fileKey = attrs.fileKey();
    fileSizeAtMap = size;
    absenceLogged = false;
    log.log(Level.INFO, "attached microsandbox registry " + file + " (" + capacity + " slots)");
    return true;
  }

  private RegistryProblem validateHeader(RegistryMemory header, long size) {
    int state = header.getIntAcquire(H_STATE);
    long magic = header.getLong(H_MAGIC);
    if (magic != MAGIC) {
      if (state == HEADER_UNINIT || state == HEADER_INITIALIZING) {
        return headerStateProblem(state); // an initializing header has no magic yet
      }
      return RegistryProblem.of(
          Kind.BAD_MAGIC,
          "%s is not a microsandbox metrics registry: magic"
              + " 0x%016x, expected 0x%016x (\"MSBMET01\")",
          file,
          magic,
          MAGIC);
    }
    int version = header.getInt(H_VERSION);
    if (version != abi.version) {
      return RegistryProblem.of(
          Kind.UNSUPPORTED_VERSION,
          "microsandbox registry %s has format"
              + " version %d where its name says version %d; this reader supports versions 3"
              + " (microsandbox 0.6) and 2 (older runtimes)",
          file,
          Integer.toUnsignedLong(version),
          abi.version);
    }
    if (state != HEADER_READY) {
      return headerStateProblem(state);
    }
    int headerLen = header.getInt(H_HEADER_LEN);
    int slotLen = header.getInt(H_SLOT_LEN);
    if (headerLen != HEADER_LEN || slotLen != SLOT_LEN) {
      return RegistryProblem.of(
          Kind.BAD_GEOMETRY,
          "microsandbox registry %s has header_len %d and"
              + " slot_len %d; version 3 uses %d and %d",
          file,
          Integer.toUnsignedLong(headerLen),
          Integer.toUnsignedLong(slotLen),
          HEADER_LEN,
          SLOT_LEN);
    }
    long slots = Integer.toUnsignedLong(header.getInt(H_CAPACITY));
    if (slots > MAX_CAPACITY || fileSize(slots) > size) {
      return RegistryProblem.of(
          Kind.CAPACITY_EXCEEDS_FILE,
          "microsandbox registry %s claims %d" + " slots (%d bytes) but the file is %d bytes",
          file,
          slots,
          fileSize(slots),
          size);
    }
    return null;
  }

  /** Why a header in {@code state} (anything but ready) cannot be read. */
  private RegistryProblem headerStateProblem(int state) {
    if (state != HEADER_UNINIT && state != HEADER_INITIALIZING) {
      return RegistryProblem.of(
          Kind.BAD_HEADER_STATE,
          "microsandbox registry %s has header state" + " %d (expected 2 = ready)",
          file,
          Integer.toUnsignedLong(state));
    }
    return RegistryProblem.of(
        Kind.NOT_READY,
        "microsandbox registry %s is not ready: header state"
            + " %d (%s); waiting for msb to finish creating it",
        file,
        state,
        state == HEADER_UNINIT ? "uninitialized" : "initializing");
  }

  private boolean headerReady() {
    int state = map.getIntAcquire(H_STATE);
    if (state == HEADER_READY) {
      return true;
    }
    detach();
    return fail(headerStateProblem(state));
  }

  private void absent() {
    detach();
    problems.clear("microsandbox registry " + file + " is gone; waiting for it to reappear");
    if (!absenceLogged) {
      absenceLogged = true;
      if (abi == RegistryAbi.V3) { // an absent older-ABI registry is the usual case: no news
        log.log(
            Level.INFO,
            "microsandbox registry "
                + file
                + " does not exist (yet): no sandbox"
                + " has run under this MSB_HOME; it will be picked up when it appears");
      }
    }
  }

  private boolean fail(Kind kind, String format, Object... args) {
    return fail(RegistryProblem.of(kind, format, args));
  }

  private boolean fail(RegistryProblem found) {
    problem = found;
    problems.problem(found.message());
    return false;
  }

  /** The mapped file must still hold every slot; reading past its end would fault (SIGBUS). */
  void ensureNotCutShort() throws IOException {
    long size = channel.size();
    if (size < fileSize(capacity)) {
      throw new IOException("the file shrank to " + size + " bytes under the mapping");
    }
  }

  private void detach() {
    if (map != null) {
      map.close();
    }
    map = null;
    closeQuietly(channel);
    channel = null;
    fileKey = null;
    capacity = 0;
  }

  private static void closeQuietly(FileChannel open) {
    try {
      if (open != null) {
        open.close();
      }
    } catch (IOException e) {
      // nothing was written; nothing to lose
    }
  }
}
