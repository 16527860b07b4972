package dev.microsandbox.otel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.microsandbox.otel.cli.SampleFormat;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reader decodes the registry written by the upstream runtime to exactly what the upstream
 * reader decoded, field by field, in both views. The file is read in place and never modified.
 */
@ParameterizedClass(name = "{0} reader")
@MethodSource("dev.microsandbox.otel.testing.Readers#onThisJvm")
class ConformanceTest {

  @Parameter RegistryAccess access;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Numbers compare by value (upstream prints 0 where we print 0.0); everything else exactly. */
  private static final Comparator<JsonNode> NUMERIC_AWARE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  private final TimeSource clock = MutableClock.fixed(Fixtures.SAMPLED_AT_MS);

  @TempDir Path dir;

  @Test
  void activeSnapshotMatchesUpstream() throws IOException {
    assertView(Fixtures.registry(), false, "active_snapshot");
  }

  @Test
  void includeStaleSnapshotMatchesUpstreamWithoutWriting() throws IOException {
    byte[] before = Files.readAllBytes(Fixtures.registry());
    assertView(Fixtures.registry(), true, "snapshot_include_stale");
    assertTrue(
        java.util.Arrays.equals(before, Files.readAllBytes(Fixtures.registry())),
        "the reader must never write to the registry");
  }

  /** The replica other tests use where shared/ is absent decodes to what upstream decoded too. */
  @Test
  void theWriterBuiltReplicaDecodesLikeTheUpstreamFixture() throws IOException {
    Fixtures.registry(); // skipped, with the reason, where the expected JSON is absent
    Path replica = dir.resolve("replica.bin");
    Fixtures.writeReplica(replica);
    assertEquals(Files.size(Fixtures.registry()), Files.size(replica));
    assertView(replica, false, "active_snapshot");
    assertView(replica, true, "snapshot_include_stale");
  }

  private void assertView(Path registry, boolean includeStale, String field) throws IOException {
    JsonNode expected = MAPPER.readTree(Files.readString(Fixtures.expectedJson())).get(field);
    ArrayNode actual = MAPPER.createArrayNode();
    try (RegistryReader reader =
        new RegistryReader(registry, RegistryReader.Options.DEFAULTS.with(access), clock)) {
      RegistrySnapshot snapshot = reader.read(includeStale);
      assertNull(snapshot.problem());
      assertEquals(8, snapshot.capacity());
      for (int i = 0; i < snapshot.size(); i++) {
        actual.add(MAPPER.readTree(SampleFormat.json(snapshot.get(i), null)));
      }
    }
    assertEquals(expected.size(), actual.size(), () -> "sandboxes in " + field + ": " + actual);
    for (int i = 0; i < expected.size(); i++) {
      JsonNode want = expected.get(i);
      JsonNode got = actual.get(i).deepCopy();
      // The one field upstream's reader added after the fixture's 0.6.14: the fixture's writer
      // knew no flag 0x80, so no limit in it is live.
      assertEquals(false, ((ObjectNode) got).remove("memory_limit_live").asBoolean(true));
      assertEquals(want.size(), got.size(), "field count of " + want.get("sandbox_id"));
      want.fieldNames()
          .forEachRemaining(
              name ->
                  assertTrue(
                      want.get(name).equals(NUMERIC_AWARE, got.get(name)),
                      () ->
                          field
                              + "["
                              + want.get("sandbox_id")
                              + "]."
                              + name
                              + ": expected "
                              + want.get(name)
                              + " got "
                              + got.get(name)));
    }
  }
}
