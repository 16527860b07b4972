# A perf script handler for user_events:otlp_metrics, the event of the OpenTelemetry user_events
# metrics exporters (ours and the Rust one register the same event). Prints one line per event:
#
#   <thread id> <protocol> <version> <payload as hex>
#
# protocol 0 means the payload is an OTLP ExportMetricsServiceRequest in protobuf. Decode one
# without the .proto files:  cut -d' ' -f4 | head -1 | xxd -r -p | protoc --decode_raw
#
# Use: perf record -e user_events:otlp_metrics -a -o ue.data -- sleep 30
#      perf script -i ue.data -s otlp_events.py > events.txt
import sys

counts = {"events": 0, "bytes": 0}


def user_events__otlp_metrics(event_name, context, common_cpu, common_secs, common_nsecs,
                              common_pid, common_comm, common_callchain, protocol, version,
                              buffer, *unused):
    # perf hands char[8] over as text or as bytes, depending on its version: keep what precedes NUL.
    if not isinstance(version, str):
        version = bytes(version).partition(b"\0")[0].decode("ascii", "replace")
    payload = bytes(buffer)
    counts["events"] += 1
    counts["bytes"] += len(payload)
    print(common_pid, protocol, version.rstrip("\0"), payload.hex())


def trace_unhandled(event_name, context, event_fields_dict, *unused):
    print("skipped an event that is not otlp_metrics:", event_name, file=sys.stderr)


def trace_end():
    print("otlp_events: %d events, %d payload bytes" % (counts["events"], counts["bytes"]),
          file=sys.stderr)
