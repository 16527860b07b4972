package dev.microsandbox.otel.userevents;

/** Why no {@code user_events} tracepoint could be registered: the step, and the errno if any. */
final class UserEventsUnavailable extends Exception {

  private final int errno;

  UserEventsUnavailable(String step, int errno) {
    super(errno == 0 ? step : step + ": " + describe(errno));
    this.errno = errno;
  }

  /** The errno of the failing call; 0 when the failure was not a system call's. */
  int errno() {
    return errno;
  }

  /** The usual name of the errno values these calls return. */
  static String describe(int errno) {
    switch (errno) {
      case 1:
        return "EPERM";
      case 2:
        return "ENOENT";
      case 9:
        return "EBADF";
      case 13:
        return "EACCES";
      case 14:
        return "EFAULT";
      case 22:
        return "EINVAL";
      case 28:
        return "ENOSPC";
      case 90:
        return "EMSGSIZE";
      default:
        return "errno " + errno;
    }
  }
}
