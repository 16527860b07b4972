package dev.microsandbox.otel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a process holds of a file, from procfs: how a test sees that a reader lets go. */
public final class ProcessFiles {

  private ProcessFiles() {}

  /**
   * Read-only shared mappings of {@code file}, or of its deleted predecessors, in process {@code
   * pid} ({@code "self"} for this one): a reader's (a test writer's mapping is read-write).
   */
  public static long readOnlyMappings(String pid, Path file) {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
          .filter(line -> line.split("\\s+")[1].equals("r--s"))
          .filter(line -> line.endsWith(file.toString()) || line.endsWith(file + " (deleted)"))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Open file descriptors of {@code file} in this process. */
  public static long descriptors(Path file) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                  return false; // closed meanwhile, or the listing's own descriptor
                }
              })
          .count();
    }
  }
}
