package dev.microsandbox.otel.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The version guard of the Java 8 entry points, through its seams: no JDK 8 can be installed here,
 * so the decision and the sentence are tested for the versions an operator may run.
 */
class JavaRuntimeTest {

  @Test
  void featureVersionsAreReadFromBothSpellings() {
    assertEquals(8, JavaRuntime.parse("1.8"));
    assertEquals(11, JavaRuntime.parse("11"));
    assertEquals(25, JavaRuntime.parse("25"));
    assertEquals(0, JavaRuntime.parse("garbage"));
  }

  @Test
  void java8StaysOffWithOneSentenceAndElevenIsEnough() {
    assertFalse(JavaRuntime.supported(8));
    assertTrue(JavaRuntime.supported(11));
    assertTrue(JavaRuntime.supported(17));
    assertEquals(
        "the microsandbox metrics extension needs Java 11 or newer; this JVM is Java 8"
            + " (/usr/lib/jvm/java-8)",
        JavaRuntime.unsupportedMessage(
            "the microsandbox metrics extension", 8, "/usr/lib/jvm/java-8"));
    assertTrue(JavaRuntime.supported(), "the JVM running the tests");
  }

  @Test
  void theLegacyRunIsReallyOnAJdkOlderThan22() {
    if (Boolean.getBoolean("msb.expect.legacy.jdk")) {
      assertTrue(
          JavaRuntime.feature() < 22,
          "the pre-22 unit run is on Java "
              + JavaRuntime.feature()
              + "; run Maven on JDK 17 or pass -Dlegacy.java.home");
    } else {
      assertTrue(JavaRuntime.feature() >= 22, "the main unit run is on the 22+ toolchain JDK");
    }
  }
}
