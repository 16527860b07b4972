package dev.microsandbox.otel.support;

import java.util.Locale;

/**
 * The C library facts the FFM code calls libc with, one row per platform: flag values, errno
 * numbers, where {@code struct stat} keeps the fields read, and the symbol names. Everything else
 * about libc (function signatures, {@code PROT_READ = 1}, {@code MAP_SHARED = 1}, {@code O_RDONLY =
 * 0}, the {@code S_IF*} file types) is the same on all four.
 *
 * <p>Checked against a second source: Rust's {@code libc} crate 0.2.139 (Debian's {@code
 * librust-libc-dev}: {@code src/unix/bsd/apple/mod.rs}, {@code
 * src/unix/linux_like/linux/gnu/b64/{x86_64,aarch64}/mod.rs}, {@code src/unix/mod.rs}), by {@code
 * PosixPlatformTest}, which reads those files, computes the {@code struct stat} offsets from the
 * crate's field lists and type aliases, and compares every constant here.
 *
 * <pre>
 *                        Linux x86_64   Linux aarch64   macOS arm64 / x86_64
 *   O_NOFOLLOW           0x20000        0x8000          0x100
 *   O_CLOEXEC            0x80000        0x80000         0x1000000
 *   O_NONBLOCK           0x800          0x800           0x4
 *   ELOOP                40             40              62
 *   sizeof(struct stat)  144            128             144
 *   st_dev               0 (u64)        0 (u64)         0 (i32)
 *   st_ino               8              8               8
 *   st_mode              24 (u32)       16 (u32)        4 (u16)
 *   st_uid               28             24              16
 *   st_size              48             48              96
 *   fstat symbol         fstat          fstat           fstat / fstat$INODE64 (x86_64: the
 *                                                       64-bit-inode struct above)
 *   POSIX shm reached    /dev/shm/NAME  /dev/shm/NAME   shm_open("/NAME") only: no path
 *   shm_open flags       O_RDONLY | O_NONBLOCK          O_RDONLY
 * </pre>
 *
 * <p>{@code O_NONBLOCK} keeps a FIFO planted at the registry's name from blocking the open (glibc's
 * {@code shm_open} passes its flags to {@code open}); macOS's shared-memory namespace holds no
 * FIFOs, and its {@code shm_open} is given only the flags it documents.
 */
public enum PosixPlatform {
  /** glibc on x86_64 (glibc 2.33+ exports {@code fstat}). */
  LINUX_X86_64(0x20000, 0x80000, 0x800, 40, 144, 8, 8, 24, 4, 28, 48, "fstat", true),
  /** glibc on aarch64 (the generic syscall ABI's {@code struct stat}). */
  LINUX_AARCH64(0x8000, 0x80000, 0x800, 40, 128, 8, 8, 16, 4, 24, 48, "fstat", true),
  /** macOS on Apple silicon. */
  MACOS_AARCH64(0x100, 0x1000000, 0x4, 62, 144, 4, 8, 4, 2, 16, 96, "fstat", false),
  /** macOS on Intel: the plain {@code fstat} symbol is the old 32-bit-inode layout. */
  MACOS_X86_64(0x100, 0x1000000, 0x4, 62, 144, 4, 8, 4, 2, 16, 96, "fstat$INODE64", false);

  /** Open read-only. */
  public static final int O_RDONLY = 0;

  /** Mask of the file type in {@code st_mode}, and the two types the registry checks. */
  public static final int S_IFMT = 0170000;

  public static final int S_IFREG = 0100000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFLNK = 0120000;

  /** {@code mmap} protection and flags: read-only, shared with the writer. */
  public static final int PROT_READ = 1;

  public static final int MAP_SHARED = 1;

  /** The flags {@code shm_open} is called with to open a registry read-only. */
  public int shmOpenFlags() {
    return shmHasPath ? O_RDONLY | oNonblock : O_RDONLY;
  }

  /** Offset of {@code st_dev}: the first field on every platform here. */
  public static final int ST_DEV_OFFSET = 0;

  /** errno values every platform here shares. */
  public static final int ENOENT = 2;

  public static final int EACCES = 13;

  /** Do not follow a symbolic link in the last component ({@code open}). */
  public final int oNofollow;

  /** Close on exec. */
  public final int oCloexec;

  /** Do not wait (for a FIFO's writer, say) in {@code open}. */
  public final int oNonblock;

  /** errno of {@code open} with {@code O_NOFOLLOW} on a link. */
  public final int eloop;

  /** {@code sizeof(struct stat)}. */
  public final int statSize;

  /** Size in bytes of {@code st_dev}. */
  public final int stDevSize;

  /** Offset of {@code st_ino} (u64). */
  public final int stInoOffset;

  /** Offset of {@code st_mode}. */
  public final int stModeOffset;

  /** Size in bytes of {@code st_mode}. */
  public final int stModeSize;

  /** Offset of {@code st_uid} (u32). */
  public final int stUidOffset;

  /** Offset of {@code st_size} (i64). */
  public final int stSizeOffset;

  /** The symbol of {@code fstat} for the layout above. */
  public final String fstatSymbol;

  /**
   * Whether POSIX shared memory is also reachable as files under {@code /dev/shm}, as on Linux
   * (glibc's {@code shm_open} is {@code open} there); on macOS only {@code shm_open} reaches it.
   */
  public final boolean shmHasPath;

  PosixPlatform(
      int oNofollow,
      int oCloexec,
      int oNonblock,
      int eloop,
      int statSize,
      int stDevSize,
      int stInoOffset,
      int stModeOffset,
      int stModeSize,
      int stUidOffset,
      int stSizeOffset,
      String fstatSymbol,
      boolean shmHasPath) {
    this.oNofollow = oNofollow;
    this.oCloexec = oCloexec;
    this.oNonblock = oNonblock;
    this.eloop = eloop;
    this.statSize = statSize;
    this.stDevSize = stDevSize;
    this.stInoOffset = stInoOffset;
    this.stModeOffset = stModeOffset;
    this.stModeSize = stModeSize;
    this.stUidOffset = stUidOffset;
    this.stSizeOffset = stSizeOffset;
    this.fstatSymbol = fstatSymbol;
    this.shmHasPath = shmHasPath;
  }

  private static final PosixPlatform CURRENT =
      of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));

  /** The platform this JVM runs on, or null when it is none of the four. */
  public static PosixPlatform current() {
    return CURRENT;
  }

  /** The platform of {@code os.name} and {@code os.arch} system property values, or null. */
  public static PosixPlatform of(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    boolean arm = osArch.equals("aarch64") || osArch.equals("arm64");
    boolean intel = osArch.equals("amd64") || osArch.equals("x86_64");
    if (os.startsWith("linux")) {
      return intel ? LINUX_X86_64 : arm ? LINUX_AARCH64 : null;
    }
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return intel ? MACOS_X86_64 : arm ? MACOS_AARCH64 : null;
    }
    return null;
  }

  /** Whether this JVM runs on macOS (any architecture), where shared memory has no path. */
  public static boolean isMacOs() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("mac");
  }
}
