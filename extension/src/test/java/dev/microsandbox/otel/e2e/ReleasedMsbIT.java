package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.ReleasedMsb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The released microsandbox as the reference: a home whose catalog the released {@code msb} created
 * and filled itself (its migrations; {@code msb create} writes the sandbox, its labels and a run,
 * which cannot boot on this machine), and the registry the upstream runtime wrote (the shared
 * fixture) under that home's name. Our {@code snapshot --format json} and {@code msb metrics
 * --format json} then agree, sandbox by sandbox, on every field both print but the one where we
 * differ on purpose (docs/comparison.md), and our labels are the ones msb recorded.
 */
class ReleasedMsbIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The registry figures both print under the same name. */
  private static final List<String> SAME_FIELDS =
      List.of(
          "cpu_percent",
          "vcpu_time_ns",
          "memory_bytes",
          "memory_available_bytes",
          "memory_host_resident_bytes",
          "disk_read_bytes",
          "disk_write_bytes",
          "net_rx_bytes",
          "net_tx_bytes",
          "upper_used_bytes",
          "upper_free_bytes",
          "upper_host_allocated_bytes");

  /** The sandbox names msb's CLI accepts (its own check, in its words). */
  private static final Pattern MSB_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  @TempDir Path dir;

  @Test
  void ourSnapshotAgreesWithMsbMetricsOnTheUpstreamRegistryAndMsbsOwnCatalog() throws Exception {
    Path fixture = Fixtures.registry();
    Path home = Files.createDirectories(dir.resolve("home"));
    ReleasedMsb msb = ReleasedMsb.forHome(home);
    // msb's registry for the home (its runs that could not boot), then the fixture's copy there
    Path registry = RegistryLocation.registryFile(home.toString());
    try {
      agree(msb, home, fixture, registry);
    } finally {
      Files.deleteIfExists(registry);
    }
  }

  private void agree(ReleasedMsb msb, Path home, Path fixture, Path registry) throws Exception {
    ReleasedMsb.Result ls = msb.run("ls");
    assertEquals(0, ls.status, ls.err);
    Path catalog = home.resolve("db/msb.db");
    assertTrue(Files.isRegularFile(catalog), "msb ls created no catalog: " + ls.err);

    JsonNode expected = JSON.readTree(Fixtures.expectedJson().toFile()).path("active_snapshot");
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Map<String, Map<String, String>> labels = new TreeMap<>();
    List<String> uncataloged = new ArrayList<>();
    for (JsonNode sandbox : expected) {
      int id = sandbox.path("sandbox_id").asInt();
      String name = sandbox.path("name").asText();
      if (!MSB_NAME.matcher(name).matches()) {
        uncataloged.add(name); // the runtime's writer takes it, msb's CLI refuses to create it
        continue;
      }
      nextSandboxId(catalog, id);
      // msb writes its rows, then fails to boot the VM here: its rows stay, as after a real run.
      ReleasedMsb.Result created =
          msb.run(
              "create",
              "-n",
              name,
              "--label",
              "tenant=acme",
              "--label",
              "team=t" + id,
              rootfs.toString());
      assertEquals(name, nameOf(catalog, id), () -> "msb create: " + created.err);
      labels.put(name, Map.of("tenant", "acme", "team", "t" + id));
    }

    Files.deleteIfExists(registry); // msb's own, of the runs that could not boot
    Files.copy(fixture, registry);
    Files.setPosixFilePermissions(registry, PosixFilePermissions.fromString("rw-------"));
    Map<String, JsonNode> ours = ourSnapshot(home);
    ReleasedMsb.Result metrics = msb.run("metrics", "--format", "json");
    assertEquals(0, metrics.status, metrics.err);
    Map<String, JsonNode> theirs = new TreeMap<>();
    JSON.readTree(metrics.out).forEach(s -> theirs.put(s.path("name").asText(), s));

    assertEquals(labels.keySet(), theirs.keySet(), "msb metrics: " + metrics.out);
    // On purpose (docs/comparison.md): msb metrics drops a slot whose sandbox has no catalog row;
    // we report every live slot, the catalog giving labels only.
    assertTrue(!uncataloged.isEmpty(), "the fixture has a name msb refuses");
    for (String name : uncataloged) {
      assertTrue(ours.containsKey(name), name + " in ours: " + ours.keySet());
      assertTrue(ours.get(name).path("labels").isEmpty(), name + ": no labels without a row");
      ours.remove(name);
    }
    assertEquals(theirs.keySet(), ours.keySet(), "ours: " + ours);
    List<String> differences = new ArrayList<>();
    for (String name : theirs.keySet()) {
      JsonNode t = theirs.get(name);
      JsonNode o = ours.get(name);
      for (String field : SAME_FIELDS) {
        if (!t.path(field).equals(o.path(field))
            && !(t.path(field).isNumber()
                && o.path(field).isNumber()
                && t.path(field).asDouble() == o.path(field).asDouble())) {
          differences.add(
              name + "." + field + ": msb " + t.path(field) + ", ours " + o.path(field));
        }
      }
      // msb calls a run whose sample stands still "stalled"; we leave such a sandbox out after
      // the maximum sample age (30 s by default; this snapshot was told 0, so that it prints
      // the fixture's weeks-old samples): the same judgement, shown two ways.
      boolean old = System.currentTimeMillis() - o.path("sampled_at_ms").asLong() > 30_000;
      assertEquals(old ? "stalled" : "running", t.path("state").asText(), name);
      assertEquals("Active", o.path("state").asText(), name);
      assertEquals(
          OffsetDateTime.parse(t.path("timestamp").asText()).toInstant().toEpochMilli(),
          o.path("sampled_at_ms").asLong(),
          name + ": timestamp");
      assertEquals(
          t.path("uptime_secs").asDouble(), o.path("uptime_ms").asLong() / 1000.0, 1e-9, name);
      // On purpose (docs/comparison.md): msb prints the limit of the sandbox's catalog config
      // (512 MiB, msb create's default), we the limit the runtime stamped in the registry.
      assertEquals(512L << 20, t.path("memory_limit_bytes").asLong(), name + ": msb's limit");
      assertEquals(
          expectedOf(expected, name).path("memory_limit_bytes").asLong(),
          o.path("memory_limit_bytes").asLong(),
          name + ": our limit, the registry's");
      assertEquals(
          JSON.valueToTree(labels.get(name)), o.path("labels"), name + ": labels from msb's rows");
    }
    assertEquals(List.of(), differences);
  }

  /** Our snapshot of {@code home}: every sample as old as the fixture's, by sandbox name. */
  private Map<String, JsonNode> ourSnapshot(Path home) throws Exception {
    try (AgentJvm snapshot =
        AgentJvm.start(
            E2e.JAVA_HOME,
            null,
            Map.of(),
            Files.createDirectories(dir.resolve("snapshot")),
            List.of(
                "-jar",
                AgentJvm.extensionJar().toString(),
                "snapshot",
                "--msb-home",
                home.toString(),
                "--format",
                "json",
                "--max-sample-age",
                "0"))) {
      int status = snapshot.awaitExit(Duration.ofMinutes(1));
      assertEquals(0, status, snapshot.stderr());
      Map<String, JsonNode> byName = new TreeMap<>();
      for (String line : snapshot.stdout().split("\n")) {
        if (line.startsWith("{")) {
          JsonNode sample = JSON.readTree(line);
          byName.put(sample.path("name").asText(), sample);
        }
      }
      return byName;
    }
  }

  private static JsonNode expectedOf(JsonNode expected, String name) {
    for (JsonNode sandbox : expected) {
      if (sandbox.path("name").asText().equals(name)) {
        return sandbox;
      }
    }
    throw new AssertionError(name);
  }

  /** Makes {@code id} the catalog's next sandbox id (the table's AUTOINCREMENT sequence). */
  private static void nextSandboxId(Path catalog, int id) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + catalog)) {
      try (PreparedStatement update =
          c.prepareStatement("UPDATE sqlite_sequence SET seq = ? WHERE name = 'sandbox'")) {
        update.setInt(1, id - 1);
        if (update.executeUpdate() == 0) {
          try (PreparedStatement insert =
              c.prepareStatement("INSERT INTO sqlite_sequence (name, seq) VALUES ('sandbox', ?)")) {
            insert.setInt(1, id - 1);
            insert.executeUpdate();
          }
        }
      }
    }
  }

  private static String nameOf(Path catalog, int id) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + catalog);
        PreparedStatement query = c.prepareStatement("SELECT name FROM sandbox WHERE id = ?")) {
      query.setInt(1, id);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    }
  }
}
