#!/usr/bin/env bash
# Benchmarks the HTTPS core against nginx in the same run, and the emulator's start-up time.
#   tools/bench/http.sh [--duration 10s] [--connections 32] [--build-dir DIR]
# Prints requests/second for each server (TLS, keep-alive, wrk), their ratio, and exec-to-ready
# times. Loopback only; bounded in time.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
duration=10s
connections=32
build_dir="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
"$repo/tools/setup.sh" --with-bench
"$repo/tools/kmslab" build --build-dir "$build_dir" >/dev/null
emulator="$build_dir/emulator/kmslab-emulator"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The emulator, logging every request to a file as it does in use.
"$emulator" --data-dir "$work/emu" --port 0 --store memory --log-file "$work/emu.log" >/dev/null &
pids+=($!)
for _ in $(seq 500); do [[ -f "$work/emu/endpoints.json" ]] && break; sleep 0.01; done
emu_url=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['https'])" "$work/emu/endpoints.json")

# nginx with the same TLS set-up (tools/bench/lib_nginx.sh), serving the same JSON body as a
# static file.
# shellcheck source-path=SCRIPTDIR source=lib_nginx.sh
source "$repo/tools/bench/lib_nginx.sh"
mkdir -p "$work/www/_kmslab"
curl -s --cacert "$work/emu/ca.pem" "$emu_url/_kmslab/health" >"$work/www/_kmslab/health"
start_nginx "$work" "$work/emu" "$work/www" /_kmslab/health

run_wrk() { wrk -t2 -c"$connections" -d"$duration" "$1/_kmslab/health" | awk '/Requests\/sec/ {print $2}'; }
echo "wrk -t2 -c$connections -d$duration, TLS keep-alive, GET /_kmslab/health (66-byte JSON)"
nginx_rps=$(run_wrk "https://127.0.0.1:$nginx_port")
emu_rps=$(run_wrk "$emu_url")
printf '  nginx            %10.0f req/s\n' "$nginx_rps"
printf '  kmslab-emulator  %10.0f req/s\n' "$emu_rps"
printf '  ratio            %10.2f (emulator / nginx)\n' "$(python3 -c "print($emu_rps/$nginx_rps)")"

# Start-up: exec to the first successful /_kmslab/health over TLS, with the default SQLite store.
# The first start creates the CA and the token-signing key; later starts load them.
python3 - "$emulator" "$work/start" <<'PY'
import json, os, socket, ssl, statistics, subprocess, sys, time
binary, data = sys.argv[1], sys.argv[2]
port_sock = socket.socket(); port_sock.bind(("127.0.0.1", 0)); port = port_sock.getsockname()[1]; port_sock.close()
times = []
for i in range(6):
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "--data-dir", data, "--port", str(port), "--proxy-port", "0",
                          "--log-level", "warn"], stdout=subprocess.DEVNULL)
    ctx = ssl.create_default_context(cafile=os.path.join(data, "ca.pem")) if i else ssl._create_unverified_context()
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                with ctx.wrap_socket(s, server_hostname="localhost") as t:
                    t.sendall(b"GET /_kmslab/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    if t.recv(12).startswith(b"HTTP/1.1 200"):
                        break
        except OSError:
            time.sleep(0.001)
        if time.monotonic() - t0 > 10:
            sys.exit("emulator did not become ready in 10 s")
    times.append((time.monotonic() - t0) * 1000)
    p.terminate(); p.wait()
print(f"start-up, exec to first TLS response: first start {times[0]:.1f} ms (creates the CA); "
      f"later starts (SQLite store) median {statistics.median(times[1:]):.1f} ms, max {max(times[1:]):.1f} ms")
PY
