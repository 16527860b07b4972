package dev.microsandbox.otel.metrics.instruments;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.labels.LabelKeys;
import dev.microsandbox.otel.labels.LabelSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link CollectionBenchmark} with labels on: a real SQLite catalog (WAL) holding the sandboxes
 * with three labels each. In steady state a collection asks SQLite only whether anything changed.
 */
public class LabeledCollectionBenchmark extends CollectionBenchmark {

  private Path home;

  @Override
  LabelSource labels() throws IOException {
    home = Files.createTempDirectory("msb-bench-catalog");
    Path file = home.resolve("db/msb.db");
    try (CatalogWriter catalog = CatalogWriter.create(file)) {
      for (int i = 0; i < sandboxes; i++) {
        catalog.put(
            10_000 + i,
            "bench-sandbox-" + i,
            CatalogWriter.labels(
                "user.id", "user-" + i % 50, "tenant", "tenant-" + i % 7, "env", "prod"),
            null);
      }
    } catch (Exception e) {
      throw new IOException(e);
    }
    return new CatalogLabels(file, LabelKeys.ALL, Duration.ofMillis(50));
  }

  @Override
  int expectedAttributes() {
    return 5;
  }

  @TearDown(Level.Trial)
  public void removeCatalog() {
    try (var files = Files.walk(home)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
