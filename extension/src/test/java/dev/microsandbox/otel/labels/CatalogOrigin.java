package dev.microsandbox.otel.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.microsandbox.otel.testing.ReleasedMsb;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who created the catalog a test writes its rows into: our writer (its table drawn after the spec),
 * or the released msb itself ({@code msb ls} runs its migrations), so that every catalog test also
 * holds against the runtime's own schema.
 */
enum CatalogOrigin {
  /** {@link CatalogWriter}'s own table. */
  OURS,
  /** msb 0.6.18's migrations; skipped, with the reason, where that msb was never fetched. */
  RELEASED_MSB;

  /** The catalog at {@code file} ({@code <home>/db/msb.db}), created where absent, in WAL mode. */
  CatalogWriter create(Path file) throws Exception {
    return create(file, "WAL");
  }

  /** As {@link #create(Path)} in {@code journalMode}. */
  CatalogWriter create(Path file, String journalMode) throws Exception {
    if (this == OURS) {
      return CatalogWriter.create(file, journalMode);
    }
    if (!Files.exists(file) || Files.size(file) == 0) { // absent, or a file msb has not migrated
      Path home = file.toAbsolutePath().getParent().getParent();
      ReleasedMsb.Result ls = ReleasedMsb.forHome(home).run("ls");
      assertEquals(0, ls.status, ls.err);
    }
    return CatalogWriter.open(file, journalMode);
  }
}
