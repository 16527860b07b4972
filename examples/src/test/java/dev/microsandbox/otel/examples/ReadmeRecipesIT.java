package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.LiveRegistry;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every deployment recipe of the README, and the shipped systemd unit, run with the environment as
 * written. Only what cannot exist here is mapped: the jar paths to the built jars, {@code app.jar}
 * to a trivial app, {@code MSB_HOME} to a live test registry, {@code $TOKEN} to a value, and the
 * OTLP endpoint's host to a local receiver of the kind a Collector runs on that port (gRPC on 4317,
 * HTTP on 4318 and on a vendor's https port). A recipe whose protocol does not match its port, or
 * whose jar or command does not exist, fails here as it would for a user.
 */
class ReadmeRecipesIT {

  static final Path EXAMPLES = Path.of(System.getProperty("msb.examples.dir", "."));
  static final Path BUNDLE = Path.of(System.getProperty("msb.bundle.jar"));
  static final Path UPSTREAM_AGENT = Path.of(System.getProperty("msb.agent.jar"));
  static final String UPSTREAM_AGENT_NAME =
      "opentelemetry-javaagent-" + System.getProperty("msb.otel.agent.version") + ".jar";
  static final Path EXTENSION = Path.of(System.getProperty("msb.extension.jar"));
  static final Pattern ASSIGNMENT = Pattern.compile("([A-Z_][A-Z0-9_]*)=(.*)");

  @TempDir Path home;
  @TempDir Path logs;

  /** A recipe: where it comes from, its environment and its java command's arguments. */
  record Recipe(String source, Map<String, String> env, List<String> java) {
    @Override
    public String toString() {
      return source;
    }
  }

  static Stream<Recipe> recipes() throws IOException {
    List<Recipe> recipes = new ArrayList<>();
    for (Map.Entry<String, String> page : documentation().entrySet()) {
      Matcher block = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(page.getValue());
      while (block.find()) {
        for (String line : block.group(1).replace("\\\n", " ").split("\n")) {
          if (line.contains("-javaagent:") || line.contains("msb-otel-agent.jar sidecar")) {
            recipes.add(parse(page.getKey() + ": " + line.trim(), words(line)));
          }
        }
      }
    }
    Path unit = EXAMPLES.resolve("sidecar/msb-otel-sidecar.service");
    List<String> words = new ArrayList<>();
    for (String line : Files.readAllLines(unit)) {
      String text = line.replace("%%", "%");
      if (text.startsWith("Environment=")) {
        words.add(text.substring("Environment=".length()));
      } else if (text.startsWith("ExecStart=")) {
        words.addAll(words(text.substring("ExecStart=".length())));
      }
    }
    recipes.add(parse("systemd unit " + unit.getFileName(), words));
    assertTrue(recipes.size() >= 4, "README recipes found: " + recipes);
    return recipes.stream();
  }

  /** Shell words: whitespace-separated, with "…" and '…' quoting. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    Matcher m = Pattern.compile("(?:[^\\s\"']+|\"[^\"]*\"|'[^']*')+").matcher(line);
    while (m.find()) {
      words.add(m.group().replaceAll("[\"']", ""));
    }
    return words;
  }

  static Recipe parse(String source, List<String> words) {
    Map<String, String> env = new LinkedHashMap<>();
    int i = 0;
    for (; i < words.size(); i++) {
      Matcher m = ASSIGNMENT.matcher(words.get(i));
      if (!m.matches()) {
        break;
      }
      env.put(m.group(1), m.group(2).replace("$TOKEN", "recipe-token"));
    }
    assertTrue(words.get(i).endsWith("java"), source + ": no java command");
    return new Recipe(source, env, List.copyOf(words.subList(i + 1, words.size())));
  }

  /** The README and every page of docs/, by name, wherever a recipe now lives. */
  static Map<String, String> documentation() throws IOException {
    Map<String, String> pages = new LinkedHashMap<>();
    pages.put("README", Files.readString(EXAMPLES.resolve("../README.md")));
    try (Stream<Path> docs = Files.list(EXAMPLES.resolve("../docs"))) {
      for (Path page : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        pages.put("docs/" + page.getFileName(), Files.readString(page));
      }
    }
    return pages;
  }

  /** The documented declarative configuration file: its YAML block with our settings. */
  static String readmeYaml() throws IOException {
    for (String page : documentation().values()) {
      Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(page);
      while (block.find()) {
        if (block.group(1).contains("instrumentation/development:")) {
          return block.group(1);
        }
      }
    }
    throw new AssertionError("the documentation has no declarative configuration file");
  }

  /**
   * A recipe that tells the JVM to ignore flags it does not know (for an older JVM's sake) would
   * also hide a misspelt one: here every JVM flag of every recipe must be one this JVM takes.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void everyJvmFlagOfARecipeIsOneThisJvmKnows(Recipe recipe) throws Exception {
    List<String> command = new ArrayList<>(List.of(E2e.JAVA_HOME.resolve("bin/java").toString()));
    recipe.java().stream()
        .filter(w -> w.startsWith("-X") && !w.equals(IGNORE_UNKNOWN_FLAGS))
        .forEach(command::add);
    command.add("-version");
    Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(java.getInputStream().readAllBytes());
    assertEquals(0, java.waitFor(), recipe + ": " + command + "\n" + output);
  }

  static final String IGNORE_UNKNOWN_FLAGS = "-XX:+IgnoreUnrecognizedVMOptions";

  static final Pattern YAML_ENDPOINT = Pattern.compile("endpoint: (\\S+?)(/v1/metrics)?\n");
  static final String CONFIG_FILE = "-Dotel.config.file=";

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void recipeExportsSandboxMetricsAsWritten(Recipe recipe) throws Exception {
    boolean fromFile = recipe.java().stream().anyMatch(w -> w.startsWith(CONFIG_FILE));
    Matcher yamlEndpoint = YAML_ENDPOINT.matcher(fromFile ? readmeYaml() : "");
    assertTrue(!fromFile || yamlEndpoint.find(), "the file's OTLP endpoint");
    URI endpoint =
        URI.create(
            fromFile
                ? yamlEndpoint.group(1)
                : recipe
                    .env()
                    .getOrDefault(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://localhost:4318")); // the agent's default
    int port =
        endpoint.getPort() > 0
            ? endpoint.getPort()
            : "https".equals(endpoint.getScheme()) ? 443 : 80;
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = port == 4317 ? OtlpReceiver.grpc() : OtlpReceiver.http()) {
      registry.start(901, 9010, "recipe-sandbox");
      Map<String, String> env = new LinkedHashMap<>(recipe.env());
      env.put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
      env.put("MSB_HOME", home.toString());
      env.remove("OTEL_MICROSANDBOX_HOME");
      env.putIfAbsent("OTEL_METRIC_EXPORT_INTERVAL", "1000"); // a recipe's 60 s default, shortened
      env.computeIfPresent("OTEL_JAVAAGENT_EXTENSIONS", (k, v) -> EXTENSION.toString());
      Path agent = null;
      List<String> app = new ArrayList<>();
      for (int i = 0; i < recipe.java().size(); i++) {
        String word = recipe.java().get(i);
        if (word.startsWith("-javaagent:")) {
          agent = jar(word.substring("-javaagent:".length()), recipe);
        } else if (word.startsWith(CONFIG_FILE)) {
          // The README's file as written, but for the receiver's address and the test's home.
          app.add(CONFIG_FILE + documentedFile(receiver, UPSTREAM_AGENT));
        } else if (word.equals("-jar")) {
          String jar = recipe.java().get(++i);
          if (jar.equals("app.jar")) {
            app.addAll(AgentJvm.APP_CLASS);
          } else {
            app.add("-jar");
            app.add(jar(jar, recipe).toString());
          }
        } else {
          app.add(word);
        }
      }
      assertTrue(
          agent != null || app.contains("sidecar"),
          recipe + ": no -javaagent, and not the" + " stand-alone sidecar");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, agent, env, logs.resolve("jvm"), app)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> !sandboxPoints(receiver).isEmpty(),
            () ->
                recipe
                    + " exported nothing to its "
                    + (port == 4317 ? "gRPC" : "HTTP")
                    + " receiver:\n"
                    + stderr(jvm));
        String headers = recipe.env().get("OTEL_EXPORTER_OTLP_HEADERS");
        if (headers != null) {
          String[] kv = headers.split("=", 2);
          assertEquals(
              kv[1].replace("%20", " "),
              receiver.received().get(0).headers().get(kv[0]),
              recipe + ": headers as written");
        }
        assertCleanStart(jvm);
      }
    }
  }

  /**
   * The documented file on the first agents that read one and on the newest, each with the {@code
   * file_format} the file's own comment gives for it: the agent starts, takes the file without a
   * word about its format or a setting's type, and exports the sandbox.
   */
  @ParameterizedTest(name = "agent {0}")
  @ValueSource(strings = {"2.26.1", "newest"})
  void theDocumentedFileStartsTheAgentsItNames(String agentName) throws Exception {
    Path agent = AgentJvm.agent(agentName);
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(902, 9020, "recipe-sandbox");
      Map<String, String> env =
          Map.of(
              "OTEL_JAVAAGENT_EXTENSIONS",
              EXTENSION.toString(),
              "OTEL_CONFIG_FILE",
              documentedFile(receiver, agent).toString());
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, agent, env, logs.resolve(agentName))) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> !sandboxPoints(receiver).isEmpty(),
            () ->
                "agent "
                    + agentName
                    + " with the documented file exported nothing:\n"
                    + stderr(jvm));
        assertCleanStart(jvm);
      }
    }
  }

  /** Nothing in the log says the recipe is wrong, the extension is off or the file misread. */
  static void assertCleanStart(AgentJvm jvm) {
    String stderr = stderr(jvm);
    for (String wrong :
        List.of(
            "probably wrong",
            "microsandbox metrics are off",
            "does not exactly match expected version",
            "Ignoring value for key")) {
      assertFalse(stderr.contains(wrong), stderr);
    }
  }

  static final Pattern FILE_FORMAT_RANGE =
      Pattern.compile("\"(\\d+\\.\\d+)\" for (?:agents )?(\\d+\\.\\d+)(?:–(\\d+\\.\\d+)|(\\+))");

  /**
   * The documented file as written, but for the receiver's address, the test's home and the {@code
   * file_format} that the file's first-line comment gives for {@code agent}'s release.
   */
  Path documentedFile(OtlpReceiver receiver, Path agent) throws IOException {
    String yaml = readmeYaml();
    Matcher endpoint = YAML_ENDPOINT.matcher(yaml);
    assertTrue(endpoint.find(), "the file's OTLP endpoint");
    String version = AgentJvm.version(agent);
    String comment = yaml.substring(0, yaml.indexOf('\n'));
    String format = null;
    for (Matcher range = FILE_FORMAT_RANGE.matcher(comment); range.find(); ) {
      boolean upTo = range.group(4) != null || AgentJvm.older(version, nextMinor(range.group(3)));
      if (!AgentJvm.older(version, range.group(2)) && upTo) {
        format = range.group(1);
      }
    }
    assertTrue(
        format != null,
        "the file's comment gives no file_format for agent " + version + ": " + comment);
    Path file = Files.createDirectories(logs.resolve("file-" + version)).resolve("otel.yaml");
    return Files.writeString(
        file,
        yaml.replace(endpoint.group(1), receiver.endpoint())
            .replaceFirst("home: .*", "home: " + home)
            .replaceFirst("file_format: \"[^\"]*\"", "file_format: \"" + format + "\""));
  }

  /** The release after {@code version}'s minor: 2.28 → 2.29. */
  static String nextMinor(String version) {
    String[] v = version.split("\\.");
    return v[0] + "." + (Integer.parseInt(v[1]) + 1);
  }

  static List<Otlp.Point> sandboxPoints(OtlpReceiver receiver) {
    return Otlp.points(
            receiver.received().stream()
                .map(OtlpReceiver.Received::request)
                .collect(Collectors.toList()))
        .stream()
        .filter(p -> "recipe-sandbox".equals(p.attributes().get("sandbox.name")))
        .collect(Collectors.toList());
  }

  /** The built jar a recipe's jar path names, by file name. */
  static Path jar(String path, Recipe recipe) {
    String name = Path.of(path).getFileName().toString();
    if (name.equals(UPSTREAM_AGENT_NAME)) { // as the README's mvn dependency:copy saves it
      return UPSTREAM_AGENT;
    }
    switch (name) {
      case "msb-otel-agent.jar":
        return BUNDLE;
      case "msb-otel-extension.jar":
        return EXTENSION;
      default:
        throw new AssertionError(recipe + " names " + path + ", which the build does not make");
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
