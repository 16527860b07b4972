package dev.microsandbox.otel.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the registry of one microsandbox home lives, exactly as upstream's {@code resolve_home()}
 * computes it: {@code $MSB_HOME} if set (as is, even empty), else the user's home joined with
 * {@code .microsandbox} the way Rust's {@code Path::join} joins (one separator, never two), the
 * home being {@code $HOME} when set and non-empty, else the passwd entry's; else {@code
 * ./.microsandbox}. The shared-memory name is {@code /msb-met-<fnv1a64(home bytes)>-v3}, a file
 * under {@code /dev/shm} on Linux. The name hashes these bytes, so any difference here means
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

  /**
   * Rust's {@code Path::join} for a relative {@code child}: a separator only where none ends {@code
   * base}.
   */
  static String join(String base, String child) {
    return base.isEmpty() || base.endsWith("/") ? base + child : base + "/" + child;
  }

  /** The POSIX shared-memory object name for {@code home}, leading slash included. */
  public static String shmName(String home) {
    return shmName(home, RegistryAbi.V3);
  }

  /** The shared-memory object name of {@code home}'s registry of {@code abi}. */
  public static String shmName(String home, RegistryAbi abi) {
    return String.format(
        "/msb-met-%016x-v%d", fnv1a64(home.getBytes(StandardCharsets.UTF_8)), abi.version());
  }

  /** The file that backs the registry of {@code home} on Linux. */
  public static Path registryFile(String home) {
    return registryFile(home, RegistryAbi.V3);
  }

  /** The file that backs {@code home}'s registry of {@code abi} (older runtimes write v2). */
  public static Path registryFile(String home, RegistryAbi abi) {
    return SHM_DIR.resolve(shmName(home, abi).substring(1));
  }

  /** The ABI a registry file's name says: {@code -v2} for the older runtimes', else v3. */
  public static RegistryAbi abiOf(Path registry) {
    return registry.getFileName().toString().endsWith("-v" + RegistryAbi.V2.version())
        ? RegistryAbi.V2
        : RegistryAbi.V3;
  }

  /**
   * The diagnostic file newer runtimes write under {@code <home>/run/metrics/}, recording the
   * registry name they derived (and its capacity).
   */
  public static Path nameFile(String home, RegistryAbi abi) {
    return Path.of(
        home.isEmpty() ? "." : home, "run", "metrics", "registry-v" + abi.version() + ".name");
  }

  private static final Pattern REGISTRY_NAME = Pattern.compile("msb-met-[0-9a-f]{16}-v\\d+");

  /**
   * The registry of {@code abi} to read for {@code home}: the one derived here, unless the
   * runtime's name file records another, whose registry is then read and {@link Choice#note} says
   * why. Upstream's source describes the file only as recording the name and capacity, so the name
   * is taken as the first {@code msb-met-<16 hex>-v<n>} in it; a file without one is ignored.
   */
  public static Choice choose(String home, RegistryAbi abi) {
    Path derived = registryFile(home, abi);
    Path file = nameFile(home, abi);
    String recorded;
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 4096) {
        return new Choice(derived, null);
      }
      Matcher m = REGISTRY_NAME.matcher(Files.readString(file, StandardCharsets.UTF_8));
      if (!m.find()) {
        return new Choice(derived, null);
      }
      recorded = m.group();
    } catch (IOException | RuntimeException e) {
      return new Choice(derived, null);
    }
    if (recorded.equals(derived.getFileName().toString())) {
      return new Choice(derived, null);
    }
    return new Choice(
        SHM_DIR.resolve(recorded),
        "the runtime recorded its registry as /"
            + recorded
            + " in "
            + file
            + ", but the home '"
            + home
            + "' gives /"
            + derived.getFileName()
            + ": this process spells MSB_HOME differently from the runtime (a"
            + " relative path, a trailing slash, a symbolic link?). Reading the runtime's "
            + SHM_DIR
            + "/"
            + recorded
            + "; set MSB_HOME exactly as msb has it to silence this");
  }

  /** A registry to read, and why it is not the derived one (null when it is). */
  public static final class Choice {
    /** The registry file to read. */
    public final Path path;

    /** One line for the log when the runtime's name file overrode the derived name; else null. */
    public final String note;

    Choice(Path path, String note) {
      this.path = path;
      this.note = note;
    }
  }

  /** A hint about a home spelt with a trailing slash (a different registry), or null. */
  public static String trailingSlashHint(String home) {
    return home.length() > 1 && home.endsWith("/")
        ? "Note the trailing slash: msb hashes the"
            + " home exactly as given, so '"
            + home
            + "' and '"
            + home.substring(0, home.length() - 1)
            + "' are different registries"
        : null;
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
