package dev.microsandbox.otel.e2e;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Flattens decoded OTLP requests into (resource, scope, metric, point) rows for assertions. */
public final class Otlp {

  /** One number data point with everything around it. */
  public record Point(
      Map<String, String> resource,
      String scope,
      String scopeVersion,
      Metric metric,
      Map<String, String> attributes,
      NumberDataPoint point) {

    /** The value as a double, whichever type it was sent as. */
    public double value() {
      return point.hasAsDouble() ? point.getAsDouble() : point.getAsInt();
    }
  }

  /** One log record with its resource and scope; the event name from the field or attribute. */
  public record LogEvent(
      Map<String, String> resource,
      String scope,
      String eventName,
      boolean nameInField,
      Map<String, String> attributes,
      LogRecord record) {}

  private Otlp() {}

  /** Every log record of {@code requests}. */
  public static List<LogEvent> logEvents(List<ExportLogsServiceRequest> requests) {
    List<LogEvent> events = new ArrayList<>();
    for (ExportLogsServiceRequest request : requests) {
      for (ResourceLogs rl : request.getResourceLogsList()) {
        Map<String, String> resource = attributes(rl.getResource().getAttributesList());
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord record : sl.getLogRecordsList()) {
            Map<String, String> attributes = attributes(record.getAttributesList());
            boolean inField = !record.getEventName().isEmpty();
            events.add(
                new LogEvent(
                    resource,
                    sl.getScope().getName(),
                    inField ? record.getEventName() : attributes.get("event.name"),
                    inField,
                    attributes,
                    record));
          }
        }
      }
    }
    return events;
  }

  /**
   * Whether {@code p} is a per-sandbox series of the extension: its scope, neither the collector's
   * own health nor the stops counter.
   */
  public static boolean isSandboxSeries(Point p) {
    return p.scope().equals("microsandbox-metrics-collector")
        && !p.metric().getName().startsWith("microsandbox.collector.")
        && !p.metric().getName().equals("microsandbox.sandbox.stops");
  }

  /** Every gauge and sum point of {@code requests}. */
  public static List<Point> points(List<ExportMetricsServiceRequest> requests) {
    List<Point> points = new ArrayList<>();
    for (ExportMetricsServiceRequest request : requests) {
      for (ResourceMetrics rm : request.getResourceMetricsList()) {
        Map<String, String> resource = attributes(rm.getResource().getAttributesList());
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          for (Metric metric : sm.getMetricsList()) {
            List<NumberDataPoint> data =
                metric.hasGauge()
                    ? metric.getGauge().getDataPointsList()
                    : metric.hasSum() ? metric.getSum().getDataPointsList() : List.of();
            for (NumberDataPoint p : data) {
              points.add(
                  new Point(
                      resource,
                      sm.getScope().getName(),
                      sm.getScope().getVersion(),
                      metric,
                      attributes(p.getAttributesList()),
                      p));
            }
          }
        }
      }
    }
    return points;
  }

  /** Attributes as strings (ints printed in decimal). */
  public static Map<String, String> attributes(List<KeyValue> keyValues) {
    Map<String, String> map = new TreeMap<>();
    for (KeyValue kv : keyValues) {
      AnyValue v = kv.getValue();
      map.put(
          kv.getKey(),
          v.hasIntValue()
              ? Long.toString(v.getIntValue())
              : v.hasDoubleValue()
                  ? Double.toString(v.getDoubleValue())
                  : v.hasBoolValue() ? Boolean.toString(v.getBoolValue()) : v.getStringValue());
    }
    return map;
  }
}
