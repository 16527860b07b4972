package dev.microsandbox.otel.registry;

import dev.microsandbox.otel.support.Libc;
import dev.microsandbox.otel.support.PosixPlatform;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry reached by libc's own calls through FFM ({@link RegistryAccess#NATIVE}): {@code
 * shm_open("/NAME", O_RDONLY)} for a registry in the shared-memory namespace ({@code
 * /dev/shm/NAME}: on macOS the only way to it, since POSIX shared memory has no path there; on
 * Linux glibc's {@code shm_open} opens that very file), {@code open(path, O_RDONLY | O_NOFOLLOW |
 * O_CLOEXEC)} for any other file, then {@code fstat} for the checks and the size of every pass, and
 * a read-only shared {@code mmap} whose segment is unmapped ({@code munmap}) when its arena closes.
 * The platform's flags and {@code struct stat} offsets come from {@link PosixPlatform}.
 *
 * <p>Its attributes are those {@code fstat} gives: type, permission bits, owner (named through
 * {@code getpwuid_r}, cached), size, and (device, inode) as the file key. Compiled for Java 22;
 * {@link RegistryAccess} loads it by name only there. The calls are restricted methods: Java 24+
 * warns once unless native access is enabled.
 */
final class NativeRegistryFile implements RegistryHandle {

  private static final PosixPlatform PLATFORM = PosixPlatform.current();
  private static final Path SHM_DIRECTORY = Path.of("/dev/shm");
  private static final MethodHandle SHM_OPEN =
      Libc.function("shm_open", Libc.OPEN_DESCRIPTOR, Libc.CAPTURE_ERRNO);
  private static final MethodHandle FSTAT =
      Libc.function(
          PLATFORM.fstatSymbol,
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
          Libc.CAPTURE_ERRNO);
  private static final MethodHandle MMAP =
      Libc.function(
          "mmap",
          FunctionDescriptor.of(
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG),
          Libc.CAPTURE_ERRNO);
  private static final MethodHandle MUNMAP =
      Libc.function(
          "munmap",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
  private static final MethodHandle CLOSE =
      Libc.function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle GETPWUID_R =
      Libc.function(
          "getpwuid_r",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS));

  /** {@code struct passwd} is under 128 bytes on every platform here; pw_name comes first. */
  private static final int PASSWD_BYTES = 128;

  private static final int PASSWD_STRINGS = 16 << 10;
  private static final Map<Integer, String> USER_NAMES = new ConcurrentHashMap<>();

  private final Path file;
  private final int fd;
  private final Arena arena; // the stat buffer and errno of this descriptor's fstat calls
  private final MemorySegment stat;
  private final MemorySegment errno;
  private boolean closed;

  private NativeRegistryFile(Path file, int fd) {
    this.file = file;
    this.fd = fd;
    this.arena = Arena.ofShared();
    this.stat = arena.allocate(PLATFORM.statSize, 8);
    this.errno = Libc.errnoHolder(arena);
  }

  /** The attributes of {@code file}: opened, {@code fstat}ed and closed again. */
  static PosixFileAttributes stat(Path file) throws IOException {
    try (NativeRegistryFile opened = openFile(file)) {
      return opened.attributes();
    } catch (LinkRefused e) {
      return Attributes.SYMBOLIC_LINK; // O_NOFOLLOW refused a link: that is all there is to say
    }
  }

  /** {@code file} opened read-only, as the class comment says. */
  static RegistryHandle open(Path file) throws IOException {
    return openFile(file);
  }

  private static NativeRegistryFile openFile(Path file) throws IOException {
    String shmName = shmName(file);
    try (Arena call = Arena.ofConfined()) {
      MemorySegment error = Libc.errnoHolder(call);
      int fd =
          shmName != null
              ? (int)
                  SHM_OPEN.invokeExact(error, call.allocateFrom(shmName), PLATFORM.shmOpenFlags())
              : (int)
                  Libc.OPEN.invokeExact(
                      error,
                      call.allocateFrom(file.toString()),
                      PosixPlatform.O_RDONLY
                          | PLATFORM.oNofollow
                          | PLATFORM.oCloexec
                          | PLATFORM.oNonblock);
      if (fd < 0) {
        throw failure(shmName != null ? "shm_open " + shmName : "open", file, Libc.errno(error));
      }
      return new NativeRegistryFile(file, fd);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("calling libc failed: " + e, e);
    }
  }

  /** {@code "/NAME"} for {@code /dev/shm/NAME}, the shared-memory namespace; else null. */
  static String shmName(Path file) {
    Path parent = file.getParent();
    return parent != null && parent.equals(SHM_DIRECTORY) ? "/" + file.getFileName() : null;
  }

  @Override
  public long size() throws IOException {
    fstat();
    return stat.get(ValueLayout.JAVA_LONG, PLATFORM.stSizeOffset);
  }

  @Override
  public RegistryMemory map(long size, RegistryMemory previous) throws IOException {
    MemorySegment address;
    try {
      address =
          (MemorySegment)
              MMAP.invokeExact(
                  errno,
                  MemorySegment.NULL,
                  size,
                  PosixPlatform.PROT_READ,
                  PosixPlatform.MAP_SHARED,
                  fd,
                  0L);
    } catch (Throwable e) {
      throw new IOException("calling mmap failed: " + e, e);
    }
    if (address.address() == -1L) { // MAP_FAILED
      throw failure("mmap", file, Libc.errno(errno));
    }
    Arena mapping = Arena.ofShared();
    return new SegmentRegistryMemory(
        mapping, address.reinterpret(size, mapping, segment -> unmap(segment, size)));
  }

  private static void unmap(MemorySegment segment, long size) {
    try {
      int ignored = (int) MUNMAP.invokeExact(segment, size);
    } catch (Throwable e) {
      // an unmap that fails leaves the pages mapped: nothing else to do, nothing to corrupt
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      // the descriptor is lost either way; it was read-only
    }
    arena.close();
  }

  private void fstat() throws IOException {
    int result;
    try {
      result = (int) FSTAT.invokeExact(errno, fd, stat);
    } catch (Throwable e) {
      throw new IOException("calling fstat failed: " + e, e);
    }
    if (result < 0) {
      throw failure("fstat", file, Libc.errno(errno));
    }
  }

  private PosixFileAttributes attributes() throws IOException {
    fstat();
    int mode =
        PLATFORM.stModeSize == 2
            ? Short.toUnsignedInt(stat.get(ValueLayout.JAVA_SHORT, PLATFORM.stModeOffset))
            : stat.get(ValueLayout.JAVA_INT, PLATFORM.stModeOffset);
    long device =
        PLATFORM.stDevSize == 4
            ? stat.get(ValueLayout.JAVA_INT, PosixPlatform.ST_DEV_OFFSET)
            : stat.get(ValueLayout.JAVA_LONG, PosixPlatform.ST_DEV_OFFSET);
    int uid = stat.get(ValueLayout.JAVA_INT, PLATFORM.stUidOffset);
    return new Attributes(
        mode,
        userName(uid),
        stat.get(ValueLayout.JAVA_LONG, PLATFORM.stSizeOffset),
        List.of(device, stat.get(ValueLayout.JAVA_LONG, PLATFORM.stInoOffset)));
  }

  /** The name of user {@code uid} ({@code getpwuid_r}), or {@code "uid N"} when it has none. */
  static String userName(int uid) {
    return USER_NAMES.computeIfAbsent(uid, NativeRegistryFile::lookUpUserName);
  }

  private static String lookUpUserName(int uid) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment passwd = call.allocate(PASSWD_BYTES, 8);
      MemorySegment strings = call.allocate(PASSWD_STRINGS);
      MemorySegment result = call.allocate(ValueLayout.ADDRESS);
      int error = (int) GETPWUID_R.invokeExact(uid, passwd, strings, (long) PASSWD_STRINGS, result);
      if (error == 0 && !result.get(ValueLayout.ADDRESS, 0).equals(MemorySegment.NULL)) {
        return passwd
            .get(ValueLayout.ADDRESS, 0)
            .reinterpret(PASSWD_STRINGS)
            .getString(0, StandardCharsets.UTF_8);
      }
    } catch (Throwable e) {
      // no name to be had: the number will do
    }
    return "uid " + Integer.toUnsignedString(uid);
  }

  /**
   * The exception {@code Files} would throw for {@code errno} from {@code call} on {@code file}.
   */
  private static IOException failure(String call, Path file, int errno) {
    if (errno == PLATFORM.eloop) {
      return new LinkRefused(file);
    }
    if (errno == PosixPlatform.ENOENT) {
      return new NoSuchFileException(file.toString());
    }
    if (errno == PosixPlatform.EACCES) {
      return new AccessDeniedException(file.toString(), null, call + ": permission denied");
    }
    return new FileSystemException(file.toString(), null, call + " failed: errno " + errno);
  }

  /** {@code open} with {@code O_NOFOLLOW} met a symbolic link ({@code ELOOP}). */
  private static final class LinkRefused extends FileSystemException {
    private static final long serialVersionUID = 1L;

    LinkRefused(Path file) {
      super(file.toString(), null, "a symbolic link");
    }
  }

  /** What {@code fstat} says of the registry, as {@code Files} would say it. */
  private static final class Attributes implements PosixFileAttributes {

    /** A link that {@code O_NOFOLLOW} refused to open. */
    static final Attributes SYMBOLIC_LINK =
        new Attributes(PosixPlatform.S_IFLNK | 0777, "", 0, List.of());

    private static final PosixFilePermission[] BITS = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };

    private final int mode;
    private final String owner;
    private final long size;
    private final Object fileKey;

    Attributes(int mode, String owner, long size, Object fileKey) {
      this.mode = mode;
      this.owner = owner;
      this.size = size;
      this.fileKey = fileKey;
    }

    @Override
    public UserPrincipal owner() {
      return () -> owner;
    }

    @Override
    public GroupPrincipal group() {
      throw new UnsupportedOperationException("the registry's group is never checked");
    }

    @Override
    public Set<PosixFilePermission> permissions() {
      Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
      for (int bit = 0; bit < BITS.length; bit++) {
        if ((mode & (1 << bit)) != 0) {
          permissions.add(BITS[bit]);
        }
      }
      return permissions;
    }

    @Override
    public FileTime lastModifiedTime() {
      return FileTime.fromMillis(0); // not read: no registry check depends on times
    }

    @Override
    public FileTime lastAccessTime() {
      return lastModifiedTime();
    }

    @Override
    public FileTime creationTime() {
      return lastModifiedTime();
    }

    @Override
    public boolean isRegularFile() {
      return (mode & PosixPlatform.S_IFMT) == PosixPlatform.S_IFREG;
    }

    @Override
    public boolean isDirectory() {
      return (mode & PosixPlatform.S_IFMT) == PosixPlatform.S_IFDIR;
    }

    @Override
    public boolean isSymbolicLink() {
      return (mode & PosixPlatform.S_IFMT) == PosixPlatform.S_IFLNK;
    }

    @Override
    public boolean isOther() {
      return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public Object fileKey() {
      return fileKey;
    }
  }
}
