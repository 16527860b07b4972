package dev.microsandbox.otel.metrics.settings;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The sidecar's resource defaults, those of {@code msb-metrics}: {@code service.name=microsandbox}
 * and {@code service.instance.id=<hostname>}, each only where the user set nothing: any {@code
 * OTEL_SERVICE_NAME} or {@code OTEL_RESOURCE_ATTRIBUTES} setting wins. The hostname replaces the
 * random UUID the agent's own {@code ServiceInstanceIdResourceProvider} puts there before
 * customizers run, so that series survive a restart. Never applied in an application's JVM.
 */
public final class ResourceDefaults {

  /** The resource attribute the sidecar defaults to {@value #DEFAULT_SERVICE_NAME}. */
  public static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  static final AttributeKey<String> SERVICE_INSTANCE_ID =
      AttributeKey.stringKey("service.instance.id");
  static final String DEFAULT_SERVICE_NAME = "microsandbox";

  private ResourceDefaults() {}

  /**
   * {@code resource} with the sidecar's defaults where the operator set nothing: {@code
   * service.name} {@value #DEFAULT_SERVICE_NAME} and {@code service.instance.id} the host's name.
   */
  public static Resource apply(
      Resource resource, ConfigProperties config, Map<String, String> env) {
    Map<String, String> userAttributes = config.getMap("otel.resource.attributes");
    var builder = resource.toBuilder();
    String serviceName = config.getString("otel.service.name");
    if ((serviceName == null || serviceName.isEmpty())
        && !userAttributes.containsKey(SERVICE_NAME.getKey())) {
      builder.put(SERVICE_NAME, DEFAULT_SERVICE_NAME);
    }
    if (!userAttributes.containsKey(SERVICE_INSTANCE_ID.getKey())) {
      String host = hostname(env);
      if (host != null) {
        builder.put(SERVICE_INSTANCE_ID, host);
      }
    }
    return builder.build();
  }

  /** Best effort, never a DNS lookup: $HOSTNAME, $COMPUTERNAME, then the kernel's hostname. */
  static String hostname(Map<String, String> env) {
    for (String variable : new String[] {"HOSTNAME", "COMPUTERNAME"}) {
      String value = env.get(variable);
      if (value != null && !value.isBlank()) {
        return value.trim();
      }
    }
    try {
      String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      return kernel.isEmpty() ? null : kernel;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
