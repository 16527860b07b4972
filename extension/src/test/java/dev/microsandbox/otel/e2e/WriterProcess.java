package dev.microsandbox.otel.e2e;

import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A sandbox runtime in a process of its own, for the lifecycle tests: joins a registry, starts
 * sandboxes owned by its own pid, and samples them every 200 ms (or every {@value #PERIOD_PROPERTY}
 * ms), printing each sample before it publishes it ({@code sample id run started sampled vcpuNs
 * memory read written rx tx}), so that whatever a reader saw last is among its printed lines even
 * if it is killed. At the end of its stdin it frees its slots, as a sandbox that exits does, and
 * says {@code released}.
 *
 * <p>Arguments: registry file, run id, then sandbox ids.
 */
public final class WriterProcess {

  /** The sampling period in ms, when not 200 ms (msb's own is about a second). */
  public static final String PERIOD_PROPERTY = "msb.writer.period.ms";

  private WriterProcess() {}

  /** The command that runs one, with the classes of this test run. */
  public static List<String> command(Path registry, int runId, int... sandboxIds) {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                "-cp",
                // the writer (a test class) and the layout it writes (the extension's)
                AgentJvm.codeSource(RegistryLayout.class)
                    + java.io.File.pathSeparator
                    + AgentJvm.codeSource(WriterProcess.class),
                WriterProcess.class.getName(),
                registry.toString(),
                Integer.toString(runId)));
    for (int id : sandboxIds) {
      command.add(Integer.toString(id));
    }
    return command;
  }

  /** Runs until the end of stdin. */
  public static void main(String[] args) throws IOException, InterruptedException {
    int runId = Integer.parseInt(args[1]);
    int pid = (int) ProcessHandle.current().pid();
    long started = System.currentTimeMillis();
    int count = args.length - 2;
    int[] ids = new int[count];
    int[] slots = new int[count];
    Thread stdin =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // until the end
                }
              } catch (IOException e) {
                // the end as well
              }
            });
    stdin.setDaemon(true);
    stdin.start();
    try (RegistryWriter writer = RegistryWriter.openOrCreate(Path.of(args[0]), 64)) {
      for (int i = 0; i < count; i++) {
        ids[i] = Integer.parseInt(args[i + 2]);
        slots[i] = writer.start(printed(sample(ids[i], runId, pid, started, 0)), runId, pid);
      }
      for (int tick = 1; stdin.isAlive(); tick++) {
        for (int i = 0; i < count; i++) {
          writer.publish(slots[i], printed(sample(ids[i], runId, pid, started, tick)));
        }
        Thread.sleep(Long.getLong(PERIOD_PROPERTY, 200));
      }
      for (int slot : slots) {
        writer.release(slot, false);
      }
    }
    System.out.println("released");
  }

  /** Prints {@code s} before it is published: a reader may see the first sample and no other. */
  private static SandboxSample printed(SandboxSample s) {
    System.out.println(
        "sample "
            + s.sandboxId()
            + " "
            + s.runId()
            + " "
            + s.startedAtMs()
            + " "
            + s.sampledAtMs()
            + " "
            + s.vcpuTimeNs()
            + " "
            + s.memoryBytes()
            + " "
            + s.diskReadBytes()
            + " "
            + s.diskWriteBytes()
            + " "
            + s.netRxBytes()
            + " "
            + s.netTxBytes());
    System.out.flush();
    return s;
  }

  /** Figures that grow with each tick; memory goes up and down, so its peak is not its last. */
  static SandboxSample sample(int id, int runId, int pid, long started, int tick) {
    return new SandboxSample()
        .identity(id, runId, pid, "run-" + id)
        .times(started, System.currentTimeMillis())
        .cpu(25f, tick * 7_000_000L)
        .memory(1L << 30, (64L << 20) + (tick % 7) * 4096L + id, 0, 0)
        .io(tick * 100L + id, tick * 200L, tick * 300L, tick * 400L);
  }
}
