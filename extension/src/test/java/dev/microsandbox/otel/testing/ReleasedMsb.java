package dev.microsandbox.otel.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The released microsandbox CLI, {@code msb}, as {@code examples/bin/fetch-msb} leaves it (the
 * build passes its path as {@code msb.cli}); run against one home. A test that needs it is skipped,
 * with the reason, where it was never fetched, except in CI, which must have it.
 */
public final class ReleasedMsb {

  private final Path binary;
  private final Path home;

  private ReleasedMsb(Path binary, Path home) {
    this.binary = binary;
    this.home = home;
  }

  /** The released msb for {@code home}; the calling test is skipped where it is absent. */
  public static ReleasedMsb forHome(Path home) {
    Path binary = Path.of(System.getProperty("msb.cli", "msb-not-fetched"));
    boolean there = Files.isExecutable(binary);
    assumeTrue(
        there || System.getenv("CI") != null,
        "the released msb is not at "
            + binary
            + ": run examples/bin/fetch-msb (.ci/run does) to hold the tests to it");
    assertTrue(there, "CI must have the released msb at " + binary + " (examples/bin/fetch-msb)");
    return new ReleasedMsb(binary, home);
  }

  /** What a command printed, and how it ended. */
  public static final class Result {
    /** The exit status. */
    public final int status;

    /** Standard output. */
    public final String out;

    /** Standard error. */
    public final String err;

    Result(int status, String out, String err) {
      this.status = status;
      this.out = out;
      this.err = err;
    }
  }

  /** Runs {@code msb args...} with MSB_HOME set to this home; at most two minutes. */
  public Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("msb-out", ".txt");
    Path err = Files.createTempFile("msb-err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("MSB_HOME", home.toString());
    builder.environment().put("NO_COLOR", "1");
    Process process = builder.start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      Files.delete(out);
      Files.delete(err);
      throw new AssertionError("msb " + String.join(" ", args) + " did not end within 2 min");
    }
    try {
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }
}
