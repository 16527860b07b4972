package dev.microsandbox.otel.userevents;

import dev.microsandbox.otel.support.JavaRuntime;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/** Finds tracefs and registers the {@code otlp_metrics} event there. */
final class Tracepoints {

  /** The event's name and fields, as the Rust exporter registers it. */
  static final String EVENT = "otlp_metrics u32 protocol;char[8] version;__rel_loc u8[] buffer";

  private static final String FFM_TRACEPOINT = "dev.microsandbox.otel.userevents.FfmTracepoint";

  private Tracepoints() {}

  /**
   * Registers the event.
   *
   * @param mounts the lines of {@code /proc/mounts}
   * @throws UserEventsUnavailable saying what is missing and how to fix it
   */
  static Tracepoint register(List<String> mounts) throws UserEventsUnavailable {
    if (JavaRuntime.feature() < JavaRuntime.FFM_FEATURE) {
      throw new UserEventsUnavailable(
          "the user_events exporter needs Java "
              + JavaRuntime.FFM_FEATURE
              + " or newer (the FFM API) and this JVM is Java "
              + JavaRuntime.feature()
              + "; run the application (or the msb-otel sidecar) on Java 22+",
          0);
    }
    Path tracefs = tracefs(mounts);
    if (tracefs == null) {
      throw new UserEventsUnavailable(
          "tracefs is not mounted; mount it with" + " `mount -t tracefs nodev /sys/kernel/tracing`",
          0);
    }
    Path data = tracefs.resolve("user_events_data");
    try {
      Files.readAttributes(data, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new UserEventsUnavailable(
          data
              + " does not exist: this kernel ("
              + System.getProperty("os.version")
              + ") was built without CONFIG_USER_EVENTS",
          0);
    } catch (AccessDeniedException e) {
      // tracefs is often drwx------ root: the file exists, but this user cannot reach it.
      throw new UserEventsUnavailable(
          notPermitted("may not enter " + tracefs + " to reach " + data, data), 0);
    } catch (IOException e) {
      throw new UserEventsUnavailable(data + " cannot be looked up: " + e, 0);
    }
    try {
      return (Tracepoint) Ffm.REGISTER.invokeExact(data.toString(), EVENT);
    } catch (UserEventsUnavailable e) {
      if (e.errno() == 13 || e.errno() == 1) {
        throw new UserEventsUnavailable(
            e.getMessage() + ": " + notPermitted("may not write " + data, data), 0);
      }
      throw e;
    } catch (Throwable e) {
      throw new UserEventsUnavailable("loading the FFM tracepoint failed: " + e, 0);
    }
  }

  /** Says that this user {@code what}, and how to allow it. */
  private static String notPermitted(String what, Path data) {
    return "this user ("
        + System.getProperty("user.name")
        + ") "
        + what
        + "; run as root, or"
        + " give the user access to "
        + data
        + " and its directory (for example a group that owns"
        + " both: chgrp, chmod g+x on "
        + data.getParent()
        + " and g+w on the file, reapplied at"
        + " boot)";
  }

  /** /proc/mounts as this process sees it. */
  static List<String> mounts() {
    try {
      return Files.readAllLines(Path.of("/proc/mounts"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Where tracefs is mounted: the first tracefs mount, else debugfs' tracing directory. */
  static Path tracefs(List<String> mounts) {
    Path debugfs = null;
    for (String line : mounts) {
      String[] fields = line.split(" ");
      if (fields.length >= 3 && fields[2].equals("tracefs")) {
        return Path.of(fields[1]);
      }
      if (fields.length >= 3 && fields[2].equals("debugfs") && debugfs == null) {
        debugfs = Path.of(fields[1], "tracing");
      }
    }
    return debugfs != null && Files.isDirectory(debugfs) ? debugfs : null;
  }

  /** Looks the Java 22 class up only when first used, so an older JVM never loads it. */
  private static final class Ffm {
    static final MethodHandle REGISTER =
        JavaRuntime.findStatic(
            MethodHandles.lookup(),
            FFM_TRACEPOINT,
            "register",
            MethodType.methodType(Tracepoint.class, String.class, String.class));
  }
}
