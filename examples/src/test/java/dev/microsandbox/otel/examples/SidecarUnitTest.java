package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped unit's restart policy, read as systemd reads it: a sidecar that exits again and again
 * (the wrong user, a squatted registry) is restarted for as long as it takes, never left failed.
 */
class SidecarUnitTest {

  static final Path UNIT =
      Path.of(System.getProperty("msb.examples.dir", "."))
          .resolve("sidecar/msb-otel-sidecar.service");

  /** systemd's defaults where the unit sets nothing. */
  static final Duration DEFAULT_RESTART = Duration.ofMillis(100);

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  static final int DEFAULT_BURST = 5;

  /** A systemd time span as the unit writes it: {@code 5s}, {@code 2min}, {@code 0}. */
  static Duration span(String text) {
    String t = text.trim();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("min")) {
      return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 3)));
    }
    if (t.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
    }
    return Duration.ofSeconds(Long.parseLong(t));
  }

  @Test
  void aRestartLoopNeverReachesTheStartLimit() throws Exception {
    Map<String, String> keys = new HashMap<>();
    List<String> lines = Files.readAllLines(UNIT);
    for (String line : lines) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        keys.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertTrue(keys.getOrDefault("Restart", "no").equals("on-failure"), keys.toString());
    Duration restart =
        keys.containsKey("RestartSec") ? span(keys.get("RestartSec")) : DEFAULT_RESTART;
    Duration interval =
        keys.containsKey("StartLimitIntervalSec")
            ? span(keys.get("StartLimitIntervalSec"))
            : DEFAULT_INTERVAL;
    int burst =
        keys.containsKey("StartLimitBurst")
            ? Integer.parseInt(keys.get("StartLimitBurst").trim())
            : DEFAULT_BURST;
    // A start takes at least the restart delay; systemd gives up once more than `burst` starts
    // fall within `interval` (an interval of 0 turns the limit off).
    long startsPerInterval = interval.isZero() ? 0 : interval.toMillis() / restart.toMillis() + 1;
    assertTrue(
        interval.isZero() || startsPerInterval <= burst,
        "restart every " + restart + ", limit " + burst + " in " + interval + ": systemd gives up");
    assertTrue(
        restart.compareTo(Duration.ofSeconds(1)) >= 0,
        "a delay of " + restart + " hammers a cause that lasts: at least a second");
  }
}
