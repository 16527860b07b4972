package dev.microsandbox.otel.e2e;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
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

  private Otlp() {}

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
