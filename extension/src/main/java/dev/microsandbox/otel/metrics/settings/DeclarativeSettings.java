package dev.microsandbox.otel.metrics.settings;

import io.opentelemetry.api.incubator.ExtendedOpenTelemetry;
import io.opentelemetry.api.incubator.config.DeclarativeConfigProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The settings of a declarative configuration file: its {@code
 * instrumentation/development.java.microsandbox} node, whose keys are the environment variables'
 * names without {@code OTEL_MICROSANDBOX_}, in lower case ({@code collect_interval} for {@code
 * OTEL_MICROSANDBOX_COLLECT_INTERVAL}). Where the file is silent, the system property and then the
 * environment variable apply, as without a file; the file wins.
 */
public final class DeclarativeSettings implements MicrosandboxSettings.Source {

  /** Where the node sits in the file, for messages. */
  static final String NODE = "instrumentation/development.java.microsandbox";

  private final Map<String, Object> node;
  private final Map<String, String> env;

  /**
   * @param node the node as the SDK parsed it (scalars, lists of scalars), with environment
   *     substitutions done; empty when the file has none
   * @param env the process environment
   */
  DeclarativeSettings(Map<String, Object> node, Map<String, String> env) {
    this.node = node;
    this.env = env;
  }

  /**
   * The settings of the declarative configuration {@code openTelemetry} was built from; null when
   * it offers none (an agent before 2.26). Everything of the incubating configuration API is
   * touched here only, so on an agent without it the linkage error stays in this method.
   */
  public static DeclarativeSettings of(Object openTelemetry, Map<String, String> env) {
    if (!(openTelemetry instanceof ExtendedOpenTelemetry)) {
      return null;
    }
    return ofInstrumentation(
        ((ExtendedOpenTelemetry) openTelemetry).getConfigProvider().getInstrumentationConfig(),
        env);
  }

  /** The settings under {@code java.microsandbox} of a file's instrumentation node (or null). */
  static DeclarativeSettings ofInstrumentation(
      DeclarativeConfigProperties instrumentation, Map<String, String> env) {
    DeclarativeConfigProperties node = instrumentation;
    for (String name : new String[] {"java", "microsandbox"}) {
      node = node == null ? null : node.getStructured(name);
    }
    return new DeclarativeSettings(node == null ? Map.of() : valuesOf(node), env);
  }

  /** Settings written as YAML booleans, numbers or lists rather than strings. */
  private static final List<String> BOOLEANS =
      List.of(
          MicrosandboxSettings.ENABLED,
          MicrosandboxSettings.EMIT_RUN_ID,
          MicrosandboxSettings.EMIT_PID,
          MicrosandboxSettings.OWNER_CHECK,
          MicrosandboxSettings.LABELS_ENABLED,
          MicrosandboxSettings.EVENTS);

  private static final List<String> NUMBERS = List.of(MicrosandboxSettings.MAX_BUFFERED);

  /** Comma-separated settings, which the file may also write as YAML lists. */
  private static final List<String> LISTS =
      List.of(
          MicrosandboxSettings.LABELS_EXCLUDE,
          MicrosandboxSettings.METRICS_EXCLUDE,
          MicrosandboxSettings.SANDBOXES_INCLUDE,
          MicrosandboxSettings.SANDBOXES_EXCLUDE);

  /**
   * The node's values, each read as the type its setting has first. The SDK logs a warning for
   * every value asked for as another type than it has (its own {@code toMap} guesses string,
   * boolean, number in turn), so a setting written as its natural type reads without a word.
   */
  private static Map<String, Object> valuesOf(DeclarativeConfigProperties node) {
    Map<String, Object> values = new java.util.HashMap<>();
    for (String key : node.getPropertyKeys()) {
      String property =
          MicrosandboxSettings.ALL.stream()
              .filter(p -> key(p).equals(key))
              .findFirst()
              .orElse(null);
      if (property == null) {
        values.put(key, ""); // no setting: named in unknownKeys(), its value never read
        continue;
      }
      Object value =
          BOOLEANS.contains(property)
              ? node.getBoolean(key)
              : NUMBERS.contains(property)
                  ? node.getLong(key)
                  // asked for as a list first: for anything but a list it answers null silently
                  : LISTS.contains(property) ? node.getScalarList(key, String.class) : null;
      if (value == null) {
        value = node.getString(key);
      }
      if (value != null) {
        values.put(key, value);
      }
    }
    return values;
  }

  /** {@code otel.microsandbox.collect.interval} → {@code collect_interval}. */
  static String key(String property) {
    return property.substring(MicrosandboxSettings.PREFIX.length()).replace('.', '_');
  }

  @Override
  public String getString(String property) {
    Object value = node.get(key(property));
    if (value != null) {
      return value instanceof List
          ? ((List<?>) value).stream().map(String::valueOf).collect(Collectors.joining(","))
          : String.valueOf(value);
    }
    return getSdkString(property);
  }

  @Override
  public String getSdkString(String property) {
    String system = System.getProperty(property);
    return system != null ? system : env.get(MicrosandboxSettings.envName(property));
  }

  @Override
  public String describe(String property) {
    return node.containsKey(key(property))
        ? NODE + "." + key(property)
        : MicrosandboxSettings.envName(property) + " (" + property + ")";
  }

  /** One line for each key of the node that is no setting, naming the closest one. */
  public List<String> unknownKeys() {
    List<String> known =
        MicrosandboxSettings.ALL.stream()
            .map(DeclarativeSettings::key)
            .collect(Collectors.toList());
    List<String> lines = new ArrayList<>();
    for (String key : node.keySet()) {
      if (!known.contains(key)) {
        lines.add(
            NODE
                + "."
                + key
                + " is not a setting of the microsandbox extension and is"
                + " ignored; did you mean "
                + SettingNames.closest(key.toLowerCase(Locale.ROOT), known)
                + "?");
      }
    }
    return lines;
  }
}
