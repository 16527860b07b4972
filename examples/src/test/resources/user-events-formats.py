# Runs in the user_events guest (UserEventsVmIT): registers the otlp_metrics event as our exporter
# spells it (no trailing ';', as the .NET Geneva exporter) and as the Rust exporter spells it
# (trailing ';'), then a definition that differs, and prints each registration's errno (0: taken)
# and the write index. One event for the first two means a consumer of either sees the same one.
import ctypes
import fcntl
import os
import struct

DIAG_IOCSREG = 0xC0082A00  # _IOWR('*', 0, struct user_reg *)
FIELDS = "u32 protocol;char[8] version;__rel_loc u8[] buffer"
kept = []  # the kernel writes the enable words while the file is open


def register(fd, command):
    enable = ctypes.c_uint32(0)
    name = ctypes.create_string_buffer(command.encode("ascii"))
    kept.extend([enable, name])
    reg = bytearray(struct.pack("<IBBHQQI", 28, 0, 4, 0, ctypes.addressof(enable),
                                ctypes.addressof(name), 0))
    try:
        fcntl.ioctl(fd, DIAG_IOCSREG, reg, True)
    except OSError as e:
        return e.errno, -1
    return 0, struct.unpack_from("<I", reg, 24)[0]


fd = os.open("/sys/kernel/tracing/user_events_data", os.O_WRONLY)
for label, command in (("ours", "otlp_metrics " + FIELDS), ("rust", "otlp_metrics " + FIELDS + ";"),
                       ("other", "otlp_metrics u32 protocol")):
    error, index = register(fd, command)
    print(label, error, index)
with open("/sys/kernel/tracing/user_events_status") as status:
    for line in status:
        if "otlp_metrics" in line:
            print("status", line.strip())
