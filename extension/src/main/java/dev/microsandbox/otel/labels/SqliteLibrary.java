package dev.microsandbox.otel.labels;

import java.util.List;
import org.sqlite.util.OSInfo;

/**
 * Whether SQLite's JNI library for the running platform is at hand. The jar packs it for the
 * platforms the docs support only ({@link #PACKED}); elsewhere the catalog cannot open, and this
 * says so in one line before SQLite's loader tries (and logs a stack trace of its own).
 */
public final class SqliteLibrary {

  /** The platforms the jar carries the library for, as sqlite-jdbc names their folders. */
  public static final List<String> PACKED =
      List.of(
          "Linux/x86_64",
          "Linux/aarch64",
          "Linux-Musl/x86_64",
          "Linux-Musl/aarch64",
          "Mac/x86_64",
          "Mac/aarch64");

  /** sqlite-jdbc's setting for a library of the operator's own, outside the jar. */
  static final String LIB_PATH = "org.sqlite.lib.path";

  private SqliteLibrary() {}

  /**
   * Null when the library for this platform is packed (or the operator names one with {@value
   * #LIB_PATH}); else why the catalog cannot be used here, and what to do.
   */
  static String missing() {
    if (System.getProperty(LIB_PATH) != null) {
      return null;
    }
    String platform = OSInfo.getNativeLibFolderPathForCurrentOS();
    String name = System.mapLibraryName("sqlitejdbc").replace(".jnilib", ".dylib");
    if (OSInfo.class.getResource("/org/sqlite/native/" + platform + "/" + name) != null) {
      return null;
    }
    return "SQLite's library is packed for "
        + String.join(", ", PACKED)
        + ", not for this platform ("
        + platform
        + "); set -D"
        + LIB_PATH
        + " to a directory holding a libsqlitejdbc built for it, or turn labels off"
        + " (OTEL_MICROSANDBOX_LABELS_ENABLED=false)";
  }
}
