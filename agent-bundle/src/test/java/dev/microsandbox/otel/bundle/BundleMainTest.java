package dev.microsandbox.otel.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bundle and the extension name each other's classes as strings (the bundle loads the extension
 * from nested jars; the extension recognises the bundle's sidecar command line), so no compiler
 * checks those names: this does, against the extension on the test class path.
 */
class BundleMainTest {

  @Test
  void theClassesTheBundleLoadsByNameExistWithTheMethodsItCalls() throws Exception {
    Method run =
        Class.forName(BundleMain.CLI)
            .getMethod("run", String[].class, PrintStream.class, PrintStream.class, Map.class);
    assertTrue(Modifier.isStatic(run.getModifiers()));
    assertEquals(int.class, run.getReturnType());
    Method start = Class.forName(BundleMain.STANDALONE_SIDECAR).getMethod("start");
    assertTrue(Modifier.isStatic(start.getModifiers()));
    assertEquals(String.class, start.getReturnType(), "start returns the extension's state");
    assertEquals(
        BundleMain.SNAPSHOT_FAILED,
        Class.forName(BundleMain.CLI).getField("FAILED").getInt(null),
        "one status for a snapshot command that failed, whichever jar runs it");
  }

  @Test
  void theLogSettingsTheBundleNamesAreTheLeanSidecars() throws Exception {
    Class<?> log = Class.forName("dev.microsandbox.otel.sidecar.SidecarLog");
    assertEquals(
        List.of(log.getField("LEVEL").get(null), log.getField("FORMAT").get(null)),
        List.of(BundleMain.LOG_SETTINGS));
  }

  @Test
  void theExtensionKnowsTheBundlesMainClassByItsName() throws Exception {
    Field main =
        Class.forName("dev.microsandbox.otel.metrics.settings.RunMode")
            .getDeclaredField("BUNDLE_MAIN");
    main.setAccessible(true);
    assertEquals(BundleMain.class.getName(), main.get(null));
  }
}
