package dev.microsandbox.otel.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the registry of one microsandbox home lives, exactly as upstream's {@code resolve_home()}
 * computes it: {@code $MSB_HOME} if set (as is, even empty), else the user's home joined with
 * {@code .microsandbox} the way Rust's {@code Path::join} joins (one separator, never two), the
 * home being {@code $HOME} when set and non-empty, else the passwd entry's; else
 * {@code ./.microsandbox}. The shared-memory name is {@code /msb-met-<fnv1a64(home bytes)>-v3}, a
 * file under {@code /dev/shm} on Linux. The name hashes these bytes, so any difference here means
 * waiting forever for a registry that never appears.
 */
public final class RegistryLocation {

  /** Directory that backs POSIX shared memory on Linux. */
  public static final Path SHM_DIR = Path.of("/dev/shm");

  private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private RegistryLocation() {}

  /** Directory name under the user's home. */
  public static final String HOME_DIR_NAME = ".microsandbox";

  /**
   * The home the runtime uses for the given environment, exactly as upstream resolves it.
   *
   * @param env the process environment ({@code MSB_HOME}, {@code HOME})
   * @param passwdHome the running user's passwd home directory, or null when there is none (on
   *     Linux the JVM's {@code user.home} is read from the passwd entry, not from {@code $HOME})
   */
  public static String resolveHome(Map<String, String> env, String passwdHome) {
    String msbHome = env.get("MSB_HOME");
    if (msbHome != null) {
      return msbHome;
    }
    String home = env.get("HOME");
    if (home == null || home.isEmpty()) {
      home = passwdHome == null || passwdHome.equals("?") ? null : passwdHome;
    }
    return home == null ? "./" + HOME_DIR_NAME : join(home, HOME_DIR_NAME);
  }

  /** Rust's {@code Path::join} for a relative {@code child}: a separator only where none ends {@code base}. */
  static String join(String base, String child) {
    return base.isEmpty() || base.endsWith("/") ? base + child : base + "/" + child;
  }

  /** The POSIX shared-memory object name for {@code home}, leading slash included. */
  public static String shmName(String home) {
    return String.format("/msb-met-%016x-v%d", fnv1a64(home.getBytes(StandardCharsets.UTF_8)),
        RegistryLayout.VERSION);
  }

  /** The file that backs the registry of {@code home} on Linux. */
  public static Path registryFile(String home) {
    return SHM_DIR.resolve(shmName(home).substring(1));
  }

  /** The catalog database of {@code home}. */
  public static Path catalogFile(String home) {
    return Path.of(home, "db", "msb.db");
  }

  /** 64-bit FNV-1a over {@code bytes}. */
  public static long fnv1a64(byte[] bytes) {
    long hash = FNV_OFFSET_BASIS;
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return hash;
  }
}
