package dev.microsandbox.otel.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.ClockStep;
import dev.microsandbox.otel.e2e.DeclarativeYaml;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.LiveRegistry;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import dev.microsandbox.otel.e2e.RunScenario;
import dev.microsandbox.otel.e2e.SnapshotWatch;
import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one-jar bundle: the upstream agent with the extension embedded. */
class BundleIT {

  static final Path BUNDLE = Path.of(System.getProperty("msb.bundle.jar"));
  static final Path UPSTREAM = Path.of(System.getProperty("msb.agent.jar"));

  @TempDir Path home;
  @TempDir Path logs;

  static Set<String> sandboxMetricNames(OtlpReceiver receiver) {
    return Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
        .stream()
        .filter(p -> p.attributes().containsKey("sandbox.name"))
        .map(p -> p.metric().getName())
        .collect(Collectors.toSet());
  }

  @Test
  void theBundleAloneShipsSandboxMetrics() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(701, 7010, "bundled");
      Map<String, String> env = E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint());
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, BUNDLE, env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> sandboxMetricNames(receiver).equals(E2e.SANDBOX_METRICS),
            () -> sandboxMetricNames(receiver) + "\n" + stderr(jvm));
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void manifestKeepsUpstreamAndNamesBothVersions() throws Exception {
    try (JarFile bundle = new JarFile(BUNDLE.toFile());
        JarFile upstream = new JarFile(UPSTREAM.toFile())) {
      Manifest mf = bundle.getManifest();
      String agentVersion = System.getProperty("msb.otel.agent.version");
      assertEquals(agentVersion, mf.getMainAttributes().getValue("OpenTelemetry-Agent-Version"));
      assertEquals(
          System.getProperty("msb.project.version"),
          mf.getMainAttributes().getValue("Microsandbox-Extension-Version"));
      upstream
          .getManifest()
          .getMainAttributes()
          .forEach(
              (key, value) -> {
                if (!key.toString().equals("Main-Class")) {
                  assertEquals(
                      value, mf.getMainAttributes().get(key), "upstream manifest entry " + key);
                }
              });
      Set<String> bundled =
          Collections.list(bundle.entries()).stream()
              .map(JarEntry::getName)
              .collect(Collectors.toSet());
      List<String> missing =
          Collections.list(upstream.entries()).stream()
              .map(JarEntry::getName)
              .filter(name -> !bundled.contains(name))
              .toList();
      assertTrue(missing.isEmpty(), "upstream entries missing from the bundle: " + missing);
      assertNotNull(bundle.getEntry("extensions/msb-otel-extension.jar"));
    }
    Process version =
        new ProcessBuilder(
                E2e.JAVA_HOME.resolve("bin/java").toString(),
                "-jar",
                BUNDLE.toString(),
                "--version")
            .redirectErrorStream(true)
            .start();
    String out = new String(version.getInputStream().readAllBytes()).trim();
    assertEquals(0, version.waitFor());
    assertEquals(
        "opentelemetry-javaagent "
            + System.getProperty("msb.otel.agent.version")
            + " with microsandbox extension "
            + System.getProperty("msb.project.version"),
        out);
  }

  @Test
  void theBundleAndTheExtensionInsideItCarryTheLicenceAndNotices() throws Exception {
    String licence = Files.readString(Path.of(System.getProperty("msb.root.dir"), "LICENSE"));
    String notice = Files.readString(Path.of(System.getProperty("msb.root.dir"), "NOTICE"));
    try (JarFile bundle = new JarFile(BUNDLE.toFile())) {
      assertEquals(licence, entry(bundle, "META-INF/msb-otel/LICENSE"));
      assertEquals(notice, entry(bundle, "META-INF/msb-otel/NOTICE"));
      assertNotNull(bundle.getEntry("META-INF/licenses/licenses.md"), "the agent's own, kept");
      Path nested = Files.createTempFile(logs, "extension", ".jar");
      try (java.io.InputStream in =
          bundle.getInputStream(bundle.getEntry("extensions/msb-otel-extension.jar"))) {
        Files.copy(in, nested, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      try (JarFile extension = new JarFile(nested.toFile())) {
        assertEquals(licence, entry(extension, "META-INF/msb-otel/LICENSE"));
        assertEquals(notice, entry(extension, "META-INF/msb-otel/NOTICE"));
      }
    }
  }

  static String entry(JarFile jar, String name) throws IOException {
    JarEntry entry = jar.getJarEntry(name);
    assertNotNull(entry, jar.getName() + " has no " + name);
    try (java.io.InputStream in = jar.getInputStream(entry)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The sidecar's two forms: the lean one on the plain SDK (no agent), and under the agent. */
  enum Form {
    LEAN,
    AGENT;

    /** The agent jar to attach: none for the lean form. */
    Path agent() {
      return this == AGENT ? BUNDLE : null;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void sidecarExportsAndFlushesOnSigterm(Form form) throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http();
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(801, "sidecar-sandbox", CatalogWriter.labels("tenant", "acme"), null);
      registry.start(801, 8010, "sidecar-sandbox");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "600000", // only the shutdown flush can export
              "OTEL_MICROSANDBOX_LABELS_TIMEOUT",
              "5s"); // the flush is the first collection: let labels in
      Path tmp = Files.createDirectories(home.resolve("tmp-" + form.name()));
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              form.agent(),
              env,
              logs.resolve(form.name()),
              List.of("-Djava.io.tmpdir=" + tmp, "-jar", BUNDLE.toString(), "sidecar"))) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> stdout(jvm).contains("msb-otel sidecar running"),
            () -> stdout(jvm) + stderr(jvm));
        // "running" is printed once the agent has started the extension; no periodic export is
        // due for 10 min, so anything received now would be an export the sidecar must not make.
        assertTrue(receiver.received().isEmpty(), "nothing exported before the signal");
        // The catalog opens (SQLite's native library loads) on its own thread after "running";
        // SQLite's loader cannot run once the JVM is shutting down (File.deleteOnExit refuses),
        // so a signal in the first moment would flush without labels (the README says so). Seen
        // once in CI. So the signal waits until the library is in the process's memory map.
        E2e.await(
            Duration.ofSeconds(60),
            () -> memoryMap(jvm).contains("sqlitejdbc"),
            () -> stdout(jvm) + stderr(jvm));
        assertTrue(receiver.received().isEmpty(), "nothing exported before the signal");
        assertEquals(
            form == Form.AGENT,
            openFiles(jvm).contains(BUNDLE.toRealPath()),
            "the lean form runs from its copies and lets go of the bundle (and the 2.4 MB its open"
                + " central directory holds); the agent runs from it: "
                + openFiles(jvm));
        assertEquals(
            143, jvm.terminate(Duration.ofSeconds(30)), "terminated by SIGTERM (128 + 15)");
        assertTrue(
            sandboxMetricNames(receiver).containsAll(E2e.SANDBOX_METRICS),
            "the shutdown hook flushed a last export: " + sandboxMetricNames(receiver));
        assertTrue(
            Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
                .stream()
                .anyMatch(p -> "acme".equals(p.attributes().get("tenant"))),
            "catalog labels");
        assertFalse(
            stderr(jvm).contains("restricted method"),
            "Enable-Native-Access in the manifest: no JDK 24+ warning for SQLite\n" + stderr(jvm));
        try (Stream<Path> left = Files.list(tmp)) {
          assertEquals(
              List.of(),
              left.map(p -> p.getFileName().toString())
                  .filter(name -> name.startsWith("msb-otel-"))
                  .toList(),
              "the lean form's copies of the nested jars are gone once the JVM has exited");
        }
      }
    }
  }

  static final List<String> SIDECAR = List.of("-jar", BUNDLE.toString(), "sidecar");

  /**
   * The sidecar, sampling every second as its unit does, through a storm of truncations,
   * recreations and corruptions of its registry: it lives on, maps nothing more than the registry,
   * and reports a sandbox started after the storm. The lean form, as the unit starts it (the agent
   * form reads through the same extension).
   */
  @Test
  void aSidecarOutlivesARegistryCutShortAgainAndAgain() throws Exception {
    Form form = Form.LEAN;
    try (LiveRegistry registry = new LiveRegistry(home, 64);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      for (int id = 1; id <= 20; id++) {
        registry.start(id, id * 10, "before-" + id);
      }
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "1000");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> sandboxNames(receiver, 0).contains("before-20"),
            () -> stdout(jvm) + stderr(jvm));
        int before = receiver.received().size();
        long steps = registry.stormThenResume(Duration.ofSeconds(3), jvm.pid(), 99);
        assertTrue(steps > 100, steps + " storm steps");
        assertTrue(jvm.alive(), "the sidecar lives");
        E2e.await(
            Duration.ofSeconds(30),
            () -> sandboxNames(receiver, before).contains("after-storm"),
            () -> sandboxNames(receiver, before) + "\n" + stderr(jvm));
        assertTrue(registry.mappingsIn(jvm.pid()) <= 1, registry.mappingsIn(jvm.pid()) + " maps");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
        dev.microsandbox.otel.e2e.AgentHardeningIT.assertNoFault( // FFM maps on 22+
            stderr(jvm), E2e.feature(E2e.JAVA_HOME) >= 22);
      }
    }
  }

  /**
   * 3,000 sandboxes in a 4,096-slot registry, sampled every second as the unit does: every sandbox
   * in every series, in both forms, with no overflow point and no cardinality line.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void theSidecarExportsEverySandboxOfALargeRegistry(Form form) throws Exception {
    try (LiveRegistry registry = dev.microsandbox.otel.e2e.AgentScaleIT.fullRegistry(home);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "3000");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), SIDECAR)) {
        dev.microsandbox.otel.e2e.AgentScaleIT.assertEverySandboxExported(receiver, jvm, false);
      }
    }
  }

  /**
   * With events on and no logs exporter set, each run's start and stop go where the metrics go, in
   * both forms: from three runtimes in processes of their own, one killed.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void theSidecarSendsRunEventsWhereTheMetricsGo(Form form) throws Exception {
    try (RunScenario runs = new RunScenario(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env = withEvents(home, receiver);
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), SIDECAR)) {
        runs.play(receiver);
        runs.assertEvents(receiver, true, "microsandbox");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  /**
   * The sidecar's environment for {@code home}'s registry with run events on, exporting every
   * second to {@code receiver}, its logs left to follow the metrics, with {@code more} added.
   */
  static Map<String, String> withEvents(Path home, OtlpReceiver receiver, String... more) {
    Map<String, String> env =
        new java.util.HashMap<>(
            E2e.with(
                E2e.with(
                    E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
                    "OTEL_MICROSANDBOX_EVENTS",
                    "true",
                    "OTEL_METRIC_EXPORT_INTERVAL",
                    "1000",
                    "OTEL_BLRP_SCHEDULE_DELAY",
                    "200"),
                more));
    env.remove("OTEL_LOGS_EXPORTER");
    return env;
  }

  /** The sandbox names of the receiver's requests from request {@code from} on. */
  static Set<String> sandboxNames(OtlpReceiver receiver, int from) {
    List<OtlpReceiver.Received> all = receiver.received();
    return Otlp.points(
            all.subList(Math.min(from, all.size()), all.size()).stream()
                .map(OtlpReceiver.Received::request)
                .toList())
        .stream()
        .map(p -> p.attributes().get("sandbox.name"))
        .filter(java.util.Objects::nonNull)
        .collect(Collectors.toSet());
  }

  /** The resource of the first sandbox point the sidecar in {@code form} exported. */
  Map<String, String> sidecarResource(Form form, Map<String, String> env) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> withReceiver =
          E2e.with(env, "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, form.agent(), withReceiver, logs, SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> !sandboxMetricNames(receiver).isEmpty(),
            () -> stdout(jvm) + stderr(jvm));
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
        return Otlp.points(
                receiver.received().stream().map(OtlpReceiver.Received::request).toList())
            .stream()
            .filter(p -> p.attributes().containsKey("sandbox.name"))
            .findFirst()
            .orElseThrow()
            .resource();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void sidecarIsServiceMicrosandboxOnItsHostnameAcrossRestartsUnlessTheUserSaysOtherwise(Form form)
      throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.start(811, 8110, "steady");
      Map<String, String> env =
          E2e.with(E2e.otlpEnv(null, home, "http/protobuf", "unset"), "HOSTNAME", "msb-host-7");
      for (int start = 0; start < 2; start++) {
        Map<String, String> resource = sidecarResource(form, env);
        assertEquals("microsandbox", resource.get("service.name"), resource::toString);
        assertEquals(
            "msb-host-7",
            resource.get("service.instance.id"),
            "the hostname, not the agent's random UUID, on start " + (start + 1));
      }
      Map<String, String> user =
          sidecarResource(
              form,
              E2e.with(
                  env,
                  "OTEL_SERVICE_NAME",
                  "msb-edge",
                  "OTEL_RESOURCE_ATTRIBUTES",
                  "service.instance.id=rack-4"));
      assertEquals("msb-edge", user.get("service.name"));
      assertEquals("rack-4", user.get("service.instance.id"));
    }
  }

  /** msb-metrics' defaults: a sample every second, an export every ten, each sample a point. */
  @Test
  void theSidecarSamplesEverySecondAndExportsEveryTen() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.timeDerivedFigures();
      registry.start(831, 8310, "upstream-defaults");
      Map<String, String> env = E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint());
      env.remove("OTEL_METRIC_EXPORT_INTERVAL");
      long started = System.nanoTime();
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, BUNDLE, env, logs, SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(40),
            () -> E2e.requestsAbout(receiver, "upstream-defaults").size() >= 2,
            () -> stdout(jvm) + stderr(jvm));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(seconds >= 19, "two exports take two 10 s intervals: " + seconds + " s");
        long samples =
            Otlp.points(List.of(E2e.requestsAbout(receiver, "upstream-defaults").get(1))).stream()
                .filter(p -> p.metric().getName().equals("microsandbox.disk.bytes_read"))
                .count();
        assertTrue(samples >= 9 && samples <= 11, "ten 1 s samples per 10 s export: " + samples);
        assertTrue(
            stderr(jvm).contains("sampling every 1000 ms, buffering 60 collections"), stderr(jvm));
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  /**
   * The sidecar configured by a declarative file alone: it starts, samples every second, exports to
   * the file's reader with export health, and stops on SIGTERM; a bad value in the file ends it at
   * once with the line that names the file's key.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void theSidecarRunsFromAConfigurationFile(Form form) throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(841, 8410, "declared");
      Path yaml =
          new DeclarativeYaml()
              .serviceName("microsandbox")
              .otlp(receiver.endpoint(), 2000)
              .set("home", home.toString())
              .set("instruments", "both")
              .write(logs);
      Map<String, String> env = Map.of("OTEL_CONFIG_FILE", yaml.toString());
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs, SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () ->
                sandboxMetricNames(receiver).contains("microsandbox.cpu.utilization")
                    && Otlp.points(
                            receiver.received().stream()
                                .map(OtlpReceiver.Received::request)
                                .toList())
                        .stream()
                        .anyMatch(
                            p ->
                                p.metric()
                                    .getName()
                                    .equals("microsandbox.collector.exports.success")),
            () -> stdout(jvm) + stderr(jvm));
        assertTrue(stdout(jvm).contains("msb-otel sidecar running"), stdout(jvm));
        assertTrue(
            stderr(jvm).contains("(sidecar mode") && stderr(jvm).contains("sampling every 1000 ms"),
            stderr(jvm));
        assertTrue(
            Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
                .stream()
                .anyMatch(
                    p ->
                        p.metric().getName().equals("container.cpu.time")
                            && "declared".equals(p.attributes().get("container.name"))),
            "the counters too");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
      Path bad =
          new DeclarativeYaml()
              .otlp(receiver.endpoint(), 2000)
              .set("home", home.toString())
              .set("instruments", "all")
              .write(logs.resolve("bad"));
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              form.agent(),
              Map.of("OTEL_CONFIG_FILE", bad.toString()),
              logs.resolve("bad"),
              SIDECAR)) {
        assertEquals(1, jvm.awaitExit(Duration.ofSeconds(45)), stderr(jvm));
        assertTrue(
            stderr(jvm)
                .contains(
                    "msb-otel sidecar: nothing would be exported, exiting: off: microsandbox"
                        + " metrics are off:"
                        + " instrumentation/development.java.microsandbox.instruments = 'all':"
                        + " expected msb, semconv or both"),
            stderr(jvm));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void aSidecarThatWouldExportNothingExitsAtOnceWithTheReason(Form form) throws Exception {
    Map<String, String> base = E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:9");
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0)) {
      Map<String, Map<String, String>> cases =
          Map.of(
              "OTEL_MICROSANDBOX_MAX_SAMPLE_AGE",
              E2e.with(base, "OTEL_MICROSANDBOX_MAX_SAMPLE_AGE", "30sec"),
              "OTEL_MICROSANDBOX_ENABLED (otel.microsandbox.enabled) = false",
              E2e.with(base, "OTEL_MICROSANDBOX_ENABLED", "false"),
              "OTEL_METRICS_EXPORTER=none",
              E2e.with(base, "OTEL_METRICS_EXPORTER", "none"),
              // The agent reports a Prometheus port in use in its own log; the SDK throws it to us.
              form == Form.AGENT
                  ? "did not start the microsandbox extension"
                  : "the OpenTelemetry SDK did not start",
              E2e.with(
                  base,
                  "OTEL_METRICS_EXPORTER",
                  "prometheus",
                  "OTEL_EXPORTER_PROMETHEUS_PORT",
                  String.valueOf(busy.getLocalPort())));
      for (Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
        try (AgentJvm jvm =
            AgentJvm.start(E2e.JAVA_HOME, form.agent(), c.getValue(), logs, SIDECAR)) {
          int status = jvm.awaitExit(Duration.ofSeconds(45));
          assertEquals(1, status, c.getKey() + ": " + stderr(jvm));
          assertTrue(
              lastSidecarLine(jvm).contains(c.getKey()), c.getKey() + " named in: " + stderr(jvm));
          assertFalse(stdout(jvm).contains("sidecar running"), stdout(jvm));
        }
      }
    }
  }

  /**
   * A registry that refuses the sidecar (here owned by another user than msb's, as a squatted file
   * is; EACCES takes the same path) ends it with status 1 and the reason within seconds, whether
   * the file is there at start or appears while it runs, so that systemd restarts it and its status
   * shows why. An application only logs it (ExtensionSetupTest).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void aSidecarTheRegistryRefusesExitsWithTheReason(Form form) throws Exception {
    Map<String, String> env = E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:9");
    String refusal = "refusing microsandbox registry ";
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      Files.setOwner(registry.file(), Fixtures.nobody());
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME, form.agent(), env, logs.resolve(form + "-at-start"), SIDECAR)) {
        assertEquals(1, jvm.awaitExit(Duration.ofSeconds(45)), stderr(jvm));
        assertTrue(lastSidecarLine(jvm).contains(refusal + registry.file()), stderr(jvm));
        assertFalse(stdout(jvm).contains("sidecar running"), stdout(jvm));
      }
    }
    try (AgentJvm jvm =
        AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs.resolve(form + "-later"), SIDECAR)) {
      E2e.await(
          Duration.ofSeconds(60),
          () -> stdout(jvm).contains("msb-otel sidecar running"),
          () -> stdout(jvm) + stderr(jvm));
      try (LiveRegistry registry = new LiveRegistry(home, 8)) {
        Files.setOwner(registry.file(), Fixtures.nobody());
        assertEquals(1, jvm.awaitExit(Duration.ofSeconds(30)), stderr(jvm));
        assertTrue(lastSidecarLine(jvm).contains(refusal + registry.file()), stderr(jvm));
      }
    }
  }

  /** The sidecar's own last line on stderr ("msb-otel sidecar: …"), or "". */
  static String lastSidecarLine(AgentJvm jvm) {
    return stderr(jvm)
        .lines()
        .filter(l -> l.startsWith("msb-otel sidecar:"))
        .reduce((a, b) -> b)
        .orElse("");
  }

  @Test
  void theOneJarAlsoTakesSnapshots() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(821, "snapped", CatalogWriter.labels("tenant", "acme"), null);
      registry.start(821, 8210, "snapped");
      Process snapshot =
          new ProcessBuilder(
                  E2e.JAVA_HOME.resolve("bin/java").toString(),
                  "-jar",
                  BUNDLE.toString(),
                  "snapshot",
                  "--msb-home",
                  home.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(snapshot.getInputStream().readAllBytes());
      assertEquals(0, snapshot.waitFor(), out);
      assertTrue(out.contains("snapped  id=821") && out.contains("labels={tenant=acme}"), out);
      assertFalse(
          out.contains("WARNING"), "SQLite loaded without a restricted-method warning:\n" + out);
    }
  }

  /**
   * msb's registry turned unreadable while the sidecar runs (its mode loosened, a symbolic link put
   * in its place), then mended: an outage the sidecar rides out, exporting on and counting it, and
   * the sandbox read again once the registry is good. Root ignores file modes, so the refusals here
   * are the reader's own checks, which hold for root too.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void aRegistryThatRefusesMidRunIsAnOutageTheSidecarRidesOut(Form form) throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(841, 8410, "refused-for-a-while");
      Path file = registry.file();
      Map<String, String> env = E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint());
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), SIDECAR)) {
        awaitExportedFrom(receiver, 0, jvm);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        awaitOutage(receiver, jvm, "lets group or others write it");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        awaitExportedFrom(receiver, receiver.received().size(), jvm);
        Path aside = file.resolveSibling(file.getFileName() + ".aside");
        Files.move(file, aside);
        Files.createSymbolicLink(file, aside);
        awaitOutage(receiver, jvm, "it is a symbolic link");
        Files.delete(file);
        Files.move(aside, file);
        awaitExportedFrom(receiver, receiver.received().size(), jvm);
        assertFalse(stderr(jvm).contains("exiting"), stderr(jvm));
        assertTrue(
            Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
                .stream()
                .anyMatch(
                    p ->
                        p.metric().getName().equals("microsandbox.collector.registry.errors")
                            && p.value() > 0),
            "the outage counted in microsandbox.collector.registry.errors");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void aWallClockStepEitherWayStopsNoRunAndDropsNoSandboxInTheSidecar() throws Exception {
    try (ClockStep clock = new ClockStep(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env =
          withEvents(
              home,
              receiver,
              "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
              ClockStep.COLLECT_INTERVAL,
              "OTEL_METRIC_EXPORT_INTERVAL",
              ClockStep.EXPORT_INTERVAL);
      env.putAll(clock.env());
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, null, env, logs.resolve("lean"), SIDECAR)) {
        clock.playAndAssert(receiver);
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  /** Waits for an export, from request {@code from} on, that carries the sandbox. */
  static void awaitExportedFrom(OtlpReceiver receiver, int from, AgentJvm jvm) {
    E2e.await(
        Duration.ofSeconds(60),
        () -> sandboxNames(receiver, from).contains("refused-for-a-while"),
        () -> "no export of the sandbox from request " + from + ":\n" + stderr(jvm));
  }

  /**
   * Waits until the sidecar has said the refusal ({@code why}) and exported three times since,
   * alive: an outage, not an exit.
   */
  static void awaitOutage(OtlpReceiver receiver, AgentJvm jvm, String why) {
    E2e.await(Duration.ofSeconds(60), () -> stderr(jvm).contains(why), () -> stderr(jvm));
    int said = receiver.received().size();
    E2e.await(
        Duration.ofSeconds(60),
        () -> receiver.received().size() >= said + 3 || !jvm.alive(),
        () -> "exports after the refusal: " + (receiver.received().size() - said));
    assertTrue(jvm.alive(), "the sidecar rides out a refusal mid-run:\n" + stderr(jvm));
  }

  /** The lean sidecars' copies in {@code tmp}, and any directory caught starting. */
  static List<String> copies(Path tmp) throws IOException {
    try (Stream<Path> left = Files.list(tmp)) {
      return left.map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith("msb-otel-") || name.startsWith(".msb-otel-"))
          .sorted()
          .toList();
    }
  }

  @Test
  void sidecarsKilledOneAfterTheOtherLeaveNoCopiesBeyondTheLiveOnes() throws Exception {
    Path tmp = Files.createDirectories(home.resolve("tmp"));
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.start(831, 8310, "killed-often");
      Map<String, String> env = E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:1");
      for (int start = 1; start <= 4; start++) {
        try (AgentJvm jvm =
            AgentJvm.start(
                E2e.JAVA_HOME,
                null,
                env,
                logs.resolve("start-" + start),
                List.of("-Djava.io.tmpdir=" + tmp, "-jar", BUNDLE.toString(), "sidecar"))) {
          E2e.await(
              Duration.ofSeconds(60),
              () -> stdout(jvm).contains("msb-otel sidecar running"),
              () -> stdout(jvm) + stderr(jvm));
          assertEquals(
              1,
              copies(tmp).size(),
              "start "
                  + start
                  + ": the live sidecar's copy only, the killed ones' swept: "
                  + copies(tmp));
          if (start < 4) {
            jvm.kill(); // SIGKILL: no exit hook removes its copy
            assertEquals(
                1, copies(tmp).size(), "a killed sidecar's copy stays until the next start");
          } else {
            assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
          }
        }
      }
      assertEquals(List.of(), copies(tmp), "a clean exit removes its own");
    }
  }

  @Test
  void anUnusableTemporaryFolderIsNamedWithTheFix() throws Exception {
    Path missing = home.resolve("no-such-dir");
    try (AgentJvm jvm =
        AgentJvm.start(
            E2e.JAVA_HOME,
            null,
            E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:1"),
            logs,
            List.of("-Djava.io.tmpdir=" + missing, "-jar", BUNDLE.toString(), "sidecar"))) {
      assertEquals(1, jvm.awaitExit(Duration.ofSeconds(60)), stderr(jvm));
      assertTrue(
          stderr(jvm)
              .contains(
                  "java.io.tmpdir ("
                      + missing
                      + ") does not exist: the bundle copies its jars there. Point"
                      + " -Djava.io.tmpdir at a directory this user can write"),
          stderr(jvm));
    }
  }

  @ParameterizedTest(name = "json={0}")
  @ValueSource(booleans = {false, true})
  void theOneJarsWatchTellsOfRunsThatComeAndGo(boolean json) throws Exception {
    SnapshotWatch.assertTellsOfRunsThatComeAndGo(BUNDLE, json, logs);
  }

  /** The files {@code jvm} holds open, from {@code /proc} (Linux, where this suite runs). */
  static Set<Path> openFiles(AgentJvm jvm) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(jvm.pid()), "fd"))) {
      return fds.map(BundleIT::target).collect(Collectors.toSet());
    }
  }

  /** What {@code jvm} has mapped, from {@code /proc}; empty once it is gone. */
  static String memoryMap(AgentJvm jvm) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(jvm.pid()), "maps"));
    } catch (IOException e) {
      return "";
    }
  }

  private static Path target(Path link) {
    try {
      return Files.readSymbolicLink(link);
    } catch (IOException e) { // closed since it was listed
      return link;
    }
  }

  static String stdout(AgentJvm jvm) {
    try {
      return jvm.stdout();
    } catch (IOException e) {
      return e.toString();
    }
  }

  static String stderr(AgentJvm jvm) {
    try {
      return jvm.stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }
}
