#!/usr/bin/env bash
# Soak test: a steady, rate-bounded mixed Key Vault load against one emulator for a while,
# watching for errors and for memory, fds or store size that keep growing.
#   tools/soak.sh [--minutes 10] [--rate 300] [--threads 4] [--keys 200] [--store memory]
#                 [--warmup 60] [--max-versions 10] [--build-dir DIR] [--keep]
# Builds (tools/kmslab build), starts build/emulator/kmslab-emulator on a free loopback port
# with a fresh data directory (default SQLite store; --store memory for the in-memory one),
# and runs tools/soak_load.py against it: every 10 s a line with throughput, p50/p99 latency,
# errors, the emulator's RSS, open fds, CPU and store size; at the end totals and the verdict.
# Exit status 0 only if there was no error, the store's integrity check passes after the load,
# and RSS grew < 10% after the warm-up (the first minute; --warmup SECONDS to move it).
# Loopback only; the load is rate-limited; every wait is bounded; the trap stops the emulator
# this script started (and nothing else) and removes its data directory (--keep keeps it).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
minutes=10
rate=300        # requests/s across all threads: modest, the machine may be shared
threads=4
keys=200
warmup=60       # seconds; RSS at the end of it is the baseline for the memory verdict
max_versions=10 # a key with this many versions is retired (purged, re-created): bounded data
store=sqlite
build_dir="$repo/build"
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --max-versions) max_versions=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --build-dir) build_dir=$(realpath -m "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ "$store" != sqlite && "$store" != memory ]]; then
  echo "soak.sh: --store sqlite|memory" >&2
  exit 2
fi

"$repo/tools/kmslab" build --build-dir "$build_dir" >/dev/null
emulator="$build_dir/emulator/kmslab-emulator"

work=$(mktemp -d /tmp/kmslab-soak.XXXXXX)
emu_pid=""
load_pid=""
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  # Only the processes this script started, by pid.
  if [[ -n "$load_pid" ]]; then kill "$load_pid" 2>/dev/null || true; fi
  if [[ -n "$emu_pid" ]]; then
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  if [[ $keep -eq 1 ]]; then echo "soak.sh: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # via the EXIT trap, so Ctrl-C also stops the emulator

fail() { echo "soak.sh: FAIL: $*" >&2; exit 1; }

data="$work/data"
store_args=()
store_file="$data/store.db"   # the emulator's default store: sqlite:<data-dir>/store.db
if [[ "$store" == memory ]]; then store_args=(--store memory); store_file=""; fi
"$emulator" --data-dir "$data" --port 0 --vault soakvault --throttling off \
  --log-file "$work/log" "${store_args[@]+"${store_args[@]}"}" >/dev/null 2>"$work/stderr" &
emu_pid=$!
for _ in $(seq 1000); do   # 10 s at most
  [[ -f "$data/endpoints.json" ]] && break
  kill -0 "$emu_pid" 2>/dev/null || fail "emulator exited at start: $(cat "$work/stderr")"
  sleep 0.01
done
[[ -f "$data/endpoints.json" ]] || fail "emulator wrote no endpoints.json within 10 s"
# endpoints.json is written once ready; read it with Python (no jq dependency).
read -r url ca pid < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]));
print(e["https"], e["ca"], e["pid"])' "$data/endpoints.json")
[[ "$pid" == "$emu_pid" ]] || fail "endpoints.json names pid $pid, we started $emu_pid"
port=${url##*:}

echo "soak.sh: $(date -u +%FT%TZ), $(nproc) CPUs," \
  "load average at start $(cut -d' ' -f1-3 /proc/loadavg);" \
  "emulator pid $emu_pid on 127.0.0.1:$port, store $store, --throttling off"

# `timeout` bounds the whole load even if the helper hangs: the run plus 2 min for setup and
# the final join (the helper's sockets have a 30 s timeout).
limit=$(python3 -c "print(int(float('$minutes') * 60 + 120))")
rc=0
timeout --kill-after=10 "$limit" python3 "$repo/tools/soak_load.py" --port "$port" --ca "$ca" \
  --pid "$emu_pid" --vault soakvault --store-file "$store_file" --minutes "$minutes" \
  --rate "$rate" --threads "$threads" --keys "$keys" --warmup "$warmup" \
  --max-versions "$max_versions" &
load_pid=$!
wait "$load_pid" || rc=$?
load_pid=""

# The emulator must have survived the whole run, and say nothing alarming in its log.
kill -0 "$emu_pid" 2>/dev/null || { echo "soak.sh: the emulator is no longer running" >&2; rc=1; }
alarms=$(grep -c -E '"level":"(error|critical|fatal)"' "$work/log" || true)
echo "soak.sh: emulator log: $(wc -l <"$work/log") lines, $alarms at level error or worse"
if [[ "$alarms" -gt 0 ]]; then
  grep -E '"level":"(error|critical|fatal)"' "$work/log" | head -5 >&2
  rc=1
fi
[[ $rc -eq 124 ]] && echo "soak.sh: FAIL: the load helper overran its ${limit} s limit" >&2
[[ $rc -eq 0 ]] && echo "soak.sh: PASS" || echo "soak.sh: FAIL (exit $rc)"
exit "$rc"
