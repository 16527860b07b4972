package dev.microsandbox.otel.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the registry of one microsandbox home lives: {@code $MSB_HOME} (as is), else
 * {@code $HOME/.microsandbox}, else {@code ./.microsandbox}; the shared-memory name is
 * {@code /msb-met-<fnv1a64(home bytes)>-v3}, a file under {@code /dev/shm} on Linux.
 */
public final class RegistryLocation {

  /** Directory that backs POSIX shared memory on Linux. */
  public static final Path SHM_DIR = Path.of("/dev/shm");

  private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private RegistryLocation() {}

  /** The home the runtime uses for the given environment, exactly as upstream resolves it. */
  public static String resolveHome(Map<String, String> env) {
    String msbHome = env.get("MSB_HOME");
    if (msbHome != null && !msbHome.isEmpty()) {
      return msbHome;
    }
    String home = env.get("HOME");
    if (home != null && !home.isEmpty()) {
      return home + "/.microsandbox";
    }
    return "./.microsandbox";
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
