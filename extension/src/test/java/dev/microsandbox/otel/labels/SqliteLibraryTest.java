package dev.microsandbox.otel.labels;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SqliteLibraryTest {

  static final String ARCH = "org.sqlite.osinfo.architecture"; // sqlite-jdbc's own override

  @Test
  void thisPlatformsLibraryIsAtHand() {
    assertNull(SqliteLibrary.missing());
  }

  @Test
  void aPlatformWithoutALibraryIsNamedWithWhatIsPackedAndTheWayOut() {
    System.setProperty(ARCH, "sparc64");
    try {
      String why = SqliteLibrary.missing();
      assertTrue(why != null && why.contains("not for this platform (Linux/sparc64)"), why);
      assertTrue(why.contains("Linux/x86_64") && why.contains("Mac/aarch64"), why);
      assertTrue(why.contains("-Dorg.sqlite.lib.path"), why);
      System.setProperty(SqliteLibrary.LIB_PATH, "/opt/sqlite");
      assertNull(SqliteLibrary.missing(), "a library of the operator's own is theirs to vouch for");
    } finally {
      System.clearProperty(ARCH);
      System.clearProperty(SqliteLibrary.LIB_PATH);
    }
  }
}
