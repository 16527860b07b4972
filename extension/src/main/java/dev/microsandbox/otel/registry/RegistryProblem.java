package dev.microsandbox.otel.registry;

/**
 * Why the registry could not be read this time. Each kind is a distinct, operator-facing problem;
 * the message says what was found and, where it helps, what to do.
 */
public final class RegistryProblem {

  private final Kind kind;
  private final String message;

  /**
   * @param kind what went wrong
   * @param message one line naming the file and what was found
   */
  public RegistryProblem(Kind kind, String message) {
    this.kind = kind;
    this.message = message;
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }

  /** One line naming the file and what was found. */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }

  /** The distinct problems a registry can have. */
  public enum Kind {
    /** A path exists but is not a regular file. */
    NOT_A_FILE,
    /** The file exists but cannot be opened (EACCES: another user owns it). */
    ACCESS_DENIED,
    /** Group or others may write the file, so anyone could forge metrics. */
    INSECURE_PERMISSIONS,
    /** Owned by another user than msb's: anyone may create files in /dev/shm. */
    WRONG_OWNER,
    /** Shorter than the header. */
    TOO_SMALL,
    /** Not a microsandbox metrics registry. */
    BAD_MAGIC,
    /** A registry of another format version. */
    UNSUPPORTED_VERSION,
    /** Header or slot length differ from the v3 layout. */
    BAD_GEOMETRY,
    /** Header still uninitialized or initializing. */
    NOT_READY,
    /** Header state is none of the known ones. */
    BAD_HEADER_STATE,
    /** The header claims more slots than the file holds. */
    CAPACITY_EXCEEDS_FILE,
    /** The header claims more slots than this reader accepts. */
    CAPACITY_TOO_LARGE,
    /** The file shrank under the mapping or another I/O failure. */
    IO_ERROR;

    /**
     * Whether the registry is there but this process may not, or must not, read it: that lasts
     * until someone changes the file or this process's user, unlike a registry not created yet or
     * caught mid-write. A sidecar that meets one stops rather than idles.
     */
    public boolean refusesThisProcess() {
      return this == ACCESS_DENIED || this == WRONG_OWNER || this == INSECURE_PERMISSIONS;
    }
  }

  /** Convenience factory. */
  static RegistryProblem of(Kind kind, String format, Object... args) {
    return new RegistryProblem(kind, String.format(format, args));
  }
}
