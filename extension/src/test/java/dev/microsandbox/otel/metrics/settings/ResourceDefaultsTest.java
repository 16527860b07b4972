package dev.microsandbox.otel.metrics.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceDefaultsTest {

  static final Resource DETECTED = Resource.builder().put("service.name", "my-app.jar").build();

  static Resource apply(Map<String, String> config, Map<String, String> env) {
    return ResourceDefaults.apply(DETECTED, DefaultConfigProperties.createFromMap(config), env);
  }

  @Test
  void defaultsToMicrosandboxAndTheHostname() {
    Resource r = apply(Map.of(), Map.of("HOSTNAME", "host-1"));
    assertEquals("microsandbox", r.getAttribute(ResourceDefaults.SERVICE_NAME));
    assertEquals("host-1", r.getAttribute(ResourceDefaults.SERVICE_INSTANCE_ID));
  }

  @Test
  void userSettingsWin() {
    assertEquals(
        "my-app.jar",
        apply(Map.of("otel.service.name", "checkout"), Map.of())
            .getAttribute(ResourceDefaults.SERVICE_NAME),
        "the SDK applies OTEL_SERVICE_NAME itself");
    Resource r =
        apply(
            Map.of("otel.resource.attributes", "service.name=x,service.instance.id=i-9"),
            Map.of("HOSTNAME", "host-1"));
    assertEquals("my-app.jar", r.getAttribute(ResourceDefaults.SERVICE_NAME));
    assertEquals(
        null,
        r.getAttribute(ResourceDefaults.SERVICE_INSTANCE_ID),
        "left to the SDK, which puts the user's value");
  }

  @Test
  void hostnameFallsBackToTheKernel() throws Exception {
    String kernel =
        java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
    assertEquals(kernel, ResourceDefaults.hostname(Map.of()));
  }
}
