# simulated-host.sh: the host the measuring scripts (sidecar/measure.sh, in-app/compare.sh) measure
# against. Sourced, not run. `simulated_host NAME JAVA SANDBOXES` makes a work directory ($work),
# starts the simulator with SANDBOXES active sandboxes under $work/home and a local OTLP/HTTP
# receiver that answers every export with 200 and notes when the first one came
# ($work/first-export), and sets $port to the receiver's port once both are up. On exit the
# processes in $pids are stopped, the simulator's registry is removed and so is $work.

pids=()

simulated_host_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  local registry
  registry=$(grep -o '/dev/shm/msb-met-[0-9a-f]*-v3' "$work/simulator.log" 2>/dev/null | head -n 1)
  [ -z "$registry" ] || rm -f "$registry"
  rm -rf "$work"
}

simulated_host() {
  local name=$1 java=$2 sandboxes=$3
  local simulator
  simulator="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/msb-otel-simulator.jar"
  [ -f "$simulator" ] || { echo "$name: build first (mvn -B -DskipTests package)" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/msb-$name.XXXXXX")
  trap simulated_host_cleanup EXIT INT TERM

  "$java" -jar "$simulator" --msb-home "$work/home" --sandboxes "$sandboxes" \
    --capacity $((sandboxes + 24)) --no-catalog >"$work/simulator.log" 2>&1 &
  pids+=($!)

  python3 - "$work" >"$work/receiver.log" 2>&1 <<'PY' &
import http.server, sys, time, os
work = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        first = os.path.join(work, "first-export")
        if not os.path.exists(first):
            with open(first, "w") as f:
                f.write("%.3f" % time.time())
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(work, "port"), "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
PY
  pids+=($!)
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  for _ in $(seq 100); do grep -q "sandboxes, period" "$work/simulator.log" 2>/dev/null && break; sleep 0.1; done
}
