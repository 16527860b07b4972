package dev.microsandbox.otel.sidecar;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Where the SDK's configuration sends data, resolved as the SDK's autoconfiguration resolves it
 * (the signal's endpoint as given, else the common one plus the signal's path over HTTP, else the
 * protocol's default), for the sidecar's start-up line and each export failure. What it prints
 * never carries a secret: headers are not named, and an endpoint loses its user information and
 * query.
 */
public final class ExportTargets {

  /** The SDK's OTLP settings' prefix. */
  static final String OTLP = "otel.exporter.otlp.";

  /** The metrics exporters, default {@code otlp}. */
  public static final String METRICS_EXPORTER = "otel.metrics.exporter";

  /** The logs exporter, default {@code otlp}. */
  public static final String LOGS_EXPORTER = "otel.logs.exporter";

  /** The Prometheus endpoint's host and port. */
  public static final String PROMETHEUS_HOST = "otel.exporter.prometheus.host";

  static final String PROMETHEUS_PORT = "otel.exporter.prometheus.port";

  /** The SDK's Prometheus port when none is set. */
  static final String DEFAULT_PROMETHEUS_PORT = "9464";

  /** HTTP's and gRPC's default ports, which the protocol's default endpoint uses. */
  static final int HTTP_PORT = 4318;

  static final int GRPC_PORT = 4317;

  private final Function<String, String> settings;

  /** The targets of {@code settings} (a property's value, or null where it is unset). */
  public ExportTargets(Function<String, String> settings) {
    this.settings = settings;
  }

  /** The OTLP protocol of {@code signal} ({@code metrics}, {@code logs}). */
  public String protocol(String signal) {
    String specific = settings.apply(OTLP + signal + ".protocol");
    String common = settings.apply(OTLP + "protocol");
    return specific != null ? specific : common != null ? common : "http/protobuf";
  }

  /** The OTLP endpoint of {@code signal}, secrets left out. */
  public String endpoint(String signal) {
    String specific = settings.apply(OTLP + signal + ".endpoint");
    if (specific != null) {
      return redacted(specific);
    }
    boolean grpc = protocol(signal).equals("grpc");
    String common = settings.apply(OTLP + "endpoint");
    String base = common != null ? common : "http://localhost:" + (grpc ? GRPC_PORT : HTTP_PORT);
    if (grpc) {
      return redacted(base);
    }
    return redacted(base.endsWith("/") ? base + "v1/" + signal : base + "/v1/" + signal);
  }

  /** {@code signal} over OTLP, as one phrase: {@code OTLP http/protobuf to http://…}. */
  public String otlp(String signal) {
    return "OTLP " + protocol(signal) + " to " + endpoint(signal);
  }

  /** The logs exporter: {@code otlp} unless set. */
  public String logsExporter() {
    String value = settings.apply(LOGS_EXPORTER);
    return value == null ? "otlp" : value.trim().toLowerCase(Locale.ROOT);
  }

  /** The metrics exporters named, in order. */
  public List<String> metricsExporters() {
    String value = settings.apply(METRICS_EXPORTER);
    List<String> names = new ArrayList<>();
    for (String name : (value == null ? "otlp" : value).split(",")) {
      if (!name.trim().isEmpty()) {
        names.add(name.trim().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** The Prometheus endpoint's address, with a word on who can reach it. */
  public String prometheus() {
    String host = settings.apply(PROMETHEUS_HOST);
    String port = settings.apply(PROMETHEUS_PORT);
    String shown = host == null ? "localhost" : host;
    String address =
        "http://"
            + (shown.contains(":") ? "[" + shown + "]" : shown)
            + ":"
            + (port == null ? DEFAULT_PROMETHEUS_PORT : port)
            + "/metrics";
    boolean local = shown.equals("localhost") || shown.startsWith("127.") || shown.equals("::1");
    return address
        + (local
            ? " (this host only; OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0 opens it to other hosts)"
            : "");
  }

  /** Every metrics exporter with where it sends: {@code otlp (OTLP … to …), prometheus (…)}. */
  public String metrics() {
    List<String> parts = new ArrayList<>();
    for (String name : metricsExporters()) {
      if (name.equals("otlp")) {
        parts.add("otlp (" + otlp("metrics") + ")");
      } else if (name.equals("prometheus")) {
        parts.add("prometheus (" + prometheus() + ")");
      } else {
        parts.add(name);
      }
    }
    return String.join(", ", parts);
  }

  /** {@code endpoint} without user information, query or fragment; itself if it is no URI. */
  static String redacted(String endpoint) {
    try {
      URI uri = new URI(endpoint.trim());
      if (uri.getHost() == null) {
        return uri.getUserInfo() == null && uri.getQuery() == null ? endpoint.trim() : "(set)";
      }
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          .toString();
    } catch (URISyntaxException e) {
      return "(not a URI)";
    }
  }
}
