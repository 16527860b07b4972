package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The end-to-end suite runs twice, and the second run must really be on a JDK older than 22 (the
 * mapped-buffer reader production 11–21 JVMs use): a missing or wrong JDK fails here, it is never a
 * silent skip.
 */
class JdkUnderTestIT {

  @Test
  void forkedJvmsRunOnTheJdkThisRunIsFor() {
    int feature = E2e.feature(E2e.JAVA_HOME);
    if (E2e.EXPECT_LEGACY_JDK) {
      assertTrue(
          feature >= 11 && feature < 22,
          "the pre-22 end-to-end run needs a JDK 11..21, but "
              + E2e.JAVA_HOME
              + " is Java "
              + feature
              + ": install openjdk-17-jdk-headless and run Maven"
              + " on it, or pass -Dlegacy.java.home=/path/to/jdk17");
    } else {
      assertTrue(feature >= 22, E2e.JAVA_HOME + " is Java " + feature + "; expected the 22+ JDK");
    }
    System.out.println("end-to-end JVMs run on Java " + feature + " at " + E2e.JAVA_HOME);
  }
}
