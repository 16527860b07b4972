package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import dev.microsandbox.otel.registry.RegistryProblem.Kind;
import dev.microsandbox.otel.support.DistinctProblemLog;
import dev.microsandbox.otel.support.LogSink;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Level;

/**
 * The registry file, opened read-only and checked before it is trusted: no symbolic link, no group-
 * or world-writable mode, owned by msb's user (the owner of the home directory), a valid header
 * whose capacity the file holds and this reader accepts. The file's identity, size, permissions and
 * owner are checked again at most once per {@link RegistryReader#RECHECK_INTERVAL_MS} of monotonic
 * time (one {@code stat}): a registry that appears is attached, one that is recreated (new inode or
 * size) is attached anew, one that is gone or refused is let go at once, so nothing refused is ever
 * read. What is wrong is a {@link RegistryProblem}, logged once per distinct problem. {@link
 * RegistryReader} reads the slots of what this attaches; the split follows Aeron's, which maps its
 * CnC file apart from reading counters. Not thread-safe: owned by one reader.
 */
final class RegistryMapping implements AutoCloseable {

  private final Path file;
  private final RegistryAbi abi;
  private final RegistryAccess access;
  private final DistinctProblemLog problems;
  private final LogSink log;
  private final Path home; // msb's home, whose owner msb runs as; null: unknown
  private final String userName = System.getProperty("user.name", "");
  private final String readableAgain;

  private RegistryMemory map;
  private RegistryMemory released; // the last memory let go: lends its buffer to the next

  /** Kept open while mapped: one fstat per pass notices a file cut short before it is read. */
  private RegistryHandle handle;

  private Object fileKey;
  private long fileSizeAtMap;
  private int capacity;
  private long lastCheckMonotonicMs;
  private boolean absenceLogged;
  private RegistryProblem problem; // of the latest attach or failure; null: none

  /**
   * @param home the microsandbox home: a registry not owned by its owner is refused; null, or a
   *     home that does not exist, means this process's user
   */
  RegistryMapping(Path file, Path home, RegistryAbi abi, RegistryAccess access, LogSink log) {
    this.file = file;
    this.home = home;
    this.abi = abi;
    this.access = access;
    this.log = log;
    this.problems = new DistinctProblemLog(log);
    this.readableAgain = "microsandbox registry " + file + " is readable again";
  }

  /**
   * The mapped registry, checked as described above, or null when there is none to read: absent, or
   * broken ({@link #problem()} says how). When it returns one, the file holds every slot (one
   * {@code fstat}, or the full check). A file mapped anew is a new object: its slots are new.
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
      attrs = access.stat(file);
    } catch (NoSuchFileException e) {
      absent();
      return false;
    } catch (AccessDeniedException e) {
      // libc's backend learns a file's attributes by opening it (shared memory has no path on
      // macOS), so a registry this process may not read is refused before its mode is known
      return fail(
          Kind.ACCESS_DENIED,
          "cannot open microsandbox registry %s: permission denied (EACCES); run this process"
              + " as the user that runs msb (its registry is readable by its owner alone)",
          file);
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
    RegistryProblem wrongOwner = wrongOwner(attrs.owner().getName());
    if (wrongOwner != null) {
      return fail(wrongOwner);
    }
    if (map != null && attrs.fileKey().equals(fileKey) && attrs.size() == fileSizeAtMap) {
      return headerReady();
    }
    detach();
    return map(attrs);
  }

  /**
   * Why a registry owned by {@code owner} is refused, or null when msb's user owns it. A squatter
   * can create the file at its predictable name before msb does; msb then cannot own it.
   */
  private RegistryProblem wrongOwner(String owner) {
    String msbUser = userName;
    String why = "this process's user";
    if (home != null) {
      try {
        msbUser = Files.getOwner(home, LinkOption.NOFOLLOW_LINKS).getName();
        why = "the owner of the microsandbox home " + home;
      } catch (IOException | UnsupportedOperationException e) {
        why = "this process's user, since the microsandbox home " + home + " does not exist";
      }
    }
    if (owner.equals(msbUser)) {
      return null;
    }
    return RegistryProblem.of(
        Kind.WRONG_OWNER,
        "refusing microsandbox registry %s: it is owned by '%s', but msb runs as '%s' (%s);"
            + " anyone may create files in %s, so a registry of another owner may be forged."
            + " If msb runs as '%s', run this process with its MSB_HOME (or"
            + " OTEL_MICROSANDBOX_HOME), or as '%s'",
        file,
        owner,
        msbUser,
        why,
        file.getParent(),
        owner,
        owner);
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
    RegistryMemory whole = null;
    RegistryHandle opened = null;
    RegistryProblem invalid;
    try {
      opened = access.open(file);
      whole = opened.map(Math.min(size, fileSize(MAX_CAPACITY)), released);
      whole.refresh(0, HEADER_LEN);
      invalid = validateHeader(whole, size);
    } catch (AccessDeniedException e) {
      return fail(
          Kind.ACCESS_DENIED,
          "cannot open microsandbox registry %s: permission denied" + " (EACCES); %s",
          file,
          accessDeniedCause(attrs));
    } catch (IOException | RuntimeException | Error e) {
      // Error: a fault while the header of a file cut short is read; nothing may leak either way
      invalid =
          RegistryProblem.of(Kind.IO_ERROR, "cannot read microsandbox registry %s: %s", file, e);
    } finally {
      released = null;
    }
    if (invalid != null) {
      release(whole);
      closeQuietly(opened);
      return fail(invalid);
    }
    handle = opened;
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
    if (slots > MAX_CAPACITY) {
      return RegistryProblem.of(
          Kind.CAPACITY_TOO_LARGE,
          "refusing microsandbox registry %s: its header claims %d slots, more than the %d this"
              + " reader accepts (msb's default is %d; its metrics.capacity sets another)",
          file,
          slots,
          MAX_CAPACITY,
          DEFAULT_CAPACITY);
    }
    if (fileSize(slots) > size) {
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

  private boolean headerReady() throws IOException {
    map.refresh(H_STATE, Integer.BYTES);
    int state = map.getIntAcquire(H_STATE);
    if (state == HEADER_READY) {
      return true;
    }
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

  /** Records {@code found} and lets the registry go: nothing refused or broken is read. */
  private boolean fail(RegistryProblem found) {
    detach();
    problem = found;
    problems.problem(found.message());
    return false;
  }

  /**
   * The file must still hold every slot: reading past its end would fault in a mapping (SIGBUS) and
   * come back short for positional reads.
   */
  private void ensureNotCutShort() throws IOException {
    long size = handle.size();
    if (size < fileSize(capacity)) {
      throw new IOException("the file shrank to " + size + " bytes under the mapping");
    }
  }

  private void detach() {
    release(map);
    map = null;
    closeQuietly(handle);
    handle = null;
    fileKey = null;
    capacity = 0;
  }

  private void release(RegistryMemory memory) {
    if (memory != null) {
      memory.close();
      released = memory;
    }
  }

  private static void closeQuietly(RegistryHandle open) {
    if (open != null) {
      open.close();
    }
  }
}
